"""The filter parsers of the listing commands: --where, --project, --type and times (no storage)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from provgraph.exceptions import InputValidationError
from provgraph.tools.node_filters import (
    field_name,
    parse_projection,
    parse_time,
    parse_where,
    resolve_node_type,
)


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The machine's local time zone set to one far from UTC (+14:00, no daylight saving)."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield "Pacific/Kiritimati"
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("attributes.value>2", {"attributes.value": {">": 2}}),
        ("attributes.x >= 2.5", {"attributes.x": {">=": 2.5}}),
        ("  attributes.a.b == true  ", {"attributes.a.b": {"==": True}}),
        ('extras.name == "42"', {"extras.name": {"==": "42"}}),
        ("extras.name == '>2'", {"extras.name": {"==": ">2"}}),
        ("extras.name == plain words", {"extras.name": {"==": "plain words"}}),
        ("extras.name = null", {"extras.name": {"==": None}}),
        ("label like 'calc%'", {"label": {"like": "calc%"}}),
        ("label LIKE calc%", {"label": {"like": "calc%"}}),
        ("label == 5", {"label": {"==": "5"}}),
        ("process_type == null", {"process_type": {"==": None}}),
        ("pk != 3", {"id": {"!==": 3}}),
        ("pk in [1, 2]", {"id": {"in": [1, 2]}}),
        ('label !in ["a", null]', {"label": {"!in": ["a", None]}}),
        ('attributes.v !in [1, "a"]', {"attributes.v": {"!in": [1, "a"]}}),
        ("attributes.k has_key 1", {"attributes.k": {"has_key": "1"}}),
        ("attributes.k !has_key a", {"attributes.k": {"!has_key": "a"}}),
        ("attributes.k of_type array", {"attributes.k": {"of_type": "array"}}),
        ("attributes.k of_length 2", {"attributes.k": {"of_length": 2}}),
        ("attributes.k contains [1]", {"attributes.k": {"contains": [1]}}),
        ('attributes.k contains {"a": 1}', {"attributes.k": {"contains": {"a": 1}}}),
    ],
)
def test_where_reads(expression: str, expected: dict[str, object]) -> None:
    assert parse_where(expression).as_filter() == expected


@pytest.mark.parametrize(
    ("expression", "position", "message"),
    [
        ("attributes.value >> 2", 19, "a value cannot start with '>'"),
        ("attributes.value>>2", 18, "a value cannot start with '>'"),
        ("attributes.value => 2", 19, "a value cannot start with '>'"),
        ("attributes.value == !3", 21, "a value cannot start with '!'"),
        ("attributes.x", 13, "expected an operator"),
        ("attributes.x ~ 3", 14, "expected an operator"),
        ("attributes.x likes 3", 14, "unknown operator 'likes'; did you mean 'like'"),
        ("attributes.x inside [1]", 14, "unknown operator 'inside'"),
        ("label likecalc", 7, "unknown operator 'likecalc'"),
        ("pk ==", 6, "missing value"),
        ("pk == abc", 7, "pk is a whole number"),
        ('pk in [1, "a"]', 7, "pk is a whole number"),
        ('label in ["a", 5]', 10, "label is text"),
        ("colour == red", 1, "unknown field 'colour'"),
        ("lable == x", 1, "did you mean 'label'"),
        ("attributes == 2", 1, "needs a key path after attributes"),
        ("attributes. == 2", 12, "expected a key after '.'"),
        ("== 2", 1, "expected a field name"),
        ("attributes.x in 5", 17, "'in' needs a non-empty JSON list"),
        ("attributes.x in []", 17, "'in' needs a non-empty JSON list"),
        ("attributes.x in [1, 2", 22, "not valid JSON"),
        ('attributes.x == "open', 17, "not valid JSON"),
        ("attributes.x == 'open", 17, "the quote ' is not closed"),
        ('attributes.x == "a" b', 21, "unexpected text after the value"),
        ("attributes.x like 5", 19, "'like' takes a text pattern"),
        ("attributes.x of_length two", 24, "'of_length' takes a whole number"),
        ("attributes.x of_type list", 22, "'of_type' takes one of object, array"),
        ("attributes.x contains 1", 23, "'contains' takes a JSON list or object"),
        ("attributes.x > [1]", 16, "'>' compares numbers or text"),
        ("attributes.x > null", 16, "'>' compares numbers or text"),
        ("label has_key a", 7, "'has_key' applies to attributes.PATH and extras.PATH only"),
        ("ctime > yesterdayish", 9, "'yesterdayish' is not a time"),
        ("ctime == 2020-01-01", 7, "compare ctime with < <= > >="),
        ("mtime in [1]", 7, "compare mtime with < <= > >="),
    ],
)
def test_where_refuses_with_the_position(expression: str, position: int, message: str) -> None:
    with pytest.raises(InputValidationError) as caught:
        parse_where(expression)
    text = str(caught.value)
    assert text.startswith(f"cannot read --where {expression!r} at position {position}: "), text
    assert message in text
    assert "\n" not in text


def test_where_errors_name_the_option() -> None:
    with pytest.raises(InputValidationError, match=r"^cannot read -w 'pk' at position 3: expected an op"):
        parse_where("pk", option="-w")


def test_projection_errors_speak_of_project() -> None:
    assert parse_projection(" pk, attributes.value ,label") == ["pk", "attributes.value", "label"]
    with pytest.raises(InputValidationError, match=r"unknown field 'nonsense' in --project"):
        parse_projection("pk,nonsense")
    with pytest.raises(InputValidationError, match=r"field 'lable' in --project; did you mean 'label'"):
        parse_projection("lable")
    with pytest.raises(InputValidationError, match=r"'extras.' in --project needs a key path"):
        parse_projection("extras.")
    with pytest.raises(InputValidationError, match=r"--project needs at least one field"):
        parse_projection(" , ")
    assert field_name("computer") == "dbcomputer_id"


def test_times_are_aware_and_local_by_default(local_zone: str) -> None:
    plus_14 = timezone(timedelta(hours=14))
    assert parse_time("2020-01-01") == datetime(2020, 1, 1, tzinfo=plus_14)
    assert parse_time("2020-01-01T10:00") == datetime(2020, 1, 1, 10, tzinfo=plus_14)
    assert parse_time("2020-01-01 10:00:30") == datetime(2020, 1, 1, 10, 0, 30, tzinfo=plus_14)
    assert parse_time("2020-01-01T10:00Z") == datetime(2020, 1, 1, 10, tzinfo=timezone.utc)
    assert parse_time("2020-01-01T10:00+02:00") == datetime(2020, 1, 1, 8, tzinfo=timezone.utc)
    start = datetime(2020, 1, 10, 12, tzinfo=timezone.utc)
    assert parse_time("-3d", now=start) == start - timedelta(days=3)
    assert parse_time("-2h", now=start) == start - timedelta(hours=2)
    assert parse_time("- 90 m", now=start) == start - timedelta(minutes=90)
    assert parse_time("-10s", now=start) == start - timedelta(seconds=10)
    assert parse_time("-1w", now=start) == start - timedelta(weeks=1)
    assert parse_time("-1.5d", now=start) == start - timedelta(hours=36)
    assert parse_time("now", now=start) == start
    assert parse_time("today", now=start) == datetime(2020, 1, 11, tzinfo=plus_14)  # 02:00 there
    assert parse_time("yesterday", now=start) == datetime(2020, 1, 10, tzinfo=plus_14)
    assert parse_time("-2h").tzinfo is not None
    for text in ("3d", "-3y", "2020-13-01", "01/02/2020", ""):
        with pytest.raises(InputValidationError, match=r"'.*' is not a time: give a date"):
            parse_time(text)


def test_where_on_times_gives_aware_datetimes(local_zone: str) -> None:
    clause = parse_where("ctime>2020-01-01")
    assert clause.as_filter() == {"ctime": {">": datetime(2020, 1, 1, tzinfo=timezone(timedelta(hours=14)))}}
    assert parse_where("mtime <= '2020-01-01T00:00Z'").value == datetime(2020, 1, 1, tzinfo=timezone.utc)
    before = datetime.now(timezone.utc)
    moment = parse_where("mtime>-3d").value
    assert before - timedelta(days=3, seconds=5) < moment <= datetime.now(timezone.utc) - timedelta(days=3)


@pytest.mark.parametrize(
    ("spelling", "class_name"),
    [
        ("Int", "Int"),
        ("int", "Int"),
        ("orm.Int", "Int"),
        ("aiida.orm.Int", "Int"),
        ("provgraph.orm.nodes.data.core.int.Int", "Int"),
        ("core.int", "Int"),
        ("aiida.data:core.int", "Int"),
        ("provgraph.data:core.int", "Int"),
        ("data.core.int.Int.", "Int"),
        ("data.core.int.Int", "Int"),
        ("data.core.int", "Int"),
        ("data.core.int.", "Int"),
        ("core.dict", "Dict"),
        ("core.array", "ArrayData"),
        ("data.core.array", "ArrayData"),
        ("Data", "Data"),
        ("data", "Data"),
        ("data.", "Data"),
        ("Node", "Node"),
        ("ProcessNode", "ProcessNode"),
        ("process.", "ProcessNode"),
        ("process", "ProcessNode"),
        ("process.calculation", "CalculationNode"),
        ("CalcFunctionNode", "CalcFunctionNode"),
        ("WorkFunctionNode", "WorkFunctionNode"),
        ("aiida.node:process.workflow.workfunction", "WorkFunctionNode"),
    ],
)
def test_type_spellings_name_classes(spelling: str, class_name: str) -> None:
    chosen = resolve_node_type(spelling)
    assert chosen.node_class.__name__ == class_name
    assert dict(chosen.filters) == {}
    assert chosen.prefix is None


@pytest.mark.parametrize(
    ("spelling", "like"),
    [
        ("data.core", "data.core.%"),
        ("data.core.", "data.core.%"),
        ("data.core.code", "data.core.code.%"),
        ("core.array.bands", "data.core.array.bands.%"),
        ("BandsData", "data.core.array.bands.%"),
        ("aiida.data:core.array.kpoints", "data.core.array.kpoints.%"),
        ("core.code", "data.core.code.%"),
    ],
)
def test_type_prefixes_without_a_class(spelling: str, like: str) -> None:
    chosen = resolve_node_type(spelling)
    assert chosen.node_class.__name__ == "Node"
    assert dict(chosen.filters) == {"node_type": {"like": like}}
    assert chosen.prefix == like[:-1]


def test_process_entry_points_select_by_process_type() -> None:
    for spelling in ("core.arithmetic.add", "aiida.calculations:core.arithmetic.add"):
        chosen = resolve_node_type(spelling)
        assert chosen.node_class.__name__ == "ProcessNode"
        assert dict(chosen.filters) == {"process_type": {"==": "aiida.calculations:core.arithmetic.add"}}
    chosen = resolve_node_type("aiida.workflows:core.arithmetic.multiply_add")
    assert dict(chosen.filters) == {"process_type": {"==": "aiida.workflows:core.arithmetic.multiply_add"}}


@pytest.mark.parametrize(
    ("spelling", "suggested"),
    [
        ("Intt", "'Int'"),
        ("orm.Innt", "'orm.Int'"),
        ("core.intt", "'core.int'"),
        ("CalcFunctionNod", "'CalcFunctionNode'"),
        ("process.calculatio", "'process.calculation.'"),
        ("data.core.flaot", "'data.core.float.'"),
    ],
)
def test_unknown_types_suggest_close_spellings(spelling: str, suggested: str) -> None:
    with pytest.raises(InputValidationError) as caught:
        resolve_node_type(spelling)
    text = str(caught.value)
    assert text.startswith(f"unknown type {spelling!r} in --type; did you mean "), text
    assert suggested in text
    assert text.endswith("?")


def test_unknown_type_without_close_spellings_says_what_to_give() -> None:
    with pytest.raises(InputValidationError, match=r"unknown type 'zzz' in -T; give a class name \(Int"):
        resolve_node_type("zzz", option="-T")
    with pytest.raises(InputValidationError, match=r"unknown type 'data\.core\.in'"):
        resolve_node_type("data.core.in")  # a prefix must end at a dot, not inside a name


def test_types_found_in_the_storage_are_known() -> None:
    stored = ["data.plugin.bar.BarData.", "data.core.int.Int."]
    asked: list[int] = []

    def present() -> list[str]:
        asked.append(1)
        return stored

    assert resolve_node_type("Int", present=present).node_class.__name__ == "Int"
    assert asked == []  # known types never query the storage
    for spelling, like in [
        ("data.plugin.bar.BarData.", "data.plugin.bar.%"),
        ("BarData", "data.plugin.bar.%"),
        ("data.plugin", "data.plugin.%"),
    ]:
        assert dict(resolve_node_type(spelling, present=present).filters) == {"node_type": {"like": like}}
    with pytest.raises(InputValidationError, match="did you mean 'BarData'"):
        resolve_node_type("BarDat", present=present)


def test_like_prefixes_are_escaped() -> None:
    chosen = resolve_node_type("data.my_plugin", present=lambda: ["data.my_plugin.thing.Thing."])
    assert dict(chosen.filters) == {"node_type": {"like": "data.my\\_plugin.%"}}


def test_docstring_examples_run() -> None:
    import doctest

    from provgraph.tools import node_filters

    result = doctest.testmod(node_filters, optionflags=doctest.ELLIPSIS, report=False)
    assert result.attempted >= 10
    assert result.failed == 0
