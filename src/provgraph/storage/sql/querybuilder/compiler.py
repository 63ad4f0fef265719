"""Compile a QueryBuilder description into one SQLAlchemy Core SELECT, for SQLite and PostgreSQL.

``compile_query`` validates the whole description first (``InputValidationError`` before any SQL
is built or run), then joins one alias per vertex along the path (``joins.py``, with the
recursive walk of ``recursive.py``), applies the filters (``conditions.py``, one operator at a
time through ``operators.py``), and lays out the projections (``projections.py``). The result
carries the statement, its driver-ready form (``execution.py``) and the cells that make its raw
rows into the contract's layout.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, func, literal, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import visitors

from provgraph.storage.sql.dialects import DialectSource, SqlDialect, dialect_for
from provgraph.storage.sql.querybuilder.description import Description, Projection, parse_description
from provgraph.storage.sql.querybuilder.entities import BASE_TABLES, Shape
from provgraph.storage.sql.querybuilder.execution import DriverStatement, driver_statement, result_processors
from provgraph.storage.sql.querybuilder.joins import Sources, build_sources
from provgraph.storage.sql.querybuilder.projections import (
    BatchShaper,
    Cell,
    Layout,
    batch_shaper,
    build_layout,
    hide_order_keys,
    order_terms,
)

__all__ = ["CompiledQuery", "QueryCompiler", "compile_count", "compile_query", "render_sql"]


@dataclass(frozen=True)
class CompiledQuery:
    """A SELECT, its driver-ready form, and how its raw rows become result rows.

    ``max_rows`` bounds the number of rows when the description does (a limit, or aggregates
    only), so that a caller can skip streaming machinery for a result that is small anyway.
    """

    statement: Select[Any]
    driver: DriverStatement
    columns: tuple[ColumnElement[Any], ...]
    cells: tuple[Cell, ...]
    dialect: SqlDialect
    max_rows: int | None = None
    _shapers: dict[tuple[Any, ...], BatchShaper | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def shaper(self, type_codes: Sequence[Any]) -> BatchShaper | None:
        """The batch shaper for rows whose columns the driver describes with ``type_codes``.

        Built on the first run (result processors may depend on the driver's types), then reused.
        """
        key = tuple(type_codes)
        try:
            return self._shapers[key]
        except KeyError:
            processors = result_processors(self.columns, self.dialect, key)
            shaper = self._shapers[key] = batch_shaper(self.cells, processors)
            return shaper


def _filtered(statement: Select[Any], sources: Sources) -> Select[Any]:
    return statement.select_from(sources.from_clause).where(*sources.where)


def _window(statement: Select[Any], description: Description) -> Select[Any]:
    if description.limit is not None:
        statement = statement.limit(description.limit)
    if description.offset is not None:
        statement = statement.offset(description.offset)
    return statement


def _build(description: Description, dialect: SqlDialect) -> CompiledQuery:
    sources = build_sources(description, dialect)
    terms = order_terms(description, sources, dialect)
    deferred = _sorted_keys_first(description, sources, terms, dialect) if terms else None
    if deferred is not None:
        statement, layout = deferred
        columns = list(layout.columns)
    else:
        layout = build_layout(description, sources, dialect)
        columns = list(layout.columns)
        if description.distinct and terms:
            hidden, terms = hide_order_keys(terms)
            columns.extend(hidden)
        statement = _filtered(select(*columns), sources)
        if description.distinct:
            statement = statement.distinct()
        statement = _window(statement.order_by(*terms), description)
    max_rows = 1 if _is_aggregated(description) else description.limit
    driver = driver_statement(statement, dialect)
    return CompiledQuery(statement, driver, tuple(columns), layout.cells, dialect, max_rows)


def _sorted_keys_first(
    description: Description, sources: Sources, terms: list[ColumnElement[Any]], dialect: SqlDialect
) -> tuple[Select[Any], Layout] | None:
    """A sorted one-vertex query that sorts the ids alone, then reads each row's values by id.

    Where the dialect offers it (``SqlDialect.rows_after_sorted_keys``) and it pays: the vertex's
    JSON values are projected (computing them is most of a row's cost) and the order is not the
    id's own (which the table is stored in, so it streams without a sort). The first row of
    ``process list`` on a million nodes then comes after sorting 125,000 ids, not after
    computing and sorting six JSON values of each of them.
    """
    if len(description.vertices) != 1 or description.distinct or _is_aggregated(description):
        return None
    (vertex,) = description.vertices
    if all(key.ref.column == "id" and not key.ref.is_json for key in description.order):
        return None
    if not any(
        _reads_json(projection, vertex.shape) for projection in description.projections.get(vertex.tag, ())
    ):
        return None
    inner = sources.aliases[vertex.tag]
    key = inner.c.id.label("key")
    keys = _window(_filtered(select(key), sources).order_by(*terms), description)
    table = BASE_TABLES[vertex.base]
    target = table.alias(f"{table.name}_{vertex.index}")  # the inner alias's name, in the outer scope
    joined = dialect.rows_after_sorted_keys(keys, target, key, limited=description.limit is not None)
    if joined is None:
        return None
    layout = build_layout(description, Sources(joined, {vertex.tag: target}), dialect)
    return select(*layout.columns).select_from(joined), layout


def _reads_json(projection: Projection, shape: Shape) -> bool:
    """Whether ``projection`` reads a JSON column (a value inside it, the document, or a whole row)."""
    if projection.entity is not None:
        return bool(shape.json_columns)
    return projection.ref is not None and projection.ref.is_json


def _is_aggregated(description: Description) -> bool:
    return any(p.func is not None for group in description.projections.values() for p in group)


def compile_query(query: Mapping[str, Any], dialect: DialectSource) -> CompiledQuery:
    """The SELECT of ``query`` (a description as in docs/querybuilder.md) for ``dialect``."""
    return _build(parse_description(query), dialect_for(dialect))


def compile_count(query: Mapping[str, Any], dialect: DialectSource) -> Select[int]:
    """A SELECT of the number of rows ``query`` returns, its limit and offset applied.

    Only ``distinct`` and aggregates need the projected values; otherwise the count skips them
    (and the ordering), so counting a million ``*`` rows builds no row, and without a window it
    is a plain ``SELECT count(*) FROM ... WHERE ...``.
    """
    description = parse_description(query)
    chosen = dialect_for(dialect)
    if description.distinct or _is_aggregated(description):
        inner = _build(description, chosen).statement.order_by(None)
        return select(func.count()).select_from(inner.subquery("counted"))
    sources = build_sources(description, chosen)
    if description.limit is None and description.offset is None:
        return _filtered(select(func.count()), sources)
    window = _window(_filtered(select(literal(1).label("one")), sources), description)
    return select(func.count()).select_from(window.subquery("counted"))


def _driver_count(query: Mapping[str, Any], dialect: SqlDialect) -> DriverStatement:
    return driver_statement(compile_count(query, dialect), dialect)


def _literal(element: Any, dialect: Dialect) -> Any:
    """``element`` marked for rendering as a literal, if it is a value the dialect can render."""
    if not isinstance(element, BindParameter):
        return None
    processor = element.type.literal_processor(dialect)
    if processor is None:
        return None
    values: Any = element.effective_value if element.expanding else [element.effective_value]
    try:
        for value in values:
            processor(value)
    except Exception:  # a value this type cannot spell out stays a placeholder
        return None
    clone = element._clone(maintain_key=True)
    clone.literal_execute = True
    return clone


def render_sql(statement: Select[Any], dialect: DialectSource, inline: bool = False) -> str:
    """``statement`` as SQL text for ``dialect``; ``inline`` spells out the values it can.

    A value SQLAlchemy cannot write as a literal (a JSONB document on PostgreSQL) stays a
    placeholder instead of failing a debugging aid. Inline text is for reading (or pasting into
    a console), so the ``%%`` that pyformat drivers need for a literal ``%`` is undone.
    """
    sa = dialect_for(dialect).sa
    if not inline:
        return str(statement.compile(dialect=sa))
    try:
        text = str(statement.compile(dialect=sa, compile_kwargs={"literal_binds": True}))
    except Exception:  # some value has no literal form: render the others
        marked: Any = visitors.replacement_traverse(
            statement,  # type: ignore[call-overload]
            {},
            lambda element: _literal(element, sa),
        )
        text = str(marked.compile(dialect=sa, compile_kwargs={"render_postcompile": True}))
    if sa.paramstyle in ("pyformat", "format"):
        text = text.replace("%%", "%")
    return text


class _Unhashable(Exception):
    pass


_SCALARS = frozenset({int, float, bool})


def _frozen(value: Any) -> Hashable:
    """A hashable copy of a description that tells apart what compiles differently.

    Types are part of the key where equal values compile differently (``1``, ``1.0`` and
    ``True``; a list and a tuple); anything but plain JSON-like values raises ``_Unhashable``,
    and such queries go uncached.
    """
    kind = type(value)
    if kind is str or value is None:
        frozen: Hashable = value
        return frozen
    if kind is dict:
        return (
            "d",
            *[(key if type(key) is str else _frozen(key), _frozen(item)) for key, item in value.items()],
        )
    if kind is list or kind is tuple:
        return (kind, *[_frozen(item) for item in value])
    if kind in _SCALARS:
        return (kind, value)
    raise _Unhashable


class QueryCompiler:
    """Compiles descriptions for one dialect and remembers the most recent ones.

    Building the statement of a small query costs more than running it on SQLite; an identical
    description (a query run repeatedly, a page of a listing) reuses its compiled form, and
    SQLAlchemy's own cache then reuses the SQL text.
    """

    def __init__(self, dialect: DialectSource, size: int = 256) -> None:
        self._dialect = dialect_for(dialect)  # the engine's: chosen once, when it was made
        self._size = size
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def _cached(
        self, kind: str, query: Mapping[str, Any], build: Callable[[Mapping[str, Any], SqlDialect], Any]
    ) -> Any:
        try:  # a change of the declared indexes changes the SQL: older entries are stale
            key = (kind, self._dialect.index_generation, _frozen(query))
        except _Unhashable:
            return build(query, self._dialect)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        built = build(query, self._dialect)
        with self._lock:
            self._cache[key] = built
            if len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return built

    def compile(self, query: Mapping[str, Any]) -> CompiledQuery:
        """As :func:`compile_query`, from the cache when the same description was seen."""
        compiled: CompiledQuery = self._cached("rows", query, compile_query)
        return compiled

    def count(self, query: Mapping[str, Any]) -> DriverStatement:
        """As :func:`compile_count`, ready for the driver; from the cache for a description seen before."""
        statement: DriverStatement = self._cached("count", query, _driver_count)
        return statement

    def sql(self, query: Mapping[str, Any], inline: bool = False) -> str:
        return render_sql(self.compile(query).statement, self._dialect, inline)
