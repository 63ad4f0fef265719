"""The QueryBuilder's JSON filter semantics in plain Python: the executable definition.

``docs/querybuilder.md`` ("Filter semantics") states the rules; this module decides every case,
and the conformance tests require SQLite and PostgreSQL to answer exactly as it does. It uses
no SQL and shares no code with the compiler, so a bug has to be made twice to go unnoticed.

A *document* is the Python value of a JSON column (``None`` for SQL NULL or JSON null); a
*path* is a tuple of keys. A path only descends into objects: anything else is :data:`MISSING`.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = [
    "CASTS",
    "JSON_TYPES",
    "MISSING",
    "datetime_order_key",
    "json_contains",
    "json_equal",
    "json_type",
    "like_matches",
    "matches",
    "order_key",
    "project",
    "resolve",
]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""The value at a path that does not exist."""

JSON_TYPES = ("object", "array", "string", "number", "boolean", "null")
CASTS = ("f", "i", "b", "t", "d", "j")


def resolve(document: Any, path: tuple[str, ...]) -> Any:
    value = document
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return MISSING
        value = value[key]
    return value


def json_type(value: Any) -> str | None:
    """The JSON type name of a value; None when it is missing."""
    if value is MISSING:
        return None
    if value is True or value is False:  # before numbers: a bool is an int in Python
        return "boolean"
    for python_types, name in _TYPE_NAMES:
        if isinstance(value, python_types):
            return name
    raise TypeError(f"not a JSON value: {value!r}")


# a filter value may spell an array as a tuple
_TYPE_NAMES: tuple[tuple[Any, str], ...] = (
    (type(None), "null"),
    ((int, float), "number"),
    (str, "string"),
    ((list, tuple), "array"),
    (dict, "object"),
)


def json_equal(left: Any, right: Any) -> bool:
    """Same JSON type and equal; numbers by value; objects ignore key order; True is not 1."""
    kind = json_type(left)
    if kind is None or kind != json_type(right):
        return False
    if kind == "array":
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if kind == "object":
        return set(left) == set(right) and all(json_equal(left[key], right[key]) for key in left)
    return bool(left == right)


def _is_container(value: Any) -> bool:
    return json_type(value) in ("array", "object")


def json_contains(document: Any, wanted: Any) -> bool:
    """PostgreSQL's ``document @> wanted`` where ``wanted`` is a list or a dict.

    Object in object: every key of ``wanted`` is in ``document`` and its value is contained
    (two containers) or equal (otherwise; a scalar never matches a container). Array in array:
    every item of ``wanted`` is equal to a scalar item of ``document`` (if it is a scalar) or
    contained in a container item (if it is a container). Duplicates and order do not matter.
    """
    kind = json_type(wanted)
    if kind not in ("array", "object"):
        raise ValueError("contains takes a list or a dict")
    if json_type(document) != kind:
        return False
    if kind == "object":
        return all(key in document and _item_contains(document[key], item) for key, item in wanted.items())
    return all(
        any(_is_container(have) == _is_container(item) and _item_contains(have, item) for have in document)
        for item in wanted
    )


def _item_contains(have: Any, item: Any) -> bool:
    if _is_container(have) and _is_container(item):
        return json_contains(have, item)
    return json_equal(have, item)


def _fold(text: str) -> str:
    """ilike folds A-Z to a-z and nothing else (the same on every database and locale)."""
    return "".join(chr(ord(char) + 32) if "A" <= char <= "Z" else char for char in text)


def like_matches(pattern: str, text: str, fold_case: bool = False) -> bool:
    """SQL LIKE: ``%`` any run, ``_`` one character, ``\\`` makes the next character literal."""
    if fold_case:
        pattern, text = _fold(pattern), _fold(text)
    regex = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 1
            regex.append(re.escape(pattern[index]))
        elif char == "%":
            regex.append(".*")
        elif char == "_":
            regex.append(".")
        else:
            regex.append(re.escape(char))
        index += 1
    return re.fullmatch("".join(regex), text, flags=re.DOTALL) is not None


def _is_number(value: Any) -> bool:
    return json_type(value) == "number"


def _test(value: Any, operator: str, argument: Any) -> bool:  # noqa: PLR0911, PLR0912
    kind = json_type(value)
    if operator == "==":
        if argument is None:
            return kind in (None, "null")
        return json_equal(value, argument)
    if operator in ("<", "<=", ">", ">=", "=<", "=>"):
        if _is_number(argument):
            if kind != "number":
                return False
        elif kind != "string":
            return False
        name = {"=<": "<=", "=>": ">="}.get(operator, operator)
        return bool(
            {
                "<": value < argument,
                "<=": value <= argument,
                ">": value > argument,
                ">=": value >= argument,
            }[name]
        )
    if operator == "in":
        return any(_test(value, "==", item) for item in argument)
    if operator in ("like", "ilike"):
        return kind == "string" and like_matches(argument, value, fold_case=operator == "ilike")
    if operator == "has_key":
        return kind == "object" and argument in value
    if operator == "contains":
        return kind is not None and json_contains(value, argument)
    if operator in ("of_length", "longer", "shorter"):
        if kind != "array":
            return False
        length: int = len(value)
        if operator == "of_length":
            return bool(length == argument)
        return bool(length > argument if operator == "longer" else length < argument)
    if operator == "of_type":
        return kind == argument or (argument == "null" and kind is None)
    raise ValueError(f"unknown operator {operator!r}")


def matches(document: Any, path: tuple[str, ...], operator: str, argument: Any) -> bool:
    """Whether the value at ``path`` in ``document`` passes ``operator`` (``!``/``~`` negates)."""
    value = resolve(document, path)
    if operator[:1] in ("!", "~"):
        return not _test(value, operator[1:], argument)
    return _test(value, operator, argument)


_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _parse_time(text: str) -> datetime | None:
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def datetime_order_key(text: str) -> int | None:
    """Microseconds since the epoch for strings of ``isoformat()``'s form (valid dates only)."""
    match = _ISO.fullmatch(text)
    if match is None:
        return None
    fraction = match.group(7)
    base = _parse_time(text if not fraction else text.replace(fraction, "", 1))
    if base is None:
        raise ValueError(f"the reference orders valid dates only, not {text!r}")
    micro = int((fraction or ".")[1:7].ljust(6, "0"))
    return (base - _EPOCH) // timedelta(microseconds=1) + micro


def project(document: Any, path: tuple[str, ...], cast: str | None) -> Any:
    """The projected value: JSON as Python, or strictly cast (None when the type does not fit)."""
    value = resolve(document, path)
    kind = json_type(value)
    if cast in (None, "j"):
        return None if value is MISSING else value
    if cast == "f":
        return float(value) if kind == "number" else None
    if cast == "i":
        return int(value) if kind == "number" and -(2**63) < value < 2**63 else None
    if cast == "b":
        return value if kind == "boolean" else None
    if kind != "string":
        return None
    return value if cast == "t" else _parse_time(value)


def order_key(document: Any, path: tuple[str, ...], cast: str | None) -> tuple[Any, ...]:
    """A key whose ascending sort is the database's ascending order (None first).

    Without a cast: null/missing, booleans, numbers, strings, arrays, objects; arrays tie with
    arrays and objects with objects.
    """
    value = resolve(document, path)
    kind = json_type(value)
    if cast in (None, "j"):
        rank = {None: 0, "null": 0, "boolean": 1, "number": 2, "string": 3, "array": 4, "object": 5}[kind]
        return (rank, value if rank in (1, 2) else 0, value if rank == 3 else "")
    if cast == "d":
        key = datetime_order_key(value) if kind == "string" else None
    else:
        key = project(document, path, cast)
    return (0, 0) if key is None else (1, key)
