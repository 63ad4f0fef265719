"""SQLite user functions that give the QueryBuilder's JSON filters PostgreSQL's answers.

SQLite's JSON functions lack three things PostgreSQL's ``jsonb`` has: structural equality (key
order ignored, ``5 == 5.0``), the ``@>`` containment operator, and key lookup that decodes
escaped keys (SQLite 3.40 compares a path's key with the key's raw, still escaped, JSON text).
These functions supply them, plus a sortable key for ISO time strings. Each takes JSON text,
returns an SQL value, and never raises: anything malformed answers NULL (or 0 for a test).
:func:`register_functions` installs them on every new SQLite connection (see ``engines.py``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

__all__ = [
    "DATETIME_PATTERN",
    "datetime_key",
    "json_child",
    "json_contains",
    "json_equal",
    "register_functions",
]

_MISSING = object()


def _load(text: Any) -> Any:
    if not isinstance(text, str):
        return _MISSING
    try:
        return json.loads(text)
    except ValueError:
        return _MISSING


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_container(value: Any) -> bool:
    return isinstance(value, (list, dict))


def same_json(left: Any, right: Any) -> bool:
    """JSON equality as ``jsonb =``: same JSON type, numbers by value, objects by key set."""
    if _is_number(left) or _is_number(right):
        return _is_number(left) and _is_number(right) and left == right
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(same_json(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(same_json(value, right[key]) for key, value in left.items())
        )
    # null, booleans, strings: type and value (bool is compared as bool, never as a number)
    return type(left) is type(right) and left == right


def contains_json(document: Any, wanted: Any) -> bool:
    """``document @> wanted`` for two containers, by PostgreSQL's rules (``JsonbDeepContains``).

    An object holds every key of ``wanted`` with a contained value (scalars equal, containers
    contained recursively, kinds equal); an array holds, for every item of ``wanted``, an equal
    scalar item or a container item that contains it. Scalars are never unwrapped.
    """
    if isinstance(wanted, dict):
        return isinstance(document, dict) and all(
            key in document and _holds(document[key], value) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return isinstance(document, list) and all(
            any(_is_container(have) == _is_container(item) and _holds(have, item) for have in document)
            for item in wanted
        )
    return False


def _holds(have: Any, wanted: Any) -> bool:
    """Containment of two containers, equality of anything else (a container never equals a scalar)."""
    if _is_container(have) and _is_container(wanted):
        return contains_json(have, wanted)
    return same_json(have, wanted)


def json_child(document: Any, key: Any) -> str | None:
    """The JSON text of ``document[key]`` if ``document`` is an object holding ``key``."""
    value = _load(document)
    if not isinstance(value, dict) or not isinstance(key, str) or key not in value:
        return None
    return json.dumps(value[key])


def json_equal(document: Any, value: Any) -> int:
    """1 if the two JSON texts are equal JSON values (see :func:`same_json`), else 0."""
    left, right = _load(document), _load(value)
    if left is _MISSING or right is _MISSING:
        return 0
    return int(same_json(left, right))


def json_contains(document: Any, value: Any) -> int:
    """1 if JSON text ``document`` contains ``value`` (see :func:`contains_json`), else 0."""
    left, right = _load(document), _load(value)
    if left is _MISSING or right is _MISSING:
        return 0
    return int(contains_json(left, right))


DATETIME_PATTERN = (
    r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
"""The ISO 8601 form ordering by time understands (what ``datetime.isoformat()`` writes).

The same pattern is used by PostgreSQL's ``~``; it means the same in both regex dialects."""

_DATETIME = re.compile(DATETIME_PATTERN)


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, by integer arithmetic only.

    Fields are not validated (month 13 simply counts on), so the PostgreSQL twin of this
    formula can never fail on a malformed date. Every intermediate value is non-negative for
    years 0000-9999, so truncating and floor division agree.
    """
    shifted = year + 400 - (1 if month <= 2 else 0)
    era = shifted // 400
    year_of_era = shifted - era * 400
    day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468 - 146097


def datetime_key(text: Any) -> int | None:
    """Microseconds since the epoch (UTC) of an ISO time string, None if it has another form.

    A string without offset is taken as UTC; fractions beyond microseconds are cut off.
    """
    match = _DATETIME.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match.group(index)) for index in range(1, 7))
    fraction, offset = match.group(7), match.group(8)
    micro = int((fraction[1:7] if fraction else "").ljust(6, "0"))
    offset_seconds = 0
    if offset and offset != "Z":
        sign = -1 if offset[0] == "-" else 1
        offset_seconds = sign * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60)
    seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return (seconds - offset_seconds) * 1_000_000 + micro


def register_functions(connection: sqlite3.Connection) -> None:
    """Install the functions (``provgraph_*``) on one SQLite connection."""
    for name, arity, function in (
        ("provgraph_json_child", 2, json_child),
        ("provgraph_json_equal", 2, json_equal),
        ("provgraph_json_contains", 2, json_contains),
        ("provgraph_datetime_key", 1, datetime_key),
    ):
        connection.create_function(name, arity, function, deterministic=True)
