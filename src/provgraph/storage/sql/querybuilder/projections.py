"""The SELECT list, the ORDER BY terms, and the one function that shapes each result row.

Rows leave the database as flat tuples; the shaper only touches the cells that need it (a
``*`` projection folds its columns into one dict, a JSON projection may convert its value).
A query of plain columns has no shaper at all and its rows pass through untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, ColumnElement, Text, asc, desc, func, nulls_first, nulls_last, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.expression import FromClause

from provgraph.storage.sql.lazy_rows import LazyRow, decode_json, decode_sqlite_datetime
from provgraph.storage.sql.querybuilder.description import Description, OrderKey, Projection
from provgraph.storage.sql.querybuilder.entities import EDGE_SHAPES, Shape
from provgraph.storage.sql.querybuilder.joins import Sources
from provgraph.storage.sql.querybuilder.operators import compile_json_order_keys, compile_json_projection
from provgraph.storage.sql.types import UtcDateTime

__all__ = ["Layout", "RowShaper", "build_layout", "hide_order_keys", "order_terms"]

Cell = Callable[[Sequence[Any]], Any]
RowShaper = Callable[[Sequence[Any]], tuple[Any, ...]]
Processor = Callable[[Any], Any]


@dataclass(frozen=True)
class Layout:
    """The labelled SELECT columns and the shaper of result rows (``None``: rows as they are)."""

    columns: tuple[ColumnElement[Any], ...]
    shape_row: RowShaper | None


def _entity_cell(start: int, names: tuple[str, ...]) -> Cell:
    """Columns ``start...`` folded into a column dict; ``None`` for an outer join's missing row."""
    stop = start + len(names)

    def cell(row: Sequence[Any]) -> dict[str, Any] | None:
        values = row[start:stop]
        if values[0] is None:
            return None
        return dict(zip(names, values, strict=True))

    return cell


def _positions(indices: Sequence[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """The items of a row at ``indices``, always as a tuple (``itemgetter`` of one is a bare item)."""
    if len(indices) == 1:
        (index,) = indices
        return lambda row: (row[index],)
    getter: Callable[[Sequence[Any]], Sequence[Any]] = itemgetter(*indices)
    return getter


def _lazy_entity_cell(start: int, names: tuple[str, ...], decoders: dict[str, Processor]) -> Cell:
    """As :func:`_entity_cell`, but the columns in ``decoders`` arrive raw and convert when read."""
    ready_keys = tuple(name for name in names if name not in decoders)
    lazy_keys = tuple(name for name in names if name in decoders)
    take_ready = _positions([start + names.index(name) for name in ready_keys])
    take_lazy = _positions([start + names.index(name) for name in lazy_keys])

    def cell(row: Sequence[Any]) -> dict[str, Any] | None:
        if row[start] is None:
            return None
        ready = dict(zip(ready_keys, take_ready(row), strict=True))
        return LazyRow(ready, dict(zip(lazy_keys, take_lazy(row), strict=True)), decoders)

    return cell


def _sqlite_decoder(column: ColumnElement[Any]) -> Processor | None:
    """How SQLite's raw text of a costly column converts (JSON, timestamps), else ``None``."""
    if isinstance(column.type, JSON):
        return decode_json
    if isinstance(column.type, UtcDateTime):
        return decode_sqlite_datetime
    return None


def _processed_cell(index: int, processor: Processor) -> Cell:
    return lambda row: processor(row[index])


class _Builder:
    """Collects SELECT columns and, beside them, how each output cell is read from a row."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        self.columns: list[ColumnElement[Any]] = []
        self.cells: list[Cell] = []
        self.plain = True

    def _add(self, expression: ColumnElement[Any]) -> int:
        self.columns.append(expression.label(f"c{len(self.columns)}"))
        return len(self.columns) - 1

    def add(self, projection: Projection, source: FromClause, shape: Shape) -> None:
        if projection.entity == "*":
            self._add_entity(source, shape)
            return
        if projection.entity == "**":
            start = len(self.columns)
            for name in shape.columns:
                self._add(source.c[name])
            self.cells.extend(itemgetter(index) for index in range(start, len(self.columns)))
            return
        assert projection.ref is not None
        ref = projection.ref
        expression: ColumnElement[Any] = source.c[ref.column]
        processor: Processor | None = None
        if ref.is_json and (ref.json_path or projection.cast is not None):
            expression, processor = compile_json_projection(
                expression, ref.json_path, projection.cast, self.dialect
            )
        if projection.func == "count":
            expression, processor = func.count(expression), None
        elif projection.func is not None:
            expression = getattr(func, projection.func)(expression)
        index = self._add(expression)
        if processor is None:
            self.cells.append(itemgetter(index))
        else:
            self.cells.append(_processed_cell(index, processor))
            self.plain = False

    def _add_entity(self, source: FromClause, shape: Shape) -> None:
        """All columns as one dict; on SQLite JSON and times stay raw until read (``LazyRow``)."""
        start = len(self.columns)
        decoders: dict[str, Processor] = {}
        for name in shape.columns:
            column: ColumnElement[Any] = source.c[name]
            decoder = _sqlite_decoder(column) if self.dialect.name == "sqlite" else None
            if decoder is not None:
                decoders[name] = decoder
                column = type_coerce(column, Text)
            self._add(column)
        if decoders:
            self.cells.append(_lazy_entity_cell(start, shape.columns, decoders))
        else:
            self.cells.append(_entity_cell(start, shape.columns))
        self.plain = False

    def shaper(self) -> RowShaper | None:
        if self.plain:
            return None
        cells = tuple(self.cells)
        return lambda row: tuple([cell(row) for cell in cells])


def build_layout(description: Description, sources: Sources, dialect: Dialect) -> Layout:
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
    return Layout(tuple(builder.columns), builder.shaper())


def _order_term(
    key: OrderKey, description: Description, sources: Sources, dialect: Dialect
) -> list[ColumnElement[Any]]:
    column: ColumnElement[Any] = sources.aliases[key.tag].c[key.ref.column]
    if key.ref.is_json:
        return compile_json_order_keys(column, key.ref.json_path, key.cast, key.descending, dialect)
    term = column.desc() if key.descending else column.asc()
    # NULLs sort as on PostgreSQL (after every value ascending, before descending) on SQLite too.
    nullable = key.tag in sources.nullable or key.ref.column in description.shape(key.tag).nullable
    if dialect.name != "postgresql" and nullable:
        term = term.nulls_first() if key.descending else term.nulls_last()
    return [term]


def order_terms(description: Description, sources: Sources, dialect: Dialect) -> list[ColumnElement[Any]]:
    """ORDER BY terms in the description's order."""
    return [term for key in description.order for term in _order_term(key, description, sources, dialect)]


_MODIFIERS: dict[Any, Callable[[Any], ColumnElement[Any]]] = {
    operators.asc_op: asc,
    operators.desc_op: desc,
    operators.nulls_first_op: nulls_first,
    operators.nulls_last_op: nulls_last,
}


def hide_order_keys(
    terms: Sequence[ColumnElement[Any]], layout: Layout
) -> tuple[list[ColumnElement[Any]], list[ColumnElement[Any]], RowShaper]:
    """Sort keys of a DISTINCT query as extra, hidden SELECT columns, and the terms to sort by.

    PostgreSQL sorts a DISTINCT result only by selected expressions. Each key (a function of a
    projected value: see ``description._check_distinct_order``, so distinctness is unchanged)
    is selected as ``h<n>`` and sorted by that name; the returned shaper drops the hidden cells.
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
    visible = len(layout.columns)
    shape = layout.shape_row
    if shape is None:
        return hidden, ordered, lambda row: tuple(row[:visible])
    return hidden, ordered, shape
