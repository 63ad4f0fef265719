"""Both SQL backends answer every JSON filter exactly as the plain-Python reference does.

A fixed pool of documents (every JSON type, nested, awkward keys) is stored once per backend;
hypothesis varies the filter (path, operator, value, negation). A second, smaller test varies
the documents too, inserting them in a transaction that is rolled back. Projections and
orderings of the pool are compared with the reference for every path and cast.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, select
from tests.storage.sql import qb_reference as ref
from tests.storage.sql.module_storage import open_storage

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
SETTINGS = settings(
    max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

KEYS = ("a", "b", "A", "a.b", "é", 'q"k', "")
STRINGS = (
    "",
    "a",
    "A",
    "ab",
    "aB",
    "b",
    "é",
    "É",
    "İ",
    "ß",
    "%",
    "_",
    "\\",
    "a%b",
    "a_b",
    "x\\y",
    "line\nbreak",
    "😀",
    "5",
    "2024-01-02T03:04:05+01:00",
)
FLOATS = (0.5, -1.5, 2.0, 3.0, 1e-7, 5e-324, 123456.789, 1e15, -0.0)
OPERATORS = (
    "==",
    "<",
    "<=",
    ">",
    ">=",
    "=>",
    "=<",
    "in",
    "like",
    "ilike",
    "has_key",
    "contains",
    "of_length",
    "longer",
    "shorter",
    "of_type",
)


def _make_pool(seed: int = 20240601, size: int = 160) -> list[Any]:
    """Documents with colliding values (so equality finds something) of every JSON type."""
    rng = random.Random(seed)

    def scalar() -> Any:
        choices = (
            lambda: None,
            lambda: rng.random() < 0.5,
            lambda: rng.randint(-3, 3),
            lambda: rng.choice(FLOATS),
            lambda: rng.uniform(-1e6, 1e6),
            lambda: rng.choice(STRINGS),
            lambda: rng.randint(-(2**53), 2**53),
        )
        return rng.choice(choices)()

    def value(depth: int) -> Any:
        draw = rng.random()
        if depth < 3 and draw < 0.2:
            return [value(depth + 1) for _ in range(rng.randrange(4))]
        if depth < 3 and draw < 0.4:
            return {rng.choice(KEYS): value(depth + 1) for _ in range(rng.randrange(4))}
        return scalar()

    documents: list[Any] = [
        {rng.choice(KEYS): value(1) for _ in range(rng.randrange(5))} for _ in range(size)
    ]
    documents += [
        None,
        {},
        {"a": 5},
        {"a": 5.0},
        {"a": 1},
        {"a": True},
        {"a": "5"},
        {"a": [1, [2, 3], {"b": 1}]},
        {"a": [1, 1.0, True, None, "a"]},
        {"a": {"b": {"A": None}}},
        {"a": {"b": [], "é": {}}},
        {"a.b": {"": 2**53}},
    ]
    return documents + [{"d": text} for text in _iso_times(rng)]


def _iso_times(rng: random.Random, count: int = 40) -> list[str]:
    """ISO strings in the forms time ordering reads: offsets, Z, naive, 0 to 9 fraction digits."""
    texts = []
    for _ in range(count):
        moment = datetime(1900, 1, 1) + timedelta(seconds=rng.randrange(200 * 365 * 86400))
        moment = moment.replace(microsecond=rng.choice([0, rng.randrange(10**6)]))
        offset = timedelta(minutes=15 * rng.randint(-56, 56))
        text = moment.replace(tzinfo=timezone(offset)).isoformat(sep=rng.choice("T "))
        if offset == timedelta(0) and rng.random() < 0.5:
            text = text[: -len("+00:00")] + "Z"
        elif rng.random() < 0.2:
            text = moment.isoformat()  # naive: UTC
        if moment.microsecond and rng.random() < 0.3:
            head, _, tail = text.partition(".")
            digits = tail[:6]
            text = f"{head}.{digits[: rng.randint(1, 6)]}{tail[6:]}" if rng.random() < 0.5 else text
            text = text.replace(f".{digits}", f".{digits}987", 1)
        texts.append(text)
    return texts


POOL = _make_pool()


def _sub_values(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every value inside ``value`` with its path (items of arrays have none: None)."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _sub_values(item, (*path, key))
    elif isinstance(value, list):
        for item in value:
            for _, inner in _sub_values(item):
                yield (), inner


POOL_VALUES = [value for document in POOL for _, value in _sub_values(document)]
POOL_PATHS = sorted({path for document in POOL for path, _ in _sub_values(document)})
POOL_SCALARS = [value for value in POOL_VALUES if not isinstance(value, (list, dict))]
POOL_CONTAINERS = [value for value in POOL_VALUES if isinstance(value, (list, dict))]


@dataclass
class Pool:
    storage: SqlDosBackend
    ids: list[int]


def insert_documents(storage: SqlDosBackend, user_id: int, documents: list[Any]) -> list[int]:
    rows = [{"user_id": user_id, "attributes": document} for document in documents]
    return storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)


def _declarable(path: tuple[str, ...]) -> bool:
    return bool(path) and all(key and key.isascii() and key.isalnum() for key in path)


def declare_every_index(storage: SqlDosBackend) -> None:
    """An index of every kind the backend builds on every declarable path of the pool: each filter
    on such a path then compiles to its indexed form, which must select the very same rows."""
    kinds: list[dict[str, Any]] = [{}, {"value_type": "str"}]
    if storage.sql.dialect.name == "postgresql":
        kinds.append({"kind": "gin"})
    for path in sorted({*POOL_PATHS, *PATHS}):
        if _declarable(path):
            for kind in kinds:
                storage.indexes.add(".".join(("attributes", *path)), **kind)


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "indexed"])
def indexed(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture(scope="module", params=BACKENDS)
def pool(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, indexed: bool
) -> Iterator[Pool]:
    storage = open_storage(request, tmp_path_factory.mktemp("qb-conformance"))
    try:
        user = {"email": "qb@x", "first_name": "", "last_name": "", "institution": ""}
        (user_id,) = storage.bulk_insert(EntityTypes.USER, [user])
        ids = insert_documents(storage, user_id, POOL)
        if indexed:
            declare_every_index(storage)
        yield Pool(storage, ids)
    finally:
        storage.close()


# -- strategies -----------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet="aAbé%_\\😀5", max_size=3),
    st.sampled_from(POOL_SCALARS),
)
numbers_or_strings = st.one_of(
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([value for value in POOL_SCALARS if isinstance(value, (int, float, str))]).filter(
        lambda value: not isinstance(value, bool)
    ),
    st.text(alphabet="aAbé%_\\😀5", max_size=3),
)
paths = st.one_of(st.sampled_from(POOL_PATHS), st.lists(st.sampled_from(KEYS), max_size=3).map(tuple))
documents = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.sampled_from(KEYS), children, max_size=3)
    ),
    max_leaves=8,
)


def _scalars_in(value: Any) -> list[Any]:
    return [item for _, item in _sub_values(value) if not isinstance(item, (list, dict))]


@st.composite
def sub_documents(draw: st.DrawFn, value: Any, top: bool = False) -> Any:
    """A part of ``value`` it contains, or a near miss: a nested container swapped for a scalar
    inside it (which PostgreSQL's ``@>`` does not unwrap)."""
    if not top and isinstance(value, (list, dict)) and value and draw(st.integers(0, 5)) == 0:
        inner = _scalars_in(value)
        if inner:
            return draw(st.sampled_from(inner))
    if isinstance(value, dict):
        keys = draw(st.lists(st.sampled_from(sorted(value)), unique=True)) if value else []
        return {key: draw(sub_documents(value[key])) for key in keys}
    if isinstance(value, list):
        items = draw(st.lists(st.sampled_from(value), max_size=3)) if value else []
        return [draw(sub_documents(item)) for item in items]
    return value


@st.composite
def near_misses(draw: st.DrawFn, value: Any) -> Any:
    """Scalars from anywhere inside a container, at its top: ``@>`` does not look deeper."""
    if isinstance(value, dict):
        usable = sorted(key for key, item in value.items() if _scalars_in(item))
        keys = draw(st.lists(st.sampled_from(usable), max_size=2, unique=True)) if usable else []
        return {key: draw(st.sampled_from(_scalars_in(value[key]))) for key in keys}
    inner = _scalars_in(value)
    return draw(st.lists(st.sampled_from(inner), max_size=2)) if inner else []


def _escaped(char: str) -> str:
    return "\\" + char if char in "%_\\" else char


@st.composite
def like_patterns(draw: st.DrawFn, text: str) -> str:
    """A pattern from ``text``: characters case-flipped, turned into wildcards, or kept."""
    pieces = []
    for char in text:
        action = draw(st.integers(0, 4))
        flipped = char.swapcase() if len(char.swapcase()) == 1 else char
        pieces.append(("_", "%", _escaped(flipped), _escaped(char), _escaped(char))[action])
    tokens = st.sampled_from(["%", "_", "a", "A", "é", "É", "\\%", "\\_", "\\\\"])
    return "".join(pieces) + "".join(draw(st.lists(tokens, max_size=2)))


POOL_STRINGS = sorted({value for value in POOL_SCALARS if isinstance(value, str)})


def values_for(operator: str) -> st.SearchStrategy[Any]:
    """Values ``operator`` accepts, drawn freely or from the pool's values."""
    by_operator: dict[str, st.SearchStrategy[Any]] = {
        "==": st.one_of(scalars, st.sampled_from(POOL_CONTAINERS), documents),
        "in": st.lists(scalars, min_size=1, max_size=5),
        "has_key": st.one_of(
            st.sampled_from(KEYS), st.text(max_size=2).filter(lambda key: "\x00" not in key)
        ),
        "contains": st.one_of(
            st.sampled_from(POOL_CONTAINERS).flatmap(lambda value: sub_documents(value, top=True)),
            st.lists(scalars, max_size=3),
            st.dictionaries(st.sampled_from(KEYS), scalars, max_size=2),
        ),
        "of_type": st.sampled_from(ref.JSON_TYPES),
    }
    for name in ("<", "<=", ">", ">=", "=>", "=<"):
        by_operator[name] = numbers_or_strings
    for name in ("like", "ilike"):
        by_operator[name] = st.sampled_from(POOL_STRINGS).flatmap(like_patterns)
    for name in ("of_length", "longer", "shorter"):
        by_operator[name] = st.integers(-1, 5)
    return by_operator[operator]


def anchored_values(operator: str, anchor: Any) -> st.SearchStrategy[Any]:
    """Values for ``operator`` made from ``anchor``, a value of the kind :func:`_fits` picked."""
    derived: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
        "==": lambda: st.just(anchor),
        "in": lambda: st.lists(scalars, max_size=3).map(lambda others: [*others, anchor]),
        "like": lambda: like_patterns(anchor),
        "ilike": lambda: like_patterns(anchor),
        "has_key": lambda: st.sampled_from(sorted(anchor)),
        "contains": lambda: st.one_of(sub_documents(anchor, top=True), near_misses(anchor)),
        "of_type": lambda: st.sampled_from(ref.JSON_TYPES),
    }
    for name in ("<", "<=", ">", ">=", "=>", "=<"):
        derived[name] = lambda: st.just(anchor)
    for name in ("of_length", "longer", "shorter"):
        derived[name] = lambda: st.integers(-1, 1).map(lambda step: len(anchor) + step)
    return derived[operator]()


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (list, dict))


def _is_ordered(value: Any) -> bool:
    return isinstance(value, (int, float, str)) and not isinstance(value, bool)


_ANCHORS: dict[str, Callable[[Any], bool]] = {
    "like": lambda value: isinstance(value, str),
    "ilike": lambda value: isinstance(value, str),
    "has_key": lambda value: isinstance(value, dict) and bool(value),
    "contains": lambda value: not _is_scalar(value),
    "of_length": lambda value: isinstance(value, list),
    "longer": lambda value: isinstance(value, list),
    "shorter": lambda value: isinstance(value, list),
    "in": _is_scalar,
    **dict.fromkeys(("<", "<=", ">", ">=", "=>", "=<"), _is_ordered),
}


def _fits(operator: str, value: Any) -> bool:
    """Whether ``value`` can anchor a value for ``operator``."""
    accepts = _ANCHORS.get(operator)
    return accepts is None or accepts(value)


_ITEMS = sorted({(path, repr(value)) for document in POOL for path, value in _sub_values(document)}, key=repr)
_ITEM_VALUES = {repr(value): value for value in POOL_VALUES}
POOL_ITEMS = {
    operator: [
        (path, _ITEM_VALUES[spelled]) for path, spelled in _ITEMS if _fits(operator, _ITEM_VALUES[spelled])
    ]
    for operator in OPERATORS
}


@st.composite
def filters(draw: st.DrawFn) -> tuple[tuple[str, ...], str, Any]:
    """Half of them anchored on a (path, value) of the pool, so that most operators match some."""
    operator = draw(st.sampled_from(OPERATORS))
    if draw(st.booleans()):
        path, anchor = draw(st.sampled_from(POOL_ITEMS[operator]))
        value = draw(anchored_values(operator, anchor))
    else:
        path, value = draw(paths), draw(values_for(operator))
    negation = draw(st.sampled_from(["", "!", "~"]))
    return path, negation + operator, value


def _legal(value: Any) -> bool:
    """No strings with NUL or lone surrogates (PostgreSQL cannot store them)."""
    if isinstance(value, str):
        return "\x00" not in value and not any("\ud800" <= char <= "\udfff" for char in value)
    if isinstance(value, list):
        return all(_legal(item) for item in value)
    if isinstance(value, dict):
        return all(_legal(key) and _legal(item) for key, item in value.items())
    return True


def database_matches(
    connection: Connection, ids: list[int], path: tuple[str, ...], operator: str, value: Any
) -> set[int]:
    """The rows the filter selects, checked the same whether or not the condition may be NULL.

    The query compiler asks for two-valued conditions only under a negation; in WHERE a NULL
    selects nothing, as false does.
    """
    target = FilterTarget(nodes.c.attributes, path, f"attributes.{'.'.join(path)}")
    found = []
    for two_valued in (True, False):
        condition = compile_operator(target, operator, value, connection.dialect, two_valued=two_valued)
        statement = select(nodes.c.id).where(condition, nodes.c.id.in_(ids))
        found.append(set(connection.execute(statement).scalars()))
    assert found[0] == found[1]
    return found[0]


def reference_matches(
    ids: list[int], docs: list[Any], path: tuple[str, ...], operator: str, value: Any
) -> set[int]:
    return {pk for pk, doc in zip(ids, docs, strict=True) if ref.matches(doc, path, operator, value)}


def same_value(left: Any, right: Any) -> bool:
    """Equal with the same Python types throughout (True is not 1, 5.0 is not 5)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(same_value(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same_value(left[key], right[key]) for key in left)
    return bool(left == right)


# -- tests ----------------------------------------------------------------------------------------


@SETTINGS
@given(query=filters())
def test_filters_match_reference(pool: Pool, query: tuple[tuple[str, ...], str, Any]) -> None:
    path, operator, value = query
    with pool.storage.sql.connection() as connection:
        found = database_matches(connection, pool.ids, path, operator, value)
    assert found == reference_matches(pool.ids, POOL, path, operator, value)


class _Rollback(Exception):
    pass


@settings(SETTINGS, max_examples=100)
@given(docs=st.lists(documents.filter(_legal), min_size=1, max_size=6), query=filters())
def test_filters_match_reference_on_new_documents(
    pool: Pool, docs: list[Any], query: tuple[tuple[str, ...], str, Any]
) -> None:
    path, operator, value = query
    storage = pool.storage
    try:
        with storage.transaction() as connection:
            user_id = connection.execute(select(nodes.c.user_id).limit(1)).scalar_one()
            ids = insert_documents(storage, user_id, docs)
            found = database_matches(connection, ids, path, operator, value)
            raise _Rollback
    except _Rollback:
        pass
    assert found == reference_matches(ids, docs, path, operator, value)


PATHS = [(), ("a",), ("b",), ("a", "b"), ("é",), ("a.b", ""), ("a", "b", "A"), ('q"k',), ("d",)]


@pytest.mark.parametrize("path", PATHS)
def test_projections_match_reference(pool: Pool, path: tuple[str, ...]) -> None:
    with pool.storage.sql.connection() as connection:
        for cast in (None, *ref.CASTS):
            projection = compile_json_projection(nodes.c.attributes, path, cast, connection.dialect)
            statement = select(nodes.c.id, *projection.columns).where(nodes.c.id.in_(pool.ids))
            ids, *columns = zip(*connection.execute(statement).all(), strict=True)
            values = projection.convert(columns) if projection.convert else columns[0]
            rows = dict(zip(ids, values, strict=True))
            for pk, doc in zip(pool.ids, POOL, strict=True):
                value = rows[pk]
                expected = ref.project(doc, path, cast)
                assert same_value(value, expected), (cast, doc, value, expected)


@pytest.mark.parametrize("path", PATHS)
def test_orders_match_reference(pool: Pool, path: tuple[str, ...]) -> None:
    with pool.storage.sql.connection() as connection:
        for cast in (None, *ref.CASTS):
            for descending in (False, True):
                keys = compile_json_order_keys(nodes.c.attributes, path, cast, descending, connection.dialect)
                statement = select(nodes.c.id).where(nodes.c.id.in_(pool.ids)).order_by(*keys, nodes.c.id)
                found = list(connection.execute(statement).scalars())
                by_id = dict(zip(pool.ids, POOL, strict=True))
                expected = sorted(
                    sorted(pool.ids), key=lambda pk: ref.order_key(by_id[pk], path, cast), reverse=descending
                )
                assert found == expected, (cast, descending)
