"""``node.inputs`` / ``node.outputs``: a process node's neighbours by link label (``NodeLinksManager``).

Link labels flatten port namespaces with ``__``; the manager unflattens them, so that
``node.inputs.nested.sub.name`` reads the input linked as ``nested__sub__name``. The old spelling
``node.inputs.nested__sub__name`` still works and warns (aiida-core deprecated it). Attribute access
raises ``NotExistentAttributeError`` (an ``AttributeError``, so ``getattr(..., default)`` and tab
completion work), item access ``NotExistentKeyError`` (a ``KeyError``, as a dict would).

Every access reads the links afresh (two queries), so the manager never shows stale links.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from provgraph.common.extendeddicts import AttributeDict
from provgraph.common.warnings import warn_deprecation
from provgraph.exceptions import NotExistent, NotExistentAttributeError, NotExistentKeyError
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.links import PORT_NAMESPACE_SEPARATOR

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["AttributeManager", "NodeLinksManager"]


def _attribute_dicts(level: Mapping[str, Any]) -> AttributeDict:
    """Nested dicts as nested ``AttributeDict``s (a namespace reads as attributes at every depth)."""
    return AttributeDict(
        {key: _attribute_dicts(value) if isinstance(value, dict) else value for key, value in level.items()}
    )


class NodeLinksManager:
    """The nodes linked to ``node`` by ``link_type``, incoming or outgoing, by (nested) link label."""

    _namespace_separator = PORT_NAMESPACE_SEPARATOR

    def __init__(self, node: Node, link_type: LinkType, incoming: bool) -> None:
        from provgraph.orm.nodes.node import Node

        if not isinstance(node, Node):
            raise TypeError(f"node must be a Node, got {type(node).__name__}")
        if not isinstance(link_type, LinkType):
            raise TypeError(f"link_type must be a LinkType, got {link_type!r}")
        self._node = node
        self._link_type = link_type
        self._incoming = incoming

    def _namespaces(self) -> AttributeDict:
        links = self._node.base.links
        found = (
            links.get_incoming(link_type=self._link_type)
            if self._incoming
            else links.get_outgoing(link_type=self._link_type)
        )
        return _attribute_dicts(found.nested())

    def _get(self, label: str) -> Any:
        """The node (or namespace) at ``label``; ``NotExistent`` if there is none."""
        namespaces = self._namespaces()
        if label in namespaces:
            return namespaces[label]
        separator = self._namespace_separator
        if separator not in label or (label.startswith(separator) and label.endswith(separator)):
            raise NotExistent(label)
        warn_deprecation(
            "reading a link label with double underscores is deprecated: write the namespaces with dots, "
            f"`{label.replace(separator, '.')}` instead of `{label}`",
            version=3,
            stacklevel=3,
        )
        found: Any = namespaces
        for part in label.split(separator):
            if not isinstance(found, Mapping) or part not in found:
                raise NotExistent(label)
            found = found[part]
        return found

    def _describe_missing(self, label: str) -> str:
        direction = "an input" if self._incoming else "an output"
        return f"Node<{self._node.pk}> does not have {direction} with link label '{label}'"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # dunder lookups (copy, pickle, ...) are never link labels
        try:
            return self._get(name)
        except NotExistent:
            raise NotExistentAttributeError(self._describe_missing(name)) from None

    def __getitem__(self, name: str) -> Any:
        try:
            return self._get(name)
        except NotExistent:
            raise NotExistentKeyError(self._describe_missing(name)) from None

    def __contains__(self, key: str) -> bool:
        separator = self._namespace_separator
        if separator not in key:
            return key in self._namespaces()
        warn_deprecation(
            "The use of double underscores in keys is deprecated. Please expand the namespaces manually: "
            "`'nested' in node.inputs and 'key' in node.inputs.nested` "
            "instead of `'nested__key' in node.inputs`",
            version=3,
        )
        found: Any = self._namespaces()
        for part in key.split(separator):
            if not isinstance(found, Mapping) or part not in found:
                return False
            found = found[part]
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._namespaces()))

    def __dir__(self) -> list[str]:
        return sorted({*dir(type(self)), *self._namespaces()})

    def __getstate__(self) -> dict[str, Any]:
        return {"_node": self._node, "_link_type": self._link_type, "_incoming": self._incoming}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __str__(self) -> str:
        direction = "incoming" if self._incoming else "outgoing"
        return f"Manager for {direction} {self._link_type.value.upper()} links for node pk={self._node.pk}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self}>"


class AttributeManager:
    """A node's attributes as Python attributes and items (aiida-core's ``AttributeManager``).

    Read-only: ``AttributeManager(node).cell`` is ``node.base.attributes.get("cell")``; a missing
    key raises ``NotExistentAttributeError`` (attribute access) or ``NotExistentKeyError`` (item
    access), and ``dir()`` lists the keys for tab completion.

    Example::

        attributes = AttributeManager(orm.Int(5))
        attributes.value        # 5
        attributes["value"]     # 5
    """

    def __init__(self, node: Node) -> None:
        object.__setattr__(self, "_node", node)

    def _all(self) -> dict[str, Any]:
        values: dict[str, Any] = self._node.base.attributes.all
        return values

    def __dir__(self) -> list[str]:
        return sorted({*self._all(), *super().__dir__()})

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def _get_dict(self) -> dict[str, Any]:
        """Every attribute, as a dict."""
        return self._all()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        values = self._all()
        if name not in values:
            raise NotExistentAttributeError(f"node {self._node.pk} has no attribute {name!r}")
        return values[name]

    def __getitem__(self, name: str) -> Any:
        values = self._all()
        if name not in values:
            raise NotExistentKeyError(f"node {self._node.pk} has no attribute {name!r}")
        return values[name]
