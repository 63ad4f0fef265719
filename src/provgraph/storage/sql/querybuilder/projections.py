"""The SELECT list, the ORDER BY terms, and how a batch of raw rows becomes result rows.

Rows leave the driver as flat tuples. Each value of a result row (a *cell*) is made from one or
more raw columns: a plain column as it is, a ``*`` projection from its table's columns, a JSON
path from the columns that carry it cheaply. Cells work on whole columns of a batch (see
:func:`batch_shaper`), so a conversion that a batch does not need costs nothing per row, and a
query of plain columns hands the driver's rows through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from types import MappingProxyType
from typing import Any

from sqlalchemy import JSON, ColumnElement, asc, desc, func, nulls_first, nulls_last
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.expression import FromClause

from provgraph.storage import query_schema as schema
from provgraph.storage.sql.dialects import SqlDialect
from provgraph.storage.sql.lazy_rows import LazyRow, decode_json
from provgraph.storage.sql.querybuilder.description import Description, OrderKey, Projection
from provgraph.storage.sql.querybuilder.entities import EDGE_SHAPES, Shape
from provgraph.storage.sql.querybuilder.joins import Sources
from provgraph.storage.sql.querybuilder.json_paths import ColumnConverter
from provgraph.storage.sql.querybuilder.operators import compile_json_order_keys, compile_json_projection
from provgraph.storage.sql.types import UtcDateTime

__all__ = [
    "AGGREGATES",
    "BatchShaper",
    "Cell",
    "Layout",
    "batch_shaper",
    "build_layout",
    "hide_order_keys",
    "order_terms",
]

Processor = Callable[[Any], Any]
Row = tuple[Any, ...]
BatchShaper = Callable[[Sequence[Row]], Iterable[Row]]

#: The SQL of every projection function of the query schema, by the schema's name (the tests
#: check the keys are exactly the schema's).
AGGREGATES: Mapping[str, Callable[[ColumnElement[Any]], ColumnElement[Any]]] = MappingProxyType(
    {"count": func.count, "max": func.max, "min": func.min}
)


@dataclass(frozen=True)
class Cell:
    """One value of a result row, made from the raw columns at ``indices``.

    ``convert`` takes those columns (each a sequence over the rows of a batch, after the
    columns' result processing) and returns the cell's values; ``None``: the one column as is.
    """

    indices: tuple[int, ...]
    convert: ColumnConverter | None = None


@dataclass(frozen=True)
class Layout:
    """The labelled SELECT columns, and the cells of a result row in the contract's order."""

    columns: tuple[ColumnElement[Any], ...]
    cells: tuple[Cell, ...]


def _entities(names: tuple[str, ...]) -> ColumnConverter:
    """Column dicts; ``None`` for an outer join's missing row (its id is NULL)."""

    def convert(columns: Sequence[Sequence[Any]]) -> Sequence[Any]:
        rows = zip(*columns, strict=True)
        return [None if values[0] is None else dict(zip(names, values, strict=True)) for values in rows]

    return convert


def _lazy_entities(names: tuple[str, ...], decoders: dict[str, Processor]) -> ColumnConverter:
    """As :func:`_entities`, but the columns in ``decoders`` arrive raw and convert when read."""
    ready_keys = tuple(name for name in names if name not in decoders)
    lazy_keys = tuple(name for name in names if name in decoders)
    ready_at = [names.index(name) for name in ready_keys]
    lazy_at = [names.index(name) for name in lazy_keys]
    id_at = ready_keys.index("id")

    def convert(columns: Sequence[Sequence[Any]]) -> Sequence[Any]:
        ready_rows = zip(*[columns[index] for index in ready_at], strict=True)
        lazy_rows = zip(*[columns[index] for index in lazy_at], strict=True)
        return [
            None
            if ready[id_at] is None
            else LazyRow.of(
                zip(ready_keys, ready, strict=True), dict(zip(lazy_keys, lazy, strict=True)), decoders
            )
            for ready, lazy in zip(ready_rows, lazy_rows, strict=True)
        ]

    return convert


def _raw_text(column: ColumnElement[Any], dialect: SqlDialect) -> tuple[ColumnElement[Any], Processor] | None:
    """A costly column as text and how that text converts when read, or ``None`` to read it as is.

    JSON on both databases (PostgreSQL's jsonb as its text, which is what the driver would
    parse), and timestamps where the dialect says so (SQLite's; PostgreSQL's arrive parsed by
    the driver, in C).
    """
    if isinstance(column.type, JSON):
        return dialect.json_as_text(column), decode_json
    if isinstance(column.type, UtcDateTime):
        return dialect.timestamp_as_text(column)
    return None


class _Builder:
    """Collects SELECT columns and, beside them, the cells each result row is made of."""

    def __init__(self, dialect: SqlDialect) -> None:
        self.dialect = dialect
        self.columns: list[ColumnElement[Any]] = []
        self.cells: list[Cell] = []

    def _add(self, *expressions: ColumnElement[Any]) -> tuple[int, ...]:
        start = len(self.columns)
        self.columns.extend(
            expression.label(f"c{start + offset}") for offset, expression in enumerate(expressions)
        )
        return tuple(range(start, len(self.columns)))

    def add(self, projection: Projection, source: FromClause, shape: Shape) -> None:
        if projection.entity == "*":
            self._add_entity(source, shape)
            return
        if projection.entity == "**":
            for name in shape.columns:
                self.cells.append(Cell(self._add(source.c[name])))
            return
        assert projection.ref is not None
        ref = projection.ref
        column: ColumnElement[Any] = source.c[ref.column]
        expressions: tuple[ColumnElement[Any], ...] = (column,)
        convert: ColumnConverter | None = None
        if ref.is_json and (ref.json_path or projection.cast is not None):
            json = compile_json_projection(column, ref.json_path, projection.cast, self.dialect)
            if projection.func is not None:  # count: no conversion; max / min: a cast, one column
                aggregate = AGGREGATES[projection.func]
                expressions = (aggregate(json.expression),)
                convert = json.convert if schema.FUNCTIONS[projection.func].compares else None
            else:
                expressions, convert = json.columns, json.convert
        elif projection.func is not None:
            expressions = (AGGREGATES[projection.func](column),)
        self.cells.append(Cell(self._add(*expressions), convert))

    def _add_entity(self, source: FromClause, shape: Shape) -> None:
        """All columns as one dict; JSON (and SQLite's times) stay text until read (``LazyRow``)."""
        decoders: dict[str, Processor] = {}
        expressions = []
        for name in shape.columns:
            column: ColumnElement[Any] = source.c[name]
            raw = _raw_text(column, self.dialect)
            if raw is not None:
                column, decoders[name] = raw
            expressions.append(column)
        convert = _lazy_entities(shape.columns, decoders) if decoders else _entities(shape.columns)
        self.cells.append(Cell(self._add(*expressions), convert))


def _cell_values(cell: Cell, columns: Sequence[Sequence[Any]]) -> Sequence[Any]:
    if cell.convert is None:
        return columns[cell.indices[0]]
    return cell.convert([columns[index] for index in cell.indices])


def batch_shaper(cells: Sequence[Cell], processors: Sequence[Processor | None]) -> BatchShaper | None:
    """What turns a batch of raw rows into result rows; ``None`` when they already are.

    ``processors`` are the raw columns' result processors (SQLAlchemy's, from their types). A
    query of unprocessed plain columns needs nothing, or only a C-level pick of its columns
    (hidden sort keys); anything else is shaped column by column: transpose the batch, run each
    processor and cell converter over whole columns, transpose back.
    """
    processed = [(index, processor) for index, processor in enumerate(processors) if processor is not None]
    if not processed and all(cell.convert is None for cell in cells):
        picked = [cell.indices[0] for cell in cells]
        if picked == list(range(len(processors))):
            return None
        if len(picked) == 1:
            (index,) = picked
            return lambda batch: zip(map(itemgetter(index), batch), strict=True)
        getter = itemgetter(*picked)
        return lambda batch: map(getter, batch)
    frozen = tuple(cells)

    def shape(batch: Sequence[Row]) -> Iterable[Row]:
        if not batch:
            return ()
        columns: list[Sequence[Any]] = list(zip(*batch, strict=True))
        for index, processor in processed:
            columns[index] = list(map(processor, columns[index]))
        return zip(*[_cell_values(cell, columns) for cell in frozen], strict=True)

    return shape


def build_layout(description: Description, sources: Sources, dialect: SqlDialect) -> Layout:
    """SELECT columns in the contract's row order: each vertex's projections, then its edge's."""
    builder = _Builder(dialect)
    for vertex in description.vertices:
        for projection in description.projections.get(vertex.tag, ()):
            builder.add(projection, sources.aliases[vertex.tag], vertex.shape)
        edge_tag = vertex.edge_tag
        if edge_tag is None or edge_tag not in description.edges:
            continue
        assert vertex.relationship is not None
        edge_shape = EDGE_SHAPES[vertex.relationship.kind]
        for projection in description.projections.get(edge_tag, ()):
            builder.add(projection, sources.aliases[edge_tag], edge_shape)
    return Layout(tuple(builder.columns), tuple(builder.cells))


def _order_term(
    key: OrderKey, description: Description, sources: Sources, dialect: SqlDialect
) -> list[ColumnElement[Any]]:
    column: ColumnElement[Any] = sources.aliases[key.tag].c[key.ref.column]
    if key.ref.is_json:
        return compile_json_order_keys(column, key.ref.json_path, key.cast, key.descending, dialect)
    term: ColumnElement[Any] = column.desc() if key.descending else column.asc()
    # NULLs sort as on PostgreSQL (after every value ascending, before descending) on SQLite too.
    nullable = key.tag in sources.nullable or key.ref.column in description.shape(key.tag).nullable
    if nullable:
        term = dialect.nulls_as_postgresql(term, key.descending)
    return [term]


def order_terms(description: Description, sources: Sources, dialect: SqlDialect) -> list[ColumnElement[Any]]:
    """ORDER BY terms in the description's order."""
    return [term for key in description.order for term in _order_term(key, description, sources, dialect)]


_MODIFIERS: dict[Any, Callable[[Any], ColumnElement[Any]]] = {
    operators.asc_op: asc,
    operators.desc_op: desc,
    operators.nulls_first_op: nulls_first,
    operators.nulls_last_op: nulls_last,
}


def hide_order_keys(
    terms: Sequence[ColumnElement[Any]],
) -> tuple[list[ColumnElement[Any]], list[ColumnElement[Any]]]:
    """Sort keys of a DISTINCT query as extra, hidden SELECT columns, and the terms to sort by.

    PostgreSQL sorts a DISTINCT result only by selected expressions. Each key (a function of a
    projected value: see ``description._check_distinct_order``, so distinctness is unchanged)
    is selected as ``h<n>`` and sorted by that name; no cell reads the hidden columns.
    """
    hidden: list[ColumnElement[Any]] = []
    ordered: list[ColumnElement[Any]] = []
    for index, term in enumerate(terms):
        modifiers = []
        core: Any = term
        while isinstance(core, UnaryExpression) and core.modifier in _MODIFIERS:
            modifiers.append(_MODIFIERS[core.modifier])
            core = core.element
        label = core.label(f"h{index}")
        hidden.append(label)
        sorted_by: ColumnElement[Any] = label
        for modifier in reversed(modifiers):
            sorted_by = modifier(sorted_by)
        ordered.append(sorted_by)
    return hidden, ordered
