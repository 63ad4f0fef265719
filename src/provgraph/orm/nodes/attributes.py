"""``node.base.attributes`` and ``node.base.extras``: the two JSON dicts of a node.

Attributes describe what a node *is* and freeze when it is stored (a class may name a few keys
that stay updatable, e.g. a process's state); extras are the user's annotations and stay
mutable, each change writing the row's extras column in one UPDATE. Values are checked on the
way in (:mod:`provgraph.orm.json`) and again at store. An unstored node keeps the very objects
it was given and returns them (aiida-core's behaviour: changing a dict after setting it changes
the node); storing copies them all, and reads of a stored node return copies, so the stored
state cannot be changed behind the database's back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from provgraph.exceptions import ModificationNotAllowed
from provgraph.orm.json_fields import JsonFields

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["NodeAttributes", "NodeExtras"]


class NodeAttributes(JsonFields):
    """The attributes of a node: immutable once stored, except the class's ``_updatable_attributes``."""

    _column = "attributes"
    _what = "attribute"
    _by_reference = True  # the store copies every value (``batch._row_to_insert``)
    __slots__ = ("_node",)

    def __init__(self, node: Node) -> None:
        super().__init__(node)
        self._node = node

    def _check_mutable(self, keys: Iterable[str] | None) -> None:
        self._node._check_attributes_mutable(keys)


class NodeExtras(JsonFields):
    """The extras of a node: mutable at any time; on a stored node each change is one UPDATE."""

    _column = "extras"
    _what = "extra"
    _by_reference = True
    __slots__ = ()


def refuse_stored_change(node: Node, what: str) -> ModificationNotAllowed:
    """The error for changing an immutable part of a stored node."""
    return ModificationNotAllowed(
        f"cannot change {what} of stored node pk={node.pk}: it is immutable once stored; "
        "create a new node (extras, label and description stay changeable)"
    )
