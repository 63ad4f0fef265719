"""One QueryBuilder filter (operator and value on a column or a JSON path) as a SQL condition.

The semantics are the contract's ("Filter semantics" in ``docs/querybuilder.md``), the same on
SQLite and PostgreSQL; ``tests/storage/sql/qb_reference.py`` is their executable definition.
Every condition returned is two-valued (never SQL NULL), so ``!op`` is plain ``NOT op`` and
the compiler may nest conditions under ``NOT`` / ``OR`` freely. Values are checked before any
SQL is built: a value an operator cannot take raises ``InputValidationError`` naming the field,
the operator and the value. JSON projections and ordering live in :mod:`.json_projection`.
"""

from __future__ import annotations

import math
import operator as python_operator
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    DateTime,
    Integer,
    String,
    Text,
    and_,
    cast,
    false,
    func,
    not_,
    or_,
    true,
)

from provgraph.exceptions import InputValidationError
from provgraph.storage import query_schema as schema
from provgraph.storage.sql.dialects import DialectSource, SqlDialect, dialect_for
from provgraph.storage.sql.filters import IN_LIST_LIMIT
from provgraph.storage.sql.querybuilder.json_paths import (
    JSON_TYPES,
    Comparison,
    JsonValue,
    ascii_lower,
    check_json_path,
    is_number,
    json_value,
)
from provgraph.storage.sql.querybuilder.json_projection import (
    compile_json_order_keys,
    compile_json_projection,
)
from provgraph.storage.sql.types import UtcDateTime, UuidString

__all__ = [
    "OPERATOR_SQL",
    "FilterTarget",
    "OperatorSql",
    "compile_json_order_keys",
    "compile_json_projection",
    "compile_operator",
    "matches_everything",
]

_INT64 = 2**63


@dataclass(frozen=True)
class FilterTarget:
    """What a filter applies to: a column, or a path of keys into a JSON column."""

    column: ColumnElement[Any]
    json_path: tuple[str, ...] = ()
    where: str = ""  # for messages, e.g. "tag 'i', attributes.a.b"
    #: Whether the column may hold NULL; conditions on a NOT NULL column need no NULL guard.
    nullable: bool = True


class _Refused(Exception):
    """A value an operator cannot take; turned into ``InputValidationError`` with context."""


def compile_operator(
    target: FilterTarget, operator: str, value: Any, dialect: DialectSource, *, two_valued: bool = True
) -> ColumnElement[bool]:
    """The condition ``operator`` (``!``/``~`` negates) with ``value`` on ``target``; never NULL.

    ``two_valued=False`` allows NULL where the answer is false, for a condition no ``NOT`` will
    apply to (WHERE and ON treat NULL as false): it spares the guards, and lets SQLite split a
    JSON test into separate terms that stop at the first one a row fails.
    """
    negated, name = _parse_operator(target, operator, value)
    exact = two_valued or negated
    chosen = dialect_for(dialect)
    try:
        check_json_path(target.json_path)
    except InputValidationError as exc:
        raise InputValidationError(f"filter on {_describe(target)}: {exc}") from None
    try:
        if _is_json(target.column):
            value_at = json_value(target.column, target.json_path, chosen)
            condition = _json_condition(value_at, name, value, exact)
        elif target.json_path:
            raise _Refused(f"cannot follow the keys {list(target.json_path)} into a column that is not JSON")
        else:
            guard = target.nullable and exact
            condition = _column_condition(target.column, name, value, chosen, target.nullable, guard)
    except _Refused as exc:
        raise InputValidationError(
            f"filter on {_describe(target)}: operator {operator!r} with value {_shown(value)}: {exc}"
        ) from None
    return not_(condition) if negated else condition


def _shown(value: Any, limit: int = 200) -> str:
    """``repr(value)``, cut short: an ``in`` list may hold thousands of items."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _describe(target: FilterTarget) -> str:
    if target.where:
        return target.where
    return ".".join(map(str, (target.column, *target.json_path)))


def _parse_operator(target: FilterTarget, operator: Any, value: Any) -> tuple[bool, str]:
    """(negated, the schema's name of the operator) of an operator as the filter spells it."""
    parsed = schema.parse_operator(operator)
    if parsed is None:
        spellings = sorted([*schema.OPERATORS, *schema.OPERATOR_ALIASES])
        raise InputValidationError(
            f"filter on {_describe(target)}: unknown operator {operator!r} (value {_shown(value)}); "
            f"use one of {spellings}, negated by a leading '!' or '~'"
        )
    found, negated = parsed
    return negated, found.name


def _is_json(column: ColumnElement[Any]) -> bool:
    return isinstance(column.type, JSON)


# -- values -------------------------------------------------------------------------------------


def _checked_string(value: Any) -> str:
    if not isinstance(value, str):
        raise _Refused("the value must be a string")
    if "\x00" in value:
        raise _Refused("strings cannot hold NUL characters (PostgreSQL refuses them)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Refused("the string is not valid Unicode (lone surrogate)") from None
    return value


def _checked_int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Refused("the value must be an integer")
    if not -_INT64 <= value < _INT64:
        raise _Refused("integers must fit in 64 bits")
    return value


def _checked_json(value: Any) -> Any:
    """``value`` as JSON (tuples become lists); refuses what JSON or the databases cannot hold."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return _checked_int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Refused("JSON has no NaN or infinite numbers")
        return value
    if isinstance(value, str):
        return _checked_string(value)
    if isinstance(value, (list, tuple)):
        return [_checked_json(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise _Refused("JSON object keys must be strings")
        return {_checked_string(key): _checked_json(item) for key, item in value.items()}
    raise _Refused(f"a {type(value).__name__} is no JSON value")


def _checked_list(value: Any) -> list[Any]:
    if not isinstance(value, (list, tuple, set, frozenset)) or not value:
        raise _Refused("'in' needs a non-empty list")
    return list(value)


def _checked_pattern(value: Any) -> str:
    pattern = _checked_string(value)
    index = 0
    while index < len(pattern):
        if pattern[index] == "\\":
            if index + 1 == len(pattern):
                raise _Refused(
                    "the pattern ends with the escape character '\\'; write '\\\\' for a backslash"
                )
            index += 1
        index += 1
    return pattern


# -- JSON ---------------------------------------------------------------------------------------


def _json_condition(value: JsonValue, name: str, argument: Any, two_valued: bool) -> ColumnElement[bool]:
    condition = _json_test(value, name, argument)
    if not two_valued:
        return condition
    return func.coalesce(condition, false(), type_=Boolean)  # absent -> false, never NULL


def _json_test(value: JsonValue, name: str, argument: Any) -> ColumnElement[bool]:
    return OPERATOR_SQL[name].json(value, argument)


#: An operator on a JSON value: the value at the path, the operator's argument -> the condition.
JsonTest = Callable[[JsonValue, Any], ColumnElement[bool]]


def _json_equals(value: JsonValue, argument: Any) -> ColumnElement[bool]:
    checked = _checked_json(argument)
    return value.is_null() if checked is None else value.equals(checked)


def _json_comparison(compare: Comparison) -> JsonTest:
    def test(value: JsonValue, argument: Any) -> ColumnElement[bool]:
        if not (is_number(argument) or isinstance(argument, str)):
            raise _Refused("comparisons need a number or a string")
        return value.compare(compare, _checked_json(argument))

    return test


def _json_in(value: JsonValue, argument: Any) -> ColumnElement[bool]:
    items = [_checked_json(item) for item in _checked_list(argument)]
    if any(isinstance(item, (list, dict)) for item in items):
        raise _Refused("'in' takes a list of scalars (str, number, bool, None)")
    return value.one_of(items)


def _json_like(fold_case: bool) -> JsonTest:
    def test(value: JsonValue, argument: Any) -> ColumnElement[bool]:
        return value.like(_checked_pattern(argument), fold_case=fold_case)

    return test


def _json_has_key(value: JsonValue, argument: Any) -> ColumnElement[bool]:
    return value.has_key(_checked_string(argument))


def _json_contains(value: JsonValue, argument: Any) -> ColumnElement[bool]:
    if not isinstance(argument, (list, tuple, dict)):
        raise _Refused("'contains' needs a list or a dict")
    document: list[Any] | dict[str, Any] = _checked_json(argument)
    return value.contains(document)


def _json_length(compare: Comparison) -> JsonTest:
    def test(value: JsonValue, argument: Any) -> ColumnElement[bool]:
        return compare(value.array_length(), _checked_int(argument))

    return test


def _json_of_type(value: JsonValue, argument: Any) -> ColumnElement[bool]:
    if argument not in JSON_TYPES:
        raise _Refused(f"'of_type' takes one of {list(JSON_TYPES)}")
    return value.of_type(argument)


# -- plain columns ------------------------------------------------------------------------------


def _kind(column: ColumnElement[Any]) -> str:
    """The value kind a column compares as (Boolean before Integer: a bool is no int)."""
    kind = column.type
    for sql_type, name in (
        (UuidString, "uuid"),
        (Boolean, "bool"),
        (Integer, "int"),
        (UtcDateTime, "datetime"),
        (DateTime, "datetime"),
        (String, "str"),
    ):
        if isinstance(kind, sql_type):
            return name
    return "any"


def _column_value(kind: str, value: Any) -> Any:
    """``value`` checked against the column kind; None for a string that is no UUID."""
    if kind == "uuid":
        if not isinstance(value, (str, uuid.UUID)):
            raise _Refused("a UUID column compares with UUID strings")
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            return None
    if kind == "int":
        return _checked_int(value)
    if kind == "str":
        return _checked_string(value)
    expected: dict[str, type] = {"bool": bool, "datetime": datetime}
    if kind in expected and not isinstance(value, expected[kind]):
        raise _Refused(f"the column needs a {expected[kind].__name__}")
    if kind == "any" and not isinstance(value, (str, int, float, datetime)):
        raise _Refused("the value must be a scalar")
    return value


def _present(column: ColumnElement[Any], condition: ColumnElement[bool], guard: bool) -> ColumnElement[bool]:
    """``condition`` made false (not NULL) where the column is NULL, if ``guard``.

    Only a nullable column needs the guard: a vertex's conditions always see its real rows (an
    outer join's go into its ON clause), so a comparison with a NOT NULL column is never NULL.
    Neither does a condition that may be NULL (``compile_operator``'s ``two_valued=False``).
    """
    return and_(column.is_not(None), condition) if guard else condition


def _column_condition(  # noqa: PLR0917 (one condition's whole context)
    column: ColumnElement[Any], name: str, value: Any, dialect: SqlDialect, nullable: bool, guard: bool
) -> ColumnElement[bool]:
    """``nullable``: the column may hold NULL; ``guard``: make the condition false there, not NULL."""
    test = OPERATOR_SQL[name].column
    if test is None:
        raise _Refused(f"{name!r} applies to JSON values only (attributes, extras, ...)")
    return test(_Column(column, _kind(column), dialect, nullable, guard), value)


@dataclass(frozen=True)
class _Column:
    """A plain column under test, with everything its condition's SQL depends on."""

    column: ColumnElement[Any]
    kind: str
    dialect: SqlDialect
    nullable: bool
    guard: bool


#: An operator on a plain column: the column, the operator's argument -> the condition.
ColumnTest = Callable[[_Column, Any], ColumnElement[bool]]


def _column_equals(target: _Column, value: Any) -> ColumnElement[bool]:
    column = target.column
    if value is None:
        return column.is_(None)
    checked = _column_value(target.kind, value)
    return false() if checked is None else _present(column, column == checked, target.guard)


def _column_compare(compare: Comparison) -> ColumnTest:
    def test(target: _Column, value: Any) -> ColumnElement[bool]:
        return _column_comparison(
            target.column, target.kind, compare, value, target.dialect, guard=target.guard
        )

    return test


def _column_one_of(target: _Column, value: Any) -> ColumnElement[bool]:
    return _column_in(target.column, target.kind, _checked_list(value), target.dialect, target.guard)


def _column_pattern(fold_case: bool) -> ColumnTest:
    def test(target: _Column, value: Any) -> ColumnElement[bool]:
        pattern = _checked_pattern(value)
        return _column_like(
            target.column,
            target.kind,
            pattern,
            fold_case,
            target.dialect,
            nullable=target.nullable,
            guard=target.guard,
        )

    return test


def _column_comparison(
    column: ColumnElement[Any],
    kind: str,
    compare: Comparison,
    value: Any,
    dialect: SqlDialect,
    *,
    guard: bool,
) -> ColumnElement[bool]:
    if kind == "bool" or isinstance(value, bool) or value is None:
        raise _Refused("comparisons need a number, string or datetime on a column that is not boolean")
    checked = _column_value(kind, value)
    if checked is None:
        raise _Refused("a UUID column is ordered against UUID strings only")
    left = column
    if kind == "str" or (kind == "any" and isinstance(value, str)):
        left = dialect.code_point_order(column)  # the same order on every database
    return _present(column, compare(left, checked), guard)


def _column_in(
    column: ColumnElement[Any], kind: str, values: list[Any], dialect: SqlDialect, guard: bool
) -> ColumnElement[bool]:
    checked = [_column_value(kind, item) for item in values if item is not None]
    present = list(dict.fromkeys(item for item in checked if item is not None))
    conditions = [_present(column, _in_list(column, kind, present, dialect), guard)] if present else []
    if any(item is None for item in values):
        conditions.append(column.is_(None))
    return or_(*conditions) if conditions else false()


def _in_list(
    column: ColumnElement[Any], kind: str, values: list[Any], dialect: SqlDialect
) -> ColumnElement[bool]:
    """``column IN values``; a long list travels as one array (JSON on SQLite) parameter."""
    if len(values) <= IN_LIST_LIMIT:
        return column.in_(values)
    return dialect.in_long_list(column, values, uuids=kind == "uuid")


def matches_everything(pattern: str) -> bool:
    """Whether the LIKE ``pattern`` matches every string (AiiDA's ``node_type LIKE '%'`` for Node)."""
    return bool(pattern) and pattern.count("%") == len(pattern)


def _column_like(
    column: ColumnElement[Any],
    kind: str,
    pattern: str,
    fold_case: bool,
    dialect: SqlDialect,
    *,
    nullable: bool,
    guard: bool,
) -> ColumnElement[bool]:
    if kind in ("bool", "datetime"):
        raise _Refused("LIKE needs a text column (their text forms differ between databases)")
    if matches_everything(pattern):  # every value's text matches: only NULL does not
        return column.is_not(None) if nullable else true()
    text: ColumnElement[Any] = column if kind == "str" else cast(column, Text)
    if fold_case:  # A-Z only, identical on both databases (see json_paths.ascii_lower)
        text = dialect.ascii_lower(text)
        pattern = ascii_lower(pattern)
    return _present(column, dialect.like(text, pattern), guard)


# -- the operators ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OperatorSql:
    """The SQL of one schema operator: on a JSON value, and on a plain column (None: JSON only).

    Each function checks the value it is given (``_Refused`` for one the operator cannot take)
    and returns a condition that may be NULL where the answer is false; the callers make it
    two-valued where needed.
    """

    json: JsonTest
    column: ColumnTest | None


#: The SQL of every operator of the query schema, by the schema's name; the tests check that the
#: keys are exactly the schema's, and ``column`` is None exactly for its JSON-only operators.
OPERATOR_SQL: Mapping[str, OperatorSql] = MappingProxyType(
    {
        "==": OperatorSql(_json_equals, _column_equals),
        "<": OperatorSql(_json_comparison(python_operator.lt), _column_compare(python_operator.lt)),
        "<=": OperatorSql(_json_comparison(python_operator.le), _column_compare(python_operator.le)),
        ">": OperatorSql(_json_comparison(python_operator.gt), _column_compare(python_operator.gt)),
        ">=": OperatorSql(_json_comparison(python_operator.ge), _column_compare(python_operator.ge)),
        "in": OperatorSql(_json_in, _column_one_of),
        "like": OperatorSql(_json_like(fold_case=False), _column_pattern(fold_case=False)),
        "ilike": OperatorSql(_json_like(fold_case=True), _column_pattern(fold_case=True)),
        "has_key": OperatorSql(_json_has_key, None),
        "contains": OperatorSql(_json_contains, None),
        "of_length": OperatorSql(_json_length(python_operator.eq), None),
        "longer": OperatorSql(_json_length(python_operator.gt), None),
        "shorter": OperatorSql(_json_length(python_operator.lt), None),
        "of_type": OperatorSql(_json_of_type, None),
    }
)
