"""Rendering for the terminal: nested mappings as indented text, secrets masked."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["mask_secrets", "render_mapping"]

_SECRET_KEY = re.compile(r"password|secret|token", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)(?P<password>[^@\s]+)(?P<tail>@)")
MASK = "****"


def mask_secrets(value: Any) -> Any:
    """A copy of ``value`` with passwords (by key, or inside URLs) replaced by ``****``."""
    if isinstance(value, Mapping):
        return {
            key: (MASK if _SECRET_KEY.search(str(key)) and item else mask_secrets(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    if isinstance(value, str):
        return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['tail']}", value)
    return value


def render_mapping(value: Mapping[str, Any]) -> str:
    """Indented ``key: value`` lines (YAML-like, as ``verdi storage info`` prints)."""
    return "\n".join(_lines(value, 0))


def _lines(value: Any, depth: int) -> Iterator[str]:
    indent = "  " * depth
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping) and item:
                yield f"{indent}{key}:"
                yield from _lines(item, depth + 1)
            elif isinstance(item, list) and item:
                yield f"{indent}{key}:"
                yield from (f"{indent}- {_scalar(element)}" for element in item)
            else:
                yield f"{indent}{key}: {_scalar(item)}"
    else:
        yield f"{indent}{_scalar(value)}"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return "{}" if isinstance(value, Mapping) else "[]"
    return str(value)
