"""Projecting and ordering by a JSON path, with the same results on SQLite and PostgreSQL.

Casts (``f`` float, ``i`` int, ``b`` bool, ``t`` text, ``d`` datetime) are strict: a value of
another JSON type becomes None (SQL NULL) rather than an SQL error or a guess. ``f`` and ``i``
take numbers (``i`` truncates toward zero; beyond 64 bits: None), ``b`` booleans, ``t``
strings, ``d`` strings ``datetime.fromisoformat`` reads (no offset: UTC). Without a cast (or
``j``) the value comes back as Python JSON (absent: None).

Order without a cast: absent and null, then booleans (false < true), numbers (by value),
strings (by code point), arrays, objects; arrays tie with arrays and objects with objects (a
later ORDER BY term decides). With a cast: by the cast value, None first when ascending and
last when descending, on both databases. ``d`` orders strings of ``DATETIME_PATTERN``'s form
(what ``isoformat()`` writes) by the instant they name; other strings order as None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Float,
    case,
    cast,
    type_coerce,
)

from provgraph.exceptions import InputValidationError
from provgraph.storage.query_schema import CASTS
from provgraph.storage.sql.dialects import DialectSource, SqlDialect, dialect_for
from provgraph.storage.sql.querybuilder.json_paths import ColumnConverter, JsonValue, json_value

__all__ = ["JsonProjection", "compile_json_order_keys", "compile_json_projection", "parse_datetime"]

_INT64 = 9223372036854775808  # 2**63, exact as a double too


def parse_datetime(value: Any) -> datetime | None:
    """An ISO time string as an aware UTC datetime (no offset: UTC); None for anything else."""
    if not isinstance(value, str):
        return None
    text = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _check_cast(cast_name: Any) -> None:
    if cast_name is not None and (not isinstance(cast_name, str) or cast_name not in CASTS):
        raise InputValidationError(f"unknown cast {cast_name!r}; use one of {list(CASTS)} or none")


def _cast_expression(value: JsonValue, cast_name: str, dialect: SqlDialect) -> ColumnElement[Any]:
    if cast_name == "f":
        return cast(value.number(), Float)
    if cast_name == "i":
        return dialect.json_number_as_int(value.number())
    if cast_name == "b":
        return dialect.json_boolean(value.boolean())
    return value.string()  # 't' and 'd'


@dataclass(frozen=True)
class JsonProjection:
    """The SELECT columns of a projected JSON path, and how a batch of their values becomes the result.

    ``convert`` takes the columns' values as the driver returns them, after the columns' own
    result processing (one sequence per column over the rows of a batch) and returns the
    projected values; ``None`` means the single column already holds them. ``expression`` is
    the value as one SQL expression (JSON as the database's JSON), NULL only where absent, for
    aggregates (``count`` counts present values, JSON null included).
    """

    columns: tuple[ColumnElement[Any], ...]
    convert: ColumnConverter | None
    expression: ColumnElement[Any]


def _parsed_datetimes(columns: Sequence[Sequence[Any]]) -> Sequence[Any]:
    return list(map(parse_datetime, columns[0]))


def compile_json_projection(
    column: ColumnElement[Any], json_path: tuple[str, ...], cast: str | None, dialect: DialectSource
) -> JsonProjection:
    """The projection of ``json_path`` in ``column``, cast as ``cast`` (see the module docstring).

    Without a cast, the value comes in the database's native types where it can (a string as
    text, a number as a number) beside a short type column, instead of as JSON text that Python
    would parse value by value.
    """
    _check_cast(cast)
    chosen = dialect_for(dialect)
    value = json_value(column, json_path, chosen)
    if cast in (None, "j"):
        columns, convert = value.projected()
        return JsonProjection(columns, convert, value.json())
    expression = _cast_expression(value, cast, chosen)
    if cast == "b":
        expression = type_coerce(expression, Boolean())
    return JsonProjection((expression,), _parsed_datetimes if cast == "d" else None, expression)


def compile_json_order_keys(
    column: ColumnElement[Any],
    json_path: tuple[str, ...],
    cast: str | None,
    descending: bool,
    dialect: DialectSource,
) -> list[ColumnElement[Any]]:
    """ORDER BY terms for ``json_path`` in ``column`` (see the module docstring for the order)."""
    _check_cast(cast)
    chosen = dialect_for(dialect)
    value = json_value(column, json_path, chosen)
    keys: list[ColumnElement[Any]]
    if cast in (None, "j"):
        keys = _type_then_value(value, chosen)
    elif cast == "d":
        keys = [chosen.datetime_key(value.string())]
    elif cast == "t":
        keys = [chosen.code_point_order(value.string())]
    else:
        keys = [_cast_expression(value, cast, chosen)]
    if descending:
        return [key.desc().nulls_last() for key in keys]
    return [key.asc().nulls_first() for key in keys]


def _type_then_value(value: JsonValue, dialect: SqlDialect) -> list[ColumnElement[Any]]:
    rank = case(
        (value.is_null(), 0),
        (value.has_type("boolean"), 1),
        (value.has_type("number"), 2),
        (value.has_type("string"), 3),
        (value.has_type("array"), 4),
        else_=5,
    )
    scalar = case((value.has_type("boolean"), case((value.equals(True), 1), else_=0)), else_=value.number())
    return [rank, scalar, dialect.code_point_order(value.string())]
