"""Filter trees as SQL conditions on one vertex or edge.

The tree of a tag is compiled against whichever alias stands for the tag: the vertex itself,
or the seed of a recursive walk that starts from the tag's rows. Each single operator is
``operators.compile_operator``'s business.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, not_, or_, true
from sqlalchemy.sql import operators as sql_operators
from sqlalchemy.sql.elements import BooleanClauseList, True_

from provgraph.storage.sql.dialects import SqlDialect
from provgraph.storage.sql.querybuilder.description import Condition, FilterNode, Junction
from provgraph.storage.sql.querybuilder.operators import FilterTarget, compile_operator, matches_everything

__all__ = ["Columns", "compile_conditions", "is_always_true", "is_empty", "referenced_columns"]


class Columns(Protocol):
    """Columns by name: an alias's ``.c``, or a plain dict standing in for one."""

    def __getitem__(self, name: str, /) -> ColumnElement[Any]: ...


def compile_conditions(
    node: FilterNode | None, columns: Columns, dialect: SqlDialect
) -> ColumnElement[bool] | None:
    """The condition ``node`` sets on ``columns`` (NULL counts as false); ``None`` when it sets none.

    A junction without parts sets nothing, negated or not (as in aiida-core, where an empty
    ``or`` list is dropped rather than made false). A condition every row meets (AiiDA's
    ``node_type LIKE '%'`` for the base Node class) is left out of the SQL. Only conditions
    under a negation are made two-valued: elsewhere NULL and false select the same rows.
    """
    if node is not None and _filters_a_declared_path(node, columns, dialect):
        columns = _TypeOffIndex(columns, dialect)
    condition = _compile(node, columns, dialect, negated=False)
    return None if condition is None or isinstance(condition, True_) else condition


def _filters_a_declared_path(node: FilterNode, columns: Columns, dialect: SqlDialect) -> bool:
    return any(
        condition.ref.json_path
        and dialect.declared_indexes_at(columns[condition.ref.column], condition.ref.json_path)
        for condition in _conditions(node)
    )


class _TypeOffIndex:
    """``columns``, but ``node_type`` as ``SqlDialect.off_index`` writes it: on a vertex filtered
    on a declared path, the declared index should answer, not a scan of the type's rows."""

    def __init__(self, columns: Columns, dialect: SqlDialect) -> None:
        self._columns = columns
        self._dialect = dialect

    def __getitem__(self, name: str, /) -> ColumnElement[Any]:
        column = self._columns[name]
        return self._dialect.off_index(column) if name == "node_type" else column


def is_always_true(node: Condition) -> bool:
    """Whether every row meets ``node`` (so it needs neither SQL nor a look at its column)."""
    ref = node.ref
    return (
        node.operator in ("like", "ilike")
        and not ref.nullable
        and not ref.is_json
        and not ref.json_path
        and isinstance(node.value, str)
        and matches_everything(node.value)
    )


def _compile(
    node: FilterNode | None, columns: Columns, dialect: SqlDialect, negated: bool
) -> ColumnElement[bool] | None:
    """As :func:`compile_conditions`, but a condition every row meets is ``true()``.

    ``negated``: the condition sits under a NOT, so it must never be NULL.
    """
    if node is None:
        return None
    if isinstance(node, Condition):
        if is_always_true(node):
            return true()
        column = columns[node.ref.column]
        target = FilterTarget(column, node.ref.json_path, node.where, node.ref.nullable)
        return compile_operator(target, node.operator, node.value, dialect, two_valued=negated)
    inner = negated or node.negated
    compiled = [
        condition for part in node.parts if (condition := _compile(part, columns, dialect, inner)) is not None
    ]
    if not compiled:
        return None
    combined: ColumnElement[bool]
    if node.kind == "and":
        kept = [condition for condition in compiled if not isinstance(condition, True_)]
        combined = _conjunction(kept) if kept else true()
    elif any(isinstance(condition, True_) for condition in compiled):
        combined = true()
    else:
        combined = compiled[0] if len(compiled) == 1 else or_(*compiled)
    return not_(combined) if node.negated else combined


def _conjunction(conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """The AND of ``conditions``, each term once, at its last place.

    A JSON comparison on SQLite is ``value test AND type check``; a range repeats the type
    check, which is then evaluated once, after every value test (AND is idempotent and
    commutative, NULL included, so only the cost changes).
    """
    terms: list[ColumnElement[bool]] = []
    for condition in conditions:
        is_and = isinstance(condition, BooleanClauseList) and condition.operator is sql_operators.and_
        terms.extend(condition.clauses if is_and else [condition])
    unique = [term for index, term in enumerate(terms) if not _repeated(term, terms[index + 1 :])]
    return unique[0] if len(unique) == 1 else and_(*unique)


def _repeated(term: ColumnElement[bool], later: list[ColumnElement[bool]]) -> bool:
    return any(term.compare(other) for other in later)


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
    if node is None:
        return set()
    return {(c.ref.column, c.ref.json_path) for c in _conditions(node) if not is_always_true(c)}
