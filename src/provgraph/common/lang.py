"""Small language helpers with aiida-core's names (``aiida.common.lang``).

Example::

    from provgraph.common.lang import type_check
    type_check(5, int)                     # returns 5
    type_check("5", int)                   # TypeError naming both types
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["classproperty", "isidentifier", "override", "type_check"]

T = TypeVar("T")
R = TypeVar("R")


def isidentifier(identifier: str) -> bool:
    """Whether ``identifier`` can name a Python variable (and is not a keyword)."""
    return identifier.isidentifier() and not keyword.iskeyword(identifier)


def type_check(what: T, of_type: Any, msg: str | None = None, allow_none: bool = False) -> T:
    """Return ``what`` if it is an ``of_type`` (or None when allowed), else raise ``TypeError``."""
    if allow_none and what is None:
        return what
    if not isinstance(what, of_type):
        raise TypeError(msg or f"Got object of type {type(what)}, expecting {of_type}")
    return what


def override(method: Callable[..., R]) -> Callable[..., R]:
    """Mark a method as overriding one of its base class (documentation only, as in aiida-core)."""
    return method


class classproperty(Generic[R]):
    """A read-only property of the class itself: ``Node.class_node_type`` without an instance."""

    def __init__(self, getter: Callable[[Any], R]) -> None:
        self.getter = getter

    def __get__(self, instance: Any, owner: type) -> R:
        return self.getter(owner)
