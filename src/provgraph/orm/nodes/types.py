"""Node type strings (``db_dbnode.node_type``) and the classes they load as.

AiiDA names a node's class in each row (``data.core.int.Int.``); the same strings are used here so
that rows written by either program load as the right class. A class registers its string with
one keyword: ``class Int(Data, node_type="data.core.int.Int.")``. A string no class registered
(a plugin that is not installed) loads as its closest registered ancestor by prefix, keeping its
own node_type and attributes, so the graph stays browsable.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.storage.abstract import StorageBackend

__all__ = [
    "NodeTypeField",
    "base_node_class",
    "class_for_node_type",
    "class_for_query_prefix",
    "is_node",
    "node_from_row",
    "query_prefix",
    "register_node_class",
    "registered_node_types",
]

LOGGER = logging.getLogger(__name__)

_REGISTRY: dict[str, type[Node]] = {}
# Query prefix -> the most general registered class with that prefix (for unknown-type fallback).
_BY_PREFIX: dict[str, type[Node]] = {}
_WARNED: set[str] = set()
_LOCK = threading.Lock()
_FALLBACK_PREFIX = "data."


def query_prefix(node_type: str) -> str:
    """The node_type without its last component: ``data.core.int.Int.`` -> ``data.core.int.``.

    ``LIKE prefix%`` then matches the class and all its subclasses (AiiDA's query type string).
    """
    if not node_type:
        return ""
    return node_type[: node_type.rstrip(".").rfind(".") + 1]


def register_node_class(cls: type[Node], node_type: str) -> None:
    """Record that rows with ``node_type`` load as ``cls`` (called from ``Node.__init_subclass__``).

    The string must end with ``.`` and extend the query prefix of the class's registered parent,
    so that queries for the parent also find it. Registering a string twice is refused unless it
    is the same class defined again (a module reloaded).
    """
    if node_type and not node_type.endswith("."):
        raise InputValidationError(f"node_type {node_type!r} of {cls.__qualname__} must end with '.'")
    parent: type[Node] | None = next(
        (base for base in cls.__mro__[1:] if base.__dict__.get("_is_registered")), None
    )
    if parent is not None:
        prefix = query_prefix(parent.class_node_type)
        if not node_type.startswith(prefix) or node_type == parent.class_node_type:
            raise InputValidationError(
                f"node_type {node_type!r} of {cls.__qualname__} must start with {prefix!r} "
                f"(the prefix of its parent {parent.__qualname__}) and differ from the parent's"
            )
    with _LOCK:
        existing = _REGISTRY.get(node_type)
        if existing is not None and _name(existing) != _name(cls):
            raise InputValidationError(
                f"node_type {node_type!r} is registered by {_name(existing)} already; "
                f"choose another for {_name(cls)}"
            )
        _REGISTRY[node_type] = cls
        prefix = query_prefix(node_type)
        general = _BY_PREFIX.get(prefix)
        if general is None or _name(general) == _name(cls) or issubclass(general, cls):
            _BY_PREFIX[prefix] = cls


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def node_from_row(backend: StorageBackend, row: Mapping[str, Any]) -> Node:
    """A stored row as an instance of the class its node_type names (see :func:`class_for_node_type`).

    Modules below ``node.py`` (links, caching, comments) load nodes through this, not by
    importing ``Node``: the registry already knows every node class.
    """
    return class_for_node_type(row["node_type"])._from_row(backend, row)


def base_node_class() -> type[Node]:
    """``Node`` itself (registered with the empty node_type), for checks below ``node.py``."""
    return _REGISTRY[""]


def is_node(value: object) -> bool:
    """Whether ``value`` is a node, of any class."""
    root = _REGISTRY.get("")
    return root is not None and isinstance(value, root)


def registered_node_types() -> dict[str, type[Node]]:
    """A copy of the registry: node_type string -> class."""
    with _LOCK:
        return dict(_REGISTRY)


def class_for_node_type(node_type: str) -> type[Node]:
    """The class to load a row of ``node_type`` as: the registered one, else the closest ancestor.

    An unknown string warns once per process (a log record, not a Python warning) and loads as
    the registered class of its longest known prefix (``data.foo.bar.BarData.`` -> Data,
    ``process.calculation.x.Y.`` -> CalculationNode); with no known prefix, as Data (AiiDA does
    the same).
    """
    found = _REGISTRY.get(node_type)
    if found is not None:
        return found
    cls = _closest_ancestor(node_type)
    if node_type not in _WARNED:
        _WARNED.add(node_type)
        LOGGER.warning(
            "no class is registered for node_type %r (a plugin that is not installed?); "
            "loading such nodes as %s",
            node_type,
            cls.__qualname__,
        )
    return cls


def class_for_query_prefix(prefix: str) -> type[Node] | None:
    """The most general registered class whose node_type has the query ``prefix``
    (``data.core.int.`` -> Int), or None."""
    with _LOCK:
        return _BY_PREFIX.get(prefix)


def _closest_ancestor(node_type: str) -> type[Node]:
    prefix = query_prefix(node_type) if node_type.endswith(".") else node_type[: node_type.rfind(".") + 1]
    while prefix:
        found = _BY_PREFIX.get(prefix)
        if found is not None:
            return found
        prefix = query_prefix(prefix)
    return _BY_PREFIX.get(_FALLBACK_PREFIX) or _REGISTRY[""]


class NodeTypeField:
    """``Cls.node_type`` is the class's string; ``node.node_type`` the row's (they differ for
    nodes of an unknown type loaded as their closest ancestor)."""

    def __get__(self, instance: Node | None, owner: type[Node]) -> str:
        if instance is None:
            return owner.class_node_type
        return str(instance._column("node_type"))
