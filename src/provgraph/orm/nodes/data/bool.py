"""aiida-core's module path ``aiida.orm.nodes.data.bool``: ``Bool`` and its two helpers."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.bool import Bool

__all__ = ["Bool", "get_false_node", "get_true_node"]


def get_true_node() -> Bool:
    """A new, unstored ``Bool(True)`` (a function, not a module constant: a node needs a loaded
    profile, which does not exist at import time)."""
    return Bool(True)


def get_false_node() -> Bool:
    """A new, unstored ``Bool(False)``."""
    return Bool(False)
