"""Validation of the JSON values nodes keep in their attributes and extras.

Both SQL dialects must return exactly what was stored, so values are checked against what *both*
can hold: JSON types only, no NaN or infinities, no NUL characters or lone surrogates in
strings (PostgreSQL's JSONB refuses them), string keys only. Errors name the full key path
(``attribute 'a.b[2]'``) so that a deeply nested mistake can be found.

Integral floats of magnitude 1e16 and above are stored as ints, as AiiDA does: Python writes them
in exponent notation, which PostgreSQL's JSONB normalises to an integer, so without this the two
backends would return different types for the same value. (Unlike AiiDA, other floats are not
rounded to 14 digits: both backends return every finite float exactly.)
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from provgraph.exceptions import InputValidationError

__all__ = ["checked_value", "clean_value", "copy_value", "validate_key"]

# Python writes floats from this magnitude on in exponent notation (``repr(1e16) == '1e+16'``).
_EXPONENT_MAGNITUDE = 1e16

FIELD_SEPARATOR = "."
"""Separates nested keys in queries (``attributes.a.b``), so top-level keys may not contain it."""


def validate_key(key: object, what: str = "attribute") -> str:
    """Return ``key`` if it can name a top-level attribute or extra, else raise ``InputValidationError``."""
    if not isinstance(key, str) or not key:
        raise InputValidationError(f"{what} keys must be non-empty strings, got {key!r}")
    if FIELD_SEPARATOR in key:
        raise InputValidationError(
            f"{what} key {key!r} contains {FIELD_SEPARATOR!r}, which separates nested keys in queries; "
            "use a nested dict instead"
        )
    _check_string(key, key, what, "key")
    return key


def clean_value(value: Any, path: str, what: str = "attribute") -> Any:
    """A JSON-ready copy of ``value``: tuples become lists, numpy scalars Python numbers.

    ``path`` names the value in errors (``'a.b'``); ``what`` says what it is (attribute, extra).
    Raises ``InputValidationError`` for anything the database could not give back unchanged.
    """
    kind = type(value)
    if kind is str:
        return _check_string(value, path, what, "value")
    if value is None or kind is bool or kind is int:
        return value
    if kind is float:
        return _clean_float(value, path, what)
    if kind is dict:
        return _clean_dict(value, path, what)
    if kind is list or kind is tuple:
        return [clean_value(item, f"{path}[{index}]", what) for index, item in enumerate(value)]
    return _clean_other(value, path, what)


def checked_value(value: Any, path: str, what: str = "attribute") -> Any:
    """``value`` itself if it is a JSON value as it stands, else its cleaned copy (:func:`clean_value`).

    What unstored nodes keep: aiida-core holds the very objects it was given until the node is
    stored, so a dict set as an attribute and changed afterwards changes the node too. Invalid
    values are refused here all the same; the store cleans (copies) everything again.
    """
    if _is_clean(value, path, what):
        return value
    return clean_value(value, path, what)


def _is_clean(value: Any, path: str, what: str) -> bool:
    """Whether ``value`` needs no conversion; raises like :func:`clean_value` for invalid values."""
    kind = type(value)
    if kind is str:
        _check_string(value, path, what, "value")
        return True
    if kind is float:
        return _clean_float(value, path, what) is value
    if kind is dict:
        return _is_clean_dict(value, path, what)
    if kind is list:
        clean = True
        for index, item in enumerate(value):
            clean = _is_clean(item, f"{path}[{index}]", what) and clean
        return clean
    return value is None or kind is bool or kind is int


def _is_clean_dict(value: dict[Any, Any], path: str, what: str) -> bool:
    clean = True
    for key, item in value.items():
        if type(key) is not str:
            return False  # clean_value names the key in its error
        inner = f"{path}.{key}"
        _check_string(key, inner, what, "key")
        clean = _is_clean(item, inner, what) and clean
    return clean


def _clean_dict(value: dict[Any, Any], path: str, what: str) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, item in value.items():
        if type(key) is not str:
            raise InputValidationError(
                f"{what} {path!r} has the key {key!r} of type {type(key).__name__}; JSON keys must be strings"
            )
        inner = f"{path}.{key}"
        _check_string(key, inner, what, "key")
        cleaned[key] = clean_value(item, inner, what)
    return cleaned


def _clean_float(value: float, path: str, what: str) -> float | int:
    if not math.isfinite(value):
        raise InputValidationError(
            f"{what} {path!r} holds a float({str(value)!r}), which JSON cannot represent; "
            "store None or a string instead"
        )
    if abs(value) >= _EXPONENT_MAGNITUDE and value.is_integer():
        # The integer PostgreSQL would make of the text (1.5e300 -> 15 followed by 299 zeros).
        return int(Decimal(repr(value)))
    return value


def _check_string(value: str, path: str, what: str, part: str) -> str:
    if "\x00" in value:
        raise InputValidationError(
            f"{what} {path!r} has a {part} with a NUL character, which PostgreSQL cannot store in JSON"
        )
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise InputValidationError(
                f"{what} {path!r} has a {part} with a lone surrogate ({exc.reason}); it is not valid unicode"
            ) from exc
    return value


# Subclasses of the JSON types (an IntEnum, a str subclass, an OrderedDict) become the base type.
_BASE_TYPES: tuple[type, ...] = (bool, str, int, float, dict, list, tuple)


def _clean_other(value: Any, path: str, what: str) -> Any:
    """Subclasses of the JSON types and numpy scalars; everything else is refused."""
    for base in _BASE_TYPES:
        if isinstance(value, base):
            # ``str()`` of a str-mixin Enum is its name, not its value; ``str.__str__`` is the text.
            converted = str.__str__(value) if base is str else base(value)
            return clean_value(converted, path, what)
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        # A numpy scalar (numpy is never imported here: only values that come from it are seen).
        return clean_value(value.item(), path, what)
    raise InputValidationError(
        f"{what} {path!r} holds a {type(value).__name__} ({_short(value)}), which is not a JSON value; "
        "use dict, list, str, int, float, bool or None"
    )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def copy_value(value: Any) -> Any:
    """A deep copy of a JSON value (several times faster than ``copy.deepcopy`` for these)."""
    kind = type(value)
    if kind is dict:
        return {key: copy_value(item) for key, item in value.items()}
    if kind is list:
        return [copy_value(item) for item in value]
    return value
