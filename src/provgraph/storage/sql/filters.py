"""Compile the plain row filters of the storage interface into SQL conditions.

Filters are deliberately small (equality, ``IS NULL``, :class:`In`, :class:`Like`, :class:`Above`,
:class:`Between`) so that the
two dialects agree on every one: values are checked against the column's kind up front, because
PostgreSQL rejects a mistyped comparison (``uuid = 'abc'``) where SQLite silently finds nothing.
UUIDs are compared in their canonical dashed lowercase form, and a string that is no UUID at all
matches no row on both dialects. JSON columns are left to the QueryBuilder.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Integer,
    String,
    Table,
    Text,
    cast,
    false,
)
from sqlalchemy.sql.expression import ColumnClause

from provgraph.exceptions import InputValidationError
from provgraph.storage.abstract import Above, Between, In, Like
from provgraph.storage.sql.dialects import SqlDialect
from provgraph.storage.sql.types import UtcDateTime, UuidString

__all__ = ["IN_LIST_LIMIT", "column_of", "compile_filters", "order_clauses"]

#: Lists longer than this are sent as one array/JSON parameter instead of one parameter each,
#: which stays clear of the bound-parameter limits (65,535 on PostgreSQL, 32,766 on SQLite).
IN_LIST_LIMIT = 5000

_NOT_FILTERABLE = "JSON columns cannot be filtered through the row API; use the QueryBuilder"


def column_of(table: Table, name: str) -> ColumnClause[Any]:
    """The column ``name`` of ``table``, or ``InputValidationError`` listing the valid names."""
    if not isinstance(name, str) or name not in table.c:
        raise InputValidationError(
            f"table {table.name} has no column {name!r}; its columns are {sorted(table.c.keys())}"
        )
    column: ColumnClause[Any] = table.c[name]
    return column


def _is_json(column: ColumnClause[Any]) -> bool:
    return isinstance(column.type, JSON)


def _filterable(table: Table, name: str) -> ColumnClause[Any]:
    column = column_of(table, name)
    if _is_json(column):
        raise InputValidationError(f"cannot filter on {table.name}.{name}: {_NOT_FILTERABLE}")
    return column


# Column kind -> the Python type a filter value must have (Boolean before Integer: it is no int).
_EXPECTED: tuple[tuple[type[Any], type], ...] = (
    (Boolean, bool),
    (Integer, int),
    (UtcDateTime, datetime),
    (String, str),
)


def _checked(table: Table, column: ColumnClause[Any], value: Any) -> Any:
    """``value`` as the column will compare it; ``None`` for a UUID column given a non-UUID."""
    kind = column.type
    where = f"{table.name}.{column.name}"
    if isinstance(kind, UuidString):
        if not isinstance(value, (str, uuid.UUID)):
            raise InputValidationError(f"filter on {where} needs a UUID string, got {value!r}")
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            return None
    for column_kind, expected in _EXPECTED:
        if isinstance(kind, column_kind):
            # bool is an int in Python but never a valid pk or count
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                raise InputValidationError(
                    f"filter on {where} needs a value of type {expected.__name__}, got {value!r}"
                )
            break
    return value


def _in_condition(table: Table, column: ColumnClause[Any], values: Sequence[Any], dialect: SqlDialect) -> Any:
    checked = [_checked(table, column, value) for value in values]
    present = list(dict.fromkeys(value for value in checked if value is not None))
    if not present:
        return false()
    if len(present) <= IN_LIST_LIMIT:
        return column.in_(present)
    return dialect.in_long_list(column, present, uuids=isinstance(column.type, UuidString))


def _like_condition(table: Table, column: ColumnClause[Any], like: Like) -> Any:
    if not isinstance(like.pattern, str):
        raise InputValidationError(
            f"Like on {table.name}.{column.name} needs a str pattern, got {like.pattern!r}"
        )
    text: Any = column if isinstance(column.type, String) else cast(column, Text)
    return text.like(like.pattern)


def compile_filters(table: Table, filters: Mapping[str, Any] | None, dialect: SqlDialect) -> list[Any]:
    """SQL conditions (to be ANDed) for ``filters`` on ``table``."""
    conditions: list[ColumnElement[bool]] = []
    for name, value in (filters or {}).items():
        column = _filterable(table, name)
        if value is None:
            conditions.append(column.is_(None))
        elif isinstance(value, In):
            conditions.append(_in_condition(table, column, tuple(value.values), dialect))
        elif isinstance(value, Like):
            conditions.append(_like_condition(table, column, value))
        elif isinstance(value, Above):
            checked = _checked(table, column, value.value)
            conditions.append(false() if checked is None else column > checked)
        elif isinstance(value, Between):
            first, last = _checked(table, column, value.first), _checked(table, column, value.last)
            conditions.append(false() if first is None or last is None else column.between(first, last))
        elif isinstance(value, (list, tuple, set, frozenset, dict)):
            raise InputValidationError(
                f"filter on {table.name}.{name} got a {type(value).__name__}; wrap several values in In(...)"
            )
        else:
            checked = _checked(table, column, value)
            conditions.append(false() if checked is None else column == checked)
    return conditions


def order_clauses(table: Table, order_by: Sequence[str]) -> list[Any]:
    """ORDER BY terms for column names (``-name`` descends), always ending on ``id``."""
    if isinstance(order_by, str):
        order_by = (order_by,)
    clauses: list[Any] = []
    named: set[str] = set()
    for item in order_by:
        descending = isinstance(item, str) and item.startswith("-")
        name = item[1:] if descending else item
        column = column_of(table, name)
        if _is_json(column):
            raise InputValidationError(f"cannot order by {table.name}.{name}: {_NOT_FILTERABLE}")
        if name in named:
            continue
        named.add(name)
        clauses.append(column.desc() if descending else column.asc())
    if "id" not in named:
        clauses.append(table.c.id.asc())
    return clauses
