"""Filter trees as SQL conditions on one vertex or edge.

The tree of a tag is compiled against whichever alias stands for the tag: the vertex itself,
or the seed of a recursive walk that starts from the tag's rows. Each single operator is
``operators.compile_operator``'s business.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, not_, or_
from sqlalchemy.engine import Dialect

from provgraph.storage.sql.querybuilder.description import Condition, FilterNode, Junction
from provgraph.storage.sql.querybuilder.operators import FilterTarget, compile_operator

__all__ = ["Columns", "compile_conditions", "is_empty", "referenced_columns"]


class Columns(Protocol):
    """Columns by name: an alias's ``.c``, or a plain dict standing in for one."""

    def __getitem__(self, name: str, /) -> ColumnElement[Any]: ...


def compile_conditions(
    node: FilterNode | None, columns: Columns, dialect: Dialect
) -> ColumnElement[bool] | None:
    """The condition ``node`` sets on ``columns``; ``None`` when it sets none.

    A junction without parts sets nothing, negated or not (as in aiida-core, where an empty
    ``or`` list is dropped rather than made false).
    """
    if node is None:
        return None
    if isinstance(node, Condition):
        column = columns[node.ref.column]
        target = FilterTarget(column, node.ref.json_path, node.where)
        return compile_operator(target, node.operator, node.value, dialect)
    compiled = [
        condition
        for part in node.parts
        if (condition := compile_conditions(part, columns, dialect)) is not None
    ]
    if not compiled:
        return None
    combined = compiled[0] if len(compiled) == 1 else (and_ if node.kind == "and" else or_)(*compiled)
    return not_(combined) if node.negated else combined


def is_empty(node: Junction | None) -> bool:
    """Whether ``node`` sets no condition at all."""
    return node is None or all(isinstance(part, Junction) and is_empty(part) for part in node.parts)


def _conditions(node: FilterNode) -> Iterator[Condition]:
    if isinstance(node, Condition):
        yield node
    else:
        for part in node.parts:
            yield from _conditions(part)


def referenced_columns(node: Junction | None) -> set[tuple[str, tuple[str, ...]]]:
    """The (column, JSON path) pairs the conditions of ``node`` look at."""
    return set() if node is None else {(c.ref.column, c.ref.json_path) for c in _conditions(node)}
