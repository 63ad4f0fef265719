"""``provgraph node list``: filters, projections and the --where mini-language, both backends.

The parsers themselves are tested in ``test_filters.py``; here they meet the storage: every
spelling of --type finds the same nodes, times compare as instants on SQLite and PostgreSQL,
and a filter the command cannot read is one ``Error:`` line, never an empty listing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.broken_rows import write_unchecked

from provgraph.cli.node import node
from provgraph.cli.node_list import _node_class, _projection, parse_where
from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError
from provgraph.manager import get_manager
from provgraph.orm import Dict, Float, Group, Int, Str
from provgraph.provenance.functions import calcfunction, workfunction


def run(*args: str) -> Result:
    return CliRunner().invoke(node, ["list", *args])


def listed(*args: str) -> list[dict[str, object]]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    parsed: list[dict[str, object]] = json.loads(result.stdout)
    return parsed


@pytest.fixture
def graph(registered_profile: Profile) -> dict[str, list[int]]:
    ints = [Int(value, label=f"int-{value}").store() for value in range(6)]
    documents = [{"x": value * 1.5, "tag": "even" if value % 2 == 0 else "odd"} for value in range(4)]
    dicts = [Dict(document).store() for document in documents]
    words = [Str(text).store() for text in ("alpha", "beta")]
    group = Group(label="picked").store()
    group.add_nodes([ints[1], ints[4], dicts[0]])
    return {
        "ints": [n.pk for n in ints if n.pk is not None],
        "dicts": [n.pk for n in dicts if n.pk is not None],
        "words": [n.pk for n in words if n.pk is not None],
    }


def test_type_where_and_projection(graph: dict[str, list[int]]) -> None:
    rows = listed("--type", "Int", "--where", "attributes.value>3", "--project", "pk,attributes.value,label")
    assert rows == [
        {"pk": graph["ints"][4], "attributes.value": 4, "label": "int-4"},
        {"pk": graph["ints"][5], "attributes.value": 5, "label": "int-5"},
    ]
    rows = listed("--type", "data.core.dict", "-w", "attributes.tag == 'even'", "-w", "attributes.x>=3")
    assert [row["pk"] for row in rows] == [graph["dicts"][2]]
    assert rows[0]["node_type"] == "data.core.dict.Dict."
    rows = listed("--type", "Str", "--where", 'attributes.value in ["beta", "gamma"]', "--project", "uuid")
    assert len(rows) == 1
    assert set(rows[0]) == {"uuid"}


def test_label_group_negation_and_limit(graph: dict[str, list[int]]) -> None:
    assert [row["pk"] for row in listed("--label", "int-_")] == graph["ints"]
    members = sorted([*graph["ints"][1::3], graph["dicts"][0]])
    assert [row["pk"] for row in listed("--group", "picked")] == members
    rows = listed("--type", "Int", "--where", "attributes.value !in [0, 1, 2]")
    assert [row["pk"] for row in rows] == graph["ints"][3:]
    rows = listed("--type", "Int", "--limit", "2")
    assert len(rows) == 2
    result = run("--type", "Int", "--limit", "2")
    assert result.exit_code == 0
    assert "the limit" in result.output


def test_table_output(graph: dict[str, list[int]]) -> None:
    result = run("--type", "Int", "--where", "attributes.value == 2")
    assert result.exit_code == 0, result.output
    assert "int-2" in result.output
    assert "Total results: 1" in result.output


BAD_INPUT = [
    (["--where", "attributes.x"], "FIELD OPERATOR VALUE"),
    (["--where", "colour == red"], "unknown field 'colour'"),
    (["--where", "attributes.x in 5"], "'in' needs a non-empty JSON list"),
    (["--where", "attributes.x like 5"], "'like' takes a text pattern"),
    (["--where", "attributes.value >> 2"], "cannot read --where 'attributes.value >> 2' at position 19"),
    (
        ["-w", "ctime > last week"],
        "cannot read --where 'ctime > last week' at position 9: 'last week' is not a time",
    ),
    (["--type", "NoSuchClass"], "unknown type 'NoSuchClass' in --type"),
    (["-t", "Intt"], "unknown type 'Intt' in --type; did you mean 'Int'?"),
    (["--project", "pk,nonsense"], "unknown field 'nonsense' in --project"),
    (["-P", "pk,lable"], "unknown field 'lable' in --project; did you mean 'label'?"),
    (["--group", "missing"], "missing"),
]


def test_bad_input_is_one_clear_line(graph: dict[str, list[int]]) -> None:
    for arguments, message in BAD_INPUT:
        result = CliRunner().invoke(node, ["list", *arguments])
        assert result.exit_code != 0, arguments
        assert message in result.output, arguments
        assert result.output.startswith("Error: ")
        assert result.output.count("\n") == 1
        assert "Traceback" not in result.output


def test_where_parser() -> None:
    assert parse_where("attributes.x>=2.5").as_filter() == {"attributes.x": {">=": 2.5}}
    assert parse_where("label like 'calc%'").as_filter() == {"label": {"like": "calc%"}}
    assert parse_where('extras.name == "42"').as_filter() == {"extras.name": {"==": "42"}}
    assert parse_where("extras.name == plain words").as_filter() == {"extras.name": {"==": "plain words"}}
    assert parse_where("pk != 3").as_filter() == {"id": {"!==": 3}}
    assert parse_where("attributes.k !has_key a").operator == "!has_key"
    with pytest.raises(InputValidationError, match="missing value"):
        parse_where("pk ==")


def test_help_documents_the_filters() -> None:
    result = run("--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    for expected in (
        "FIELD OPERATOR VALUE",
        "of_length",
        "core.int",
        "orm.Int",
        "CalcFunctionNode",
        "process.calculation",
        "2020-01-01T10:00",
        "-3d",
        "units s m h d w",
        "quote text that starts with",
        "--where 'ctime>=2024-01-31'",
        "--where 'mtime>-3d'",
    ):
        assert expected in text, expected


def test_old_helpers_keep_their_shapes() -> None:
    """``_node_class`` and ``_projection`` are called as before (the lead's rewrite of list_nodes)."""
    assert _node_class("core.int")[0] is Int
    assert _node_class("data.core") == (None, "data.core")
    assert _projection("pk,attributes.value") == ["pk", "attributes.value"]
    with pytest.raises(InputValidationError, match="in --project"):
        _projection("pk,nope")


@calcfunction
def add(x: Any, y: Any) -> Any:
    return Int(x.value + y.value)


@workfunction
def add_twice(x: Any, y: Any) -> Any:
    return {"sum": add(add(x, y), y)}


@pytest.fixture
def processes(registered_profile: Profile) -> dict[str, list[int]]:
    node = add_twice.run_get_node(Int(1), Int(2))[1]
    calls = sorted(n.pk for n in node.called)
    ints = [row["pk"] for row in listed("--type", "Int")]
    return {"work": [node.pk], "calcs": calls, "ints": ints}


TYPE_SPELLINGS = [
    (
        [
            "Int",
            "int",
            "orm.Int",
            "core.int",
            "aiida.data:core.int",
            "data.core.int.Int.",
            "data.core.int",
        ],
        "ints",
    ),
    (["CalcFunctionNode", "process.calculation", "process.calculation.calcfunction"], "calcs"),
    (["WorkFunctionNode", "orm.WorkFunctionNode", "process.workflow"], "work"),
    (["ProcessNode", "process.", "process"], "processes"),
    (["Data", "data", "data.core"], "ints"),
]


def test_every_type_spelling_finds_the_same_nodes(processes: dict[str, list[int]]) -> None:
    for spellings, kind in TYPE_SPELLINGS:
        expected = sorted(processes["work"] + processes["calcs"]) if kind == "processes" else processes[kind]
        assert len(expected) == {"ints": 4, "calcs": 2, "work": 1, "processes": 3}[kind]
        for spelling in spellings:
            assert [row["pk"] for row in listed("--type", spelling, "-P", "pk")] == expected, spelling


def test_types_only_the_storage_knows(graph: dict[str, list[int]]) -> None:
    """A plugin's node type, not installed here, is known by the rows that carry it."""
    storage: Any = get_manager().get_profile_storage()
    pk = graph["words"][0]
    write_unchecked(
        storage, f"UPDATE db_dbnode SET node_type = 'data.my_plugin.bar.BarData.' WHERE id = {pk}"
    )
    for spelling in ("BarData", "data.my_plugin.bar.BarData.", "data.my_plugin"):
        assert [row["pk"] for row in listed("--type", spelling, "-P", "pk")] == [pk], spelling
    result = run("--type", "BarDta")
    assert result.exit_code != 0
    assert "did you mean 'BarData'" in result.output
    assert listed("--type", "core.array.bands") == []  # aiida-core's type: known, none stored


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[timezone]:
    """Local time far from UTC (+14:00), so that reading a local time as UTC would show."""
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")
    time.tzset()
    yield timezone(timedelta(hours=14))
    monkeypatch.undo()
    time.tzset()


def _set_time(column: str, pk: int, moment: datetime) -> None:
    storage: Any = get_manager().get_profile_storage()
    utc = moment.astimezone(timezone.utc)
    if storage.profile.storage_backend == "core.sqlite_dos":
        literal = utc.strftime("%Y-%m-%d %H:%M:%S.%f")  # naive UTC text, AiiDA's SQLite layout
    else:
        literal = utc.isoformat()
    write_unchecked(storage, f"UPDATE db_dbnode SET {column} = '{literal}' WHERE id = {pk}")


def test_dates_and_times_ago(graph: dict[str, list[int]], local_zone: timezone) -> None:
    ints = graph["ints"]
    old, older = ints[0], ints[1]
    _set_time("ctime", old, datetime(2020, 6, 1, 12, tzinfo=timezone.utc))
    _set_time("ctime", older, datetime(2019, 12, 31, 23, tzinfo=timezone.utc))  # 2020-01-01 13:00 local
    _set_time("mtime", old, datetime.now(timezone.utc) - timedelta(days=5))

    def pks(*where: str) -> list[int]:
        arguments = [item for expression in where for item in ("-w", expression)]
        return [row["pk"] for row in listed("--type", "Int", "-P", "pk", *arguments)]

    assert pks("ctime<2021-01-01") == [old, older]
    assert pks("ctime>2020-01-01", "ctime<2021-01-01") == [old, older]  # local midnight, not UTC's
    assert pks("ctime>2020-01-01T13:00", "ctime<2021-01-01") == [old]
    assert pks("ctime>=2020-01-01T13:00", "ctime<2021-01-01") == [old, older]
    assert pks("ctime < 2020-01-01T00:00Z") == [older]
    assert pks("ctime<'2020-06-01T14:00+02:00'") == [older]
    assert pks('ctime<="2020-06-01T14:00+02:00"') == [old, older]
    assert pks("ctime>-1h") == ints[2:]
    assert pks("ctime<-2h") == [old, older]
    assert pks("mtime>-3d") == ints[1:]
    assert pks("mtime<-4d", "mtime>-6d") == [old]
    assert pks("mtime<-1w") == []
    local_now = datetime.now(local_zone).replace(tzinfo=None)
    assert pks(f"ctime>{(local_now - timedelta(minutes=5)).isoformat(timespec='seconds')}") == ints[2:]
    assert pks(f"ctime>{(local_now + timedelta(minutes=5)).isoformat(timespec='seconds')}") == []


def test_readme_query_after_float_values(registered_profile: Profile) -> None:
    """The README's query shape, on the kind of data quickstart records (Floats, no Int)."""
    small, large = Float(1.5).store(), Float(4.0).store()
    assert [row["pk"] for row in listed("--type", "Float", "--where", "attributes.value>2")] == [large.pk]
    assert [row["pk"] for row in listed("--type", "core.float", "-w", "attributes.value<2")] == [small.pk]
    assert listed("--type", "Int", "--where", "attributes.value>2") == []
