"""QueryBuilder filter operators, JSON projections and JSON ordering on both SQL backends.

One module-scoped storage per backend holds named documents; each case states the names it
must match, checks the reference evaluator agrees, and that ``!op`` matches exactly the rest.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import Connection, create_engine, select
from sqlalchemy.engine import Dialect
from tests.storage.sql import qb_reference as ref
from tests.storage.sql.module_storage import open_storage

from provgraph.exceptions import InputValidationError
from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.querybuilder.operators import (
    FilterTarget,
    compile_json_order_keys,
    compile_json_projection,
    compile_operator,
)
from provgraph.storage.sql.tables import nodes

BACKENDS = ["core.sqlite_dos", pytest.param("core.psql_dos", marks=pytest.mark.requires_psql)]
T0 = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)

DOCS: dict[str, Any] = {
    "int5": {"v": 5},
    "float5": {"v": 5.0},
    "half": {"v": 5.5},
    "neg": {"v": -3},
    "one": {"v": 1},
    "big": {"v": 2**53},
    "tiny": {"v": 1e-7},
    "str5": {"v": "5"},
    "abc": {"v": "abc"},
    "ABC": {"v": "ABC"},
    "e_acute": {"v": "é"},
    "E_acute": {"v": "É"},
    "pattern": {"v": "50%_off\\"},
    "time": {"v": "2024-01-02T03:04:05.123456+02:00"},
    "time_z": {"v": "2024-01-02T00:00:00Z"},
    "true": {"v": True},
    "false": {"v": False},
    "null": {"v": None},
    "list": {"v": [1, 2, [3]]},
    "list_empty": {"v": []},
    "dict": {"v": {"a": 1, "b": {"c": "x"}}},
    "dict_empty": {"v": {}},
    "nested": {"v": {"x": {"y": 1}}},
    "other": {"w": 1},
    "empty": {},
    "keys": {"a.b": 1, "é": {"x": [1]}, 'q"k': 3, "": 4, "sp ace": 5, "back\\slash": 6, "$": 7},
    "json_null": None,
}
NAMES = frozenset(DOCS)
NO_V = frozenset(name for name, doc in DOCS.items() if not isinstance(doc, dict) or "v" not in doc)
STRINGS = frozenset(name for name, doc in DOCS.items() if isinstance(ref.resolve(doc, ("v",)), str))
PROCESS_TYPES = {"int5": "pt.a", "abc": "pt.b"}


@dataclass
class Db:
    storage: SqlDosBackend
    ids: dict[str, int]

    @property
    def names(self) -> dict[int, str]:
        return {pk: name for name, pk in self.ids.items()}

    def connect(self) -> Iterator[Connection]:
        with self.storage.sql.connection() as connection:
            yield connection


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    storage = open_storage(request, tmp_path_factory.mktemp("qb-operators"))
    try:
        user = {"email": "qb@x", "first_name": "", "last_name": "", "institution": ""}
        (user_id,) = storage.bulk_insert(EntityTypes.USER, [user])
        rows = [
            {
                "user_id": user_id,
                "label": name,
                "attributes": doc,
                "process_type": PROCESS_TYPES.get(name),
                "ctime": T0 + timedelta(hours=index),
            }
            for index, (name, doc) in enumerate(DOCS.items())
        ]
        ids = storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
        yield Db(storage, dict(zip(DOCS, ids, strict=True)))
    finally:
        storage.close()


def dialect_of(db: Db) -> Dialect:
    return db.storage.sql.engine.dialect


def matched(db: Db, column: Any, path: tuple[str, ...], operator: str, value: Any) -> set[str]:
    """The rows the filter selects; the same whether or not the condition may be NULL (in WHERE)."""
    found = []
    for two_valued in (True, False):
        target = FilterTarget(column, path, "test")
        condition = compile_operator(target, operator, value, dialect_of(db), two_valued=two_valued)
        with db.storage.sql.connection() as connection:
            pks = connection.execute(select(nodes.c.id).where(condition)).scalars()
            found.append({db.names[pk] for pk in pks})
    assert found[0] == found[1]
    return found[0]


V = ("v",)
JSON_CASES: list[tuple[tuple[str, ...], str, Any, set[str]]] = [
    # equality: typed, numbers by value, structures by value
    (V, "==", 5, {"int5", "float5"}),
    (V, "==", 5.0, {"int5", "float5"}),
    (V, "==", 1, {"one"}),
    (V, "==", True, {"true"}),
    (V, "==", False, {"false"}),
    (V, "==", "5", {"str5"}),
    (V, "==", "é", {"e_acute"}),
    (V, "==", None, set(NO_V | {"null"})),
    (V, "==", [1, 2, [3]], {"list"}),
    (V, "==", [1.0, 2, [3.0]], {"list"}),
    (V, "==", [2, 1, [3]], set()),
    (V, "==", (1, 2, (3,)), {"list"}),
    (V, "==", {"b": {"c": "x"}, "a": 1.0}, {"dict"}),
    (V, "==", {"a": 1}, set()),
    (V, "==", [], {"list_empty"}),
    (V, "==", {}, {"dict_empty"}),
    # strings spelling another type's value (a number, a boolean, JSON) match only strings
    (V, "==", "true", set()),
    (V, "==", "-3", set()),
    (V, "==", "5.5", set()),
    (V, "==", "[1, 2, [3]]", set()),
    (V, "==", "[1,2,[3]]", set()),
    (V, "==", "[]", set()),
    (V, "==", "{}", set()),
    (V, "==", "", set()),
    (V, "==", 0, set()),
    (V, "==", 5.5, {"half"}),
    # comparisons: numbers numerically, strings by code point, other types never
    (V, "<", 1, {"neg", "tiny"}),
    (V, "<", -1, {"neg"}),
    (V, "<=", 0, {"neg"}),
    (V, ">", 6, {"big"}),
    (V, ">", 4, {"int5", "float5", "half", "big"}),
    (V, ">=", 5, {"int5", "float5", "half", "big"}),
    (V, "=>", 5.5, {"half", "big"}),
    (V, "<", 0.5, {"neg", "tiny"}),
    (V, "<=", 1, {"neg", "one", "tiny"}),
    (V, "=<", -3.0, {"neg"}),
    (V, ">", 2**53 - 1, {"big"}),
    (V, ">", "ab", {"abc", "e_acute", "E_acute"}),
    (V, "<", "B", {"str5", "ABC", "pattern", "time", "time_z"}),
    (V, ">=", "É", {"e_acute", "E_acute"}),
    # in: == any; None also matches absent
    (V, "in", [5, "abc", True], {"int5", "float5", "abc", "true"}),
    (V, "in", [None, 5.5], set(NO_V | {"null", "half"})),
    (V, "in", [1], {"one"}),
    (V, "in", [False, "x"], {"false"}),
    (V, "in", [*range(10_000, 17_000), 5], {"int5", "float5"}),
    # like / ilike: strings only, "\" escapes, ilike folds A-Z only
    (V, "like", "ab%", {"abc"}),
    (V, "like", "AB%", {"ABC"}),
    (V, "like", "_", {"str5", "e_acute", "E_acute"}),
    (V, "like", "%", set(STRINGS)),
    (V, "like", "50\\%\\_off\\\\", {"pattern"}),
    (V, "like", "50%off", set()),
    (V, "like", "5", {"str5"}),
    (V, "ilike", "ab%", {"abc", "ABC"}),
    (V, "ilike", "é", {"e_acute"}),
    (V, "ilike", "%T03%", {"time"}),
    # has_key: objects only, any key text
    (V, "has_key", "a", {"dict"}),
    (V, "has_key", "0", set()),
    ((), "has_key", "v", set(NAMES - NO_V)),
    ((), "has_key", "a.b", {"keys"}),
    ((), "has_key", "é", {"keys"}),
    ((), "has_key", 'q"k', {"keys"}),
    ((), "has_key", "", {"keys"}),
    # contains: PostgreSQL's @>, lists need arrays and dicts objects
    (V, "contains", [1], {"list"}),
    (V, "contains", [2, 1, 1], {"list"}),
    (V, "contains", [[3]], {"list"}),
    (V, "contains", [3], set()),
    (V, "contains", [], {"list", "list_empty"}),
    (V, "contains", {}, {"dict", "dict_empty", "nested"}),
    (V, "contains", {"a": 1.0}, {"dict"}),
    (V, "contains", {"b": {}}, {"dict"}),
    (V, "contains", {"b": {"c": "x"}}, {"dict"}),
    (V, "contains", {"b": "x"}, set()),
    ((), "contains", {"v": 5}, {"int5", "float5"}),
    (("é",), "contains", {"x": [1]}, {"keys"}),
    # array lengths
    (V, "of_length", 3, {"list"}),
    (V, "of_length", 0, {"list_empty"}),
    (V, "longer", 0, {"list"}),
    (V, "shorter", 1, {"list_empty"}),
    (V, "shorter", 100, {"list", "list_empty"}),
    # of_type: null also matches absent
    (V, "of_type", "number", {"int5", "float5", "half", "neg", "one", "big", "tiny"}),
    (V, "of_type", "boolean", {"true", "false"}),
    (V, "of_type", "string", set(STRINGS)),
    (V, "of_type", "array", {"list", "list_empty"}),
    (V, "of_type", "object", {"dict", "dict_empty", "nested"}),
    (V, "of_type", "null", set(NO_V | {"null"})),
    ((), "of_type", "null", {"json_null"}),
    ((), "of_type", "object", set(NAMES - {"json_null"})),
    ((), "==", None, {"json_null"}),
    ((), "==", {"v": 5}, {"int5", "float5"}),
    # paths: only objects are descended; keys are never array indexes
    (("v", "x", "y"), "==", 1, {"nested"}),
    (("v", "a"), "==", 1, {"dict"}),
    (("v", "0"), "==", 1, set()),
    (("v", "x", "y"), "of_type", "null", set(NAMES - {"nested"})),
    (("v", "b", "c"), "like", "x", {"dict"}),
    (("a.b",), "==", 1, {"keys"}),
    (("é", "x"), "of_length", 1, {"keys"}),
    (('q"k',), ">", 2, {"keys"}),
    (("",), "==", 4, {"keys"}),
    (("sp ace",), "in", [5], {"keys"}),
    (("back\\slash",), "==", 6, {"keys"}),
    (("$",), "==", 7, {"keys"}),
]


@pytest.mark.parametrize(("path", "operator", "value", "expected"), JSON_CASES)
def test_json_operator(db: Db, path: tuple[str, ...], operator: str, value: Any, expected: set[str]) -> None:
    reference = {name for name, doc in DOCS.items() if ref.matches(doc, path, operator, value)}
    assert reference == expected
    assert matched(db, nodes.c.attributes, path, operator, value) == expected
    for negation in ("!", "~"):
        assert matched(db, nodes.c.attributes, path, negation + operator, value) == NAMES - expected


def test_json_filters_work_on_aliases(db: Db) -> None:
    alias = nodes.alias("n_1")
    condition = compile_operator(FilterTarget(alias.c.attributes, V), "==", 5, dialect_of(db))
    with db.storage.sql.connection() as connection:
        found = set(connection.execute(select(alias.c.id).where(condition)).scalars())
    assert found == {db.ids["int5"], db.ids["float5"]}


def test_negations_stay_exact_when_combined(db: Db) -> None:
    """Conditions are never NULL, so NOT over an AND of them is the exact complement too."""
    from sqlalchemy import and_, not_

    dialect = dialect_of(db)
    first = compile_operator(FilterTarget(nodes.c.attributes, V), ">", 0, dialect)
    second = compile_operator(FilterTarget(nodes.c.process_type), "==", "pt.a", dialect)
    with db.storage.sql.connection() as connection:
        found = set(connection.execute(select(nodes.c.id).where(not_(and_(first, second)))).scalars())
    assert {db.names[pk] for pk in found} == NAMES - {"int5"}


COLUMN_CASES: list[tuple[str, str, Any, set[str]]] = [
    ("label", "==", "abc", {"abc"}),
    ("label", "in", ["abc", "ABC", "nothing"], {"abc", "ABC"}),
    ("label", ">", "t", {"tiny", "time", "time_z", "true"}),
    ("label", "<", "B", {"ABC"}),
    ("label", "like", "time%", {"time", "time_z"}),
    ("label", "like", "time\\_z", {"time_z"}),
    ("label", "ilike", "abc", {"abc", "ABC"}),
    ("label", "ilike", "E\\_ACUTE", {"e_acute", "E_acute"}),
    ("process_type", "==", None, set(NAMES - set(PROCESS_TYPES))),
    ("process_type", "==", "pt.a", {"int5"}),
    ("process_type", "like", "pt.%", {"int5", "abc"}),
    ("process_type", "in", ["pt.b", None], set(NAMES - {"int5"})),
    ("process_type", ">", "pt.a", {"abc"}),
    ("ctime", ">=", T0 + timedelta(hours=25), {"keys", "json_null"}),
    ("ctime", "<", (T0 + timedelta(hours=1)).replace(tzinfo=None), {"int5"}),
    ("ctime", "==", T0 + timedelta(hours=2), {"half"}),
]


@pytest.mark.parametrize(("name", "operator", "value", "expected"), COLUMN_CASES)
def test_column_operator(db: Db, name: str, operator: str, value: Any, expected: set[str]) -> None:
    assert matched(db, nodes.c[name], (), operator, value) == expected
    assert matched(db, nodes.c[name], (), "!" + operator, value) == NAMES - expected


def test_id_and_uuid_filters(db: Db) -> None:
    pk = db.ids["abc"]
    with db.storage.sql.connection() as connection:
        uuid = connection.execute(select(nodes.c.uuid).where(nodes.c.id == pk)).scalar_one()
    assert matched(db, nodes.c.id, (), "==", pk) == {"abc"}
    assert matched(db, nodes.c.id, (), "in", [pk, *range(10**6, 10**6 + 7000)]) == {"abc"}
    assert matched(db, nodes.c.id, (), "!in", [pk, *range(10**6, 10**6 + 7000)]) == NAMES - {"abc"}
    assert matched(db, nodes.c.id, (), ">", max(db.ids.values()) - 1) == {db.names[max(db.ids.values())]}
    assert matched(db, nodes.c.uuid, (), "==", uuid.upper()) == {"abc"}
    assert matched(db, nodes.c.uuid, (), "in", [uuid.upper(), "not a uuid"]) == {"abc"}
    assert matched(db, nodes.c.uuid, (), "==", "not a uuid") == set()
    assert matched(db, nodes.c.uuid, (), "!==", "not a uuid") == NAMES
    assert matched(db, nodes.c.uuid, (), "like", uuid[:8] + "%") >= {"abc"}
    assert matched(db, nodes.c.uuid, (), "ilike", uuid.upper()) == {"abc"}
    assert matched(db, nodes.c.id, (), "like", str(pk)) == {"abc"}


WHERE = "tag 'i', attributes.v"
INVALID_JSON: list[tuple[str, Any]] = [
    ("is", 1),
    ("!=", 1),
    ("", 1),
    ("!!==", 1),
    ("==", float("nan")),
    ("==", float("inf")),
    ("==", {1: 2}),
    ("==", "a\x00b"),
    ("==", "\ud800"),
    ("==", 2**70),
    ("==", {1, 2}),
    ("==", datetime(2020, 1, 1)),
    ("<", None),
    ("<", True),
    ("<", [1]),
    (">=", {"a": 1}),
    ("in", []),
    ("in", "abc"),
    ("in", 5),
    ("in", [[1]]),
    ("in", [{"a": 1}]),
    ("like", 5),
    ("like", "abc\\"),
    ("ilike", None),
    ("has_key", 5),
    ("contains", "a"),
    ("contains", 5),
    ("contains", None),
    ("of_length", True),
    ("of_length", "3"),
    ("longer", 2.5),
    ("shorter", None),
    ("of_type", "int"),
    ("of_type", None),
]


@pytest.mark.parametrize(("operator", "value"), INVALID_JSON)
@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql"])
def test_invalid_json_filters_are_refused(dialect_name: str, operator: str, value: Any) -> None:
    target = FilterTarget(nodes.c.attributes, V, WHERE)
    for spelled in (operator, "!" + operator):
        with pytest.raises(InputValidationError) as info:
            compile_operator(target, spelled, value, _dialect(dialect_name))
        assert WHERE in str(info.value)
        assert repr(spelled) in str(info.value)
        if operator in ("==", "<", "in"):
            assert repr(value) in str(info.value)


INVALID_COLUMN: list[tuple[str, str, Any]] = [
    ("label", "has_key", "a"),
    ("label", "contains", [1]),
    ("label", "of_length", 1),
    ("label", "of_type", "string"),
    ("label", "==", 5),
    ("label", "==", ["a"]),
    ("label", "<", None),
    ("label", "in", []),
    ("label", "in", "abc"),
    ("label", "like", 5),
    ("label", "like", "a\\"),
    ("id", "==", "1"),
    ("id", "==", True),
    ("id", "<", 1.5),
    ("id", "in", [1, "2"]),
    ("uuid", "==", 5),
    ("uuid", "<", "not a uuid"),
    ("ctime", "<", "2020-01-01"),
    ("ctime", "like", "2020%"),
    ("label", "nope", 1),
]


@pytest.mark.parametrize(("name", "operator", "value"), INVALID_COLUMN)
@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql"])
def test_invalid_column_filters_are_refused(dialect_name: str, name: str, operator: str, value: Any) -> None:
    with pytest.raises(InputValidationError, match=re.escape(f"tag 'n', {name}")):
        compile_operator(
            FilterTarget(nodes.c[name], (), f"tag 'n', {name}"), operator, value, _dialect(dialect_name)
        )


def test_a_path_into_a_plain_column_is_refused() -> None:
    with pytest.raises(InputValidationError, match="not JSON"):
        compile_operator(FilterTarget(nodes.c.label, ("a",), "label.a"), "==", 1, _dialect("sqlite"))


def _dialect(name: str) -> Dialect:
    """A dialect to compile with, no database needed (errors are raised before any SQL runs)."""
    return create_engine("sqlite://" if name == "sqlite" else "postgresql+psycopg://").dialect


# -- projections ----------------------------------------------------------------------------------


def projected(db: Db, path: tuple[str, ...], cast: str | None) -> dict[str, Any]:
    projection = compile_json_projection(nodes.c.attributes, path, cast, dialect_of(db))
    with db.storage.sql.connection() as connection:
        rows = connection.execute(select(nodes.c.id, *projection.columns)).all()
    ids, *columns = zip(*rows, strict=True)
    values = projection.convert(columns) if projection.convert else columns[0]
    return {db.names[pk]: value for pk, value in zip(ids, values, strict=True)}


def _same_value(left: Any, right: Any) -> bool:
    """Equal with the same Python types throughout (True is not 1, 5.0 is not 5)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(_same_value(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same_value(left[key], right[key]) for key in left)
    return bool(left == right)


@pytest.mark.parametrize("cast", [None, *ref.CASTS])
@pytest.mark.parametrize("path", [V, (), ("v", "b"), ("é",), ("é", "x"), ("v", "x", "y")])
def test_projection_matches_reference(db: Db, path: tuple[str, ...], cast: str | None) -> None:
    values = projected(db, path, cast)
    for name, doc in DOCS.items():
        expected = ref.project(doc, path, cast)
        assert _same_value(values[name], expected), (name, values[name], expected)


def test_projection_examples(db: Db) -> None:
    assert projected(db, V, None)["true"] is True
    assert projected(db, V, "b")["false"] is False
    assert projected(db, V, "j")["dict"] == {"a": 1, "b": {"c": "x"}}
    assert projected(db, V, "f")["int5"] == 5.0
    assert projected(db, V, "i")["half"] == 5
    assert projected(db, V, "i")["abc"] is None
    assert projected(db, V, "t")["int5"] is None
    assert projected(db, V, "d")["time"] == datetime(2024, 1, 2, 1, 4, 5, 123456, tzinfo=timezone.utc)
    assert projected(db, V, "d")["time_z"] == datetime(2024, 1, 2, tzinfo=timezone.utc)
    assert projected(db, V, "d")["abc"] is None
    assert projected(db, (), None)["json_null"] is None
    assert projected(db, (), None)["keys"]["é"] == {"x": [1]}


def test_unknown_cast_is_refused() -> None:
    with pytest.raises(InputValidationError, match="cast"):
        compile_json_projection(nodes.c.attributes, V, "x", _dialect("sqlite"))
    with pytest.raises(InputValidationError, match="cast"):
        compile_json_order_keys(nodes.c.attributes, V, "q", False, _dialect("postgresql"))


# -- ordering -------------------------------------------------------------------------------------


def ordered(db: Db, path: tuple[str, ...], cast: str | None, descending: bool) -> list[str]:
    keys = compile_json_order_keys(nodes.c.attributes, path, cast, descending, dialect_of(db))
    with db.storage.sql.connection() as connection:
        found = connection.execute(select(nodes.c.id).order_by(*keys, nodes.c.id)).scalars()
        return [db.names[pk] for pk in found]


def reference_order(path: tuple[str, ...], cast: str | None, descending: bool) -> list[str]:
    by_insertion = list(DOCS)  # ids ascend in insertion order: the tie-breaker
    return sorted(by_insertion, key=lambda name: ref.order_key(DOCS[name], path, cast), reverse=descending)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("cast", [None, *ref.CASTS])
def test_order_matches_reference(db: Db, cast: str | None, descending: bool) -> None:
    assert ordered(db, V, cast, descending) == reference_order(V, cast, descending)


def test_order_without_cast_groups_types(db: Db) -> None:
    order = ordered(db, V, None, False)
    assert order.index("null") < order.index("false") < order.index("true") < order.index("neg")
    assert order.index("big") < order.index("str5") < order.index("abc") < order.index("e_acute")
    assert order.index("e_acute") < order.index("list") < order.index("dict")


def test_order_by_time(db: Db) -> None:
    order = [name for name in ordered(db, V, "d", False) if name in ("time", "time_z")]
    assert order == ["time_z", "time"]  # 00:00Z is before 03:04+02:00 (01:04Z)


def test_long_in_lists_on_uuid_and_text_columns(db: Db) -> None:
    with db.storage.sql.connection() as connection:
        uuid = connection.execute(select(nodes.c.uuid).where(nodes.c.id == db.ids["dict"])).scalar_one()
    others = [str(UUID(int=index)) for index in range(1, 6001)]
    assert matched(db, nodes.c.uuid, (), "in", [*others, uuid.upper()]) == {"dict"}
    assert matched(db, nodes.c.uuid, (), "!in", [*others, uuid]) == NAMES - {"dict"}
    labels = [f"label {index}" for index in range(6000)]
    assert matched(db, nodes.c.label, (), "in", [*labels, "half"]) == {"half"}
    assert matched(db, nodes.c.process_type, (), "in", [*labels, "pt.b", None]) == NAMES - {"int5"}


def test_messages_name_the_column_without_a_where() -> None:
    with pytest.raises(InputValidationError, match=r"db_dbnode\.attributes\.a\.b"):
        compile_operator(FilterTarget(nodes.c.attributes, ("a", "b")), "<", None, _dialect("sqlite"))


def test_sqlite_functions_never_raise() -> None:
    from provgraph.storage.sql.querybuilder import sqlite_functions as functions

    for bad in (None, "", "{", "nan", 5, b"x"):
        assert functions.json_child(bad, "a") is None
        assert functions.json_equal(bad, "[]") == 0
        assert functions.json_contains("[]", bad) == 0
        assert functions.datetime_key(bad) is None
    assert functions.json_child('{"a": [1]}', "a") == "[1]"
    assert functions.json_child('{"a": 1}', None) is None
    assert functions.json_contains("[1, [2]]", "[[2]]") == 1
    assert functions.json_contains("[1, [2]]", "[2]") == 0
    assert functions.datetime_key("1970-01-01T00:00:01.5+00:00") == 1_500_000
    assert functions.datetime_key("1970-01-01 01:00:00+01:00") == 0
    assert functions.datetime_key("1970-13-45T00:00:00") is not None  # counted on, never an error


@pytest.mark.parametrize("path", [("a", "b\x00"), ("a", 5), (None,)])
def test_impossible_path_keys_are_refused(path: tuple[Any, ...]) -> None:
    with pytest.raises(InputValidationError, match=r"attributes\.x"):
        compile_operator(
            FilterTarget(nodes.c.attributes, path, "attributes.x"), "==", 1, _dialect("postgresql")
        )
    with pytest.raises(InputValidationError, match="must be a string"):
        compile_json_projection(nodes.c.attributes, path, None, _dialect("sqlite"))


def test_long_values_are_cut_short_in_messages() -> None:
    with pytest.raises(InputValidationError, match=r"\.\.\. \(\d+ characters\)") as info:
        compile_operator(
            FilterTarget(nodes.c.label, (), "label"), "in", ["x", *range(5000)], _dialect("sqlite")
        )
    assert len(str(info.value)) < 500
