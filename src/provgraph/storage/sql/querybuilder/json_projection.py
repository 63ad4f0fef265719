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
    BigInteger,
    Boolean,
    ColumnElement,
    Float,
    Numeric,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    type_coerce,
)
from sqlalchemy.engine import Dialect

from provgraph.exceptions import InputValidationError
from provgraph.storage.query_schema import CASTS
from provgraph.storage.sql.querybuilder.json_paths import ColumnConverter, JsonValue, json_value
from provgraph.storage.sql.querybuilder.sqlite_functions import DATETIME_PATTERN

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


def _as_int(number: ColumnElement[Any], dialect: Dialect) -> ColumnElement[Any]:
    """A number truncated toward zero, or NULL outside (-2**63, 2**63): never an overflow error."""
    if dialect.name == "postgresql":  # exact numeric bounds, trunc() toward zero
        bound = literal(_INT64, Numeric())
        inside = and_(number > -bound, number < bound)
        return case((inside, cast(func.trunc(number), BigInteger)))
    # SQLite compares integers and reals exactly; CAST truncates toward zero
    inside = and_(number > -float(_INT64), number < float(_INT64))
    return case((inside, cast(number, BigInteger)))


def _cast_expression(value: JsonValue, cast_name: str, dialect: Dialect) -> ColumnElement[Any]:
    if cast_name == "f":
        return cast(value.number(), Float)
    if cast_name == "i":
        return _as_int(value.number(), dialect)
    if cast_name == "b":
        return cast(value.boolean(), Boolean) if dialect.name == "sqlite" else value.boolean()
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
    column: ColumnElement[Any], json_path: tuple[str, ...], cast: str | None, dialect: Dialect
) -> JsonProjection:
    """The projection of ``json_path`` in ``column``, cast as ``cast`` (see the module docstring).

    Without a cast, the value comes in the database's native types where it can (a string as
    text, a number as a number) beside a short type column, instead of as JSON text that Python
    would parse value by value.
    """
    _check_cast(cast)
    value = json_value(column, json_path, dialect)
    if cast in (None, "j"):
        columns, convert = value.projected()
        return JsonProjection(columns, convert, value.json())
    expression = _cast_expression(value, cast, dialect)
    if cast == "b":
        expression = type_coerce(expression, Boolean())
    return JsonProjection((expression,), _parsed_datetimes if cast == "d" else None, expression)


def compile_json_order_keys(
    column: ColumnElement[Any],
    json_path: tuple[str, ...],
    cast: str | None,
    descending: bool,
    dialect: Dialect,
) -> list[ColumnElement[Any]]:
    """ORDER BY terms for ``json_path`` in ``column`` (see the module docstring for the order)."""
    _check_cast(cast)
    value = json_value(column, json_path, dialect)
    keys: list[ColumnElement[Any]]
    if cast in (None, "j"):
        keys = _type_then_value(value, dialect)
    elif cast == "d":
        keys = [_datetime_key(value, dialect)]
    elif cast == "t":
        keys = [_code_point_order(value.string(), dialect)]
    else:
        keys = [_cast_expression(value, cast, dialect)]
    if descending:
        return [key.desc().nulls_last() for key in keys]
    return [key.asc().nulls_first() for key in keys]


def _code_point_order(text: ColumnElement[Any], dialect: Dialect) -> ColumnElement[Any]:
    return text.collate("C") if dialect.name == "postgresql" else text


def _type_then_value(value: JsonValue, dialect: Dialect) -> list[ColumnElement[Any]]:
    rank = case(
        (value.is_null(), 0),
        (value.has_type("boolean"), 1),
        (value.has_type("number"), 2),
        (value.has_type("string"), 3),
        (value.has_type("array"), 4),
        else_=5,
    )
    scalar = case((value.has_type("boolean"), case((value.equals(True), 1), else_=0)), else_=value.number())
    return [rank, scalar, _code_point_order(value.string(), dialect)]


def _datetime_key(value: JsonValue, dialect: Dialect) -> ColumnElement[Any]:
    """Microseconds since the epoch (UTC) of an ISO string, by arithmetic that cannot fail."""
    text = value.string()
    if dialect.name == "sqlite":
        return func.provgraph_datetime_key(text, type_=BigInteger)

    def field(start: int, length: int) -> ColumnElement[Any]:
        return cast(func.substr(text, start, length), BigInteger)

    year, month, day = field(1, 4), field(6, 2), field(9, 2)
    hour, minute, second = field(12, 2), field(15, 2), field(18, 2)
    fraction = func.coalesce(func.substring(text, literal(r"\.([0-9]+)", Text)), "")
    micro = cast(func.rpad(func.substr(fraction, 1, 6), 6, "0"), BigInteger)
    offset = func.substring(text, literal("([+-][0-9]{2}:[0-9]{2})$", Text))
    sign = case((func.substr(offset, 1, 1) == "-", -1), else_=1)
    offset_seconds = func.coalesce(
        sign
        * (
            cast(func.substr(offset, 2, 2), BigInteger) * 3600
            + cast(func.substr(offset, 5, 2), BigInteger) * 60
        ),
        0,
    )
    # sqlite_functions.days_from_civil, term by term (all operands non-negative)
    shifted = year + 400 - case((month <= 2, 1), else_=0)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146097 + day_of_era - 719468 - 146097
    seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds
    matches = text.op("~", is_comparison=True)(literal(DATETIME_PATTERN, Text))
    return case((matches, seconds * 1_000_000 + micro))
