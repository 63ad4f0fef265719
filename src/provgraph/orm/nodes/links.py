"""A node's links: adding incoming ones (``node.base.links``) and reading both directions.

Links into an unstored node wait in its incoming cache and are written with the node; links
between two stored nodes are written at once. Reading the neighbours of a node costs two
queries whatever their number: one for the link rows, one for the node rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from provgraph.exceptions import LinkArgumentTypeError, LinkValidationError, MultipleObjectsError, NotExistent
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.types import base_node_class, is_node, node_from_row
from provgraph.storage.abstract import EntityTypes, In, Like

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["LinkManager", "LinkPair", "LinkTriple", "NodeLinks"]

PORT_NAMESPACE_SEPARATOR = "__"


class LinkPair(NamedTuple):
    link_type: LinkType
    link_label: str


class LinkTriple(NamedTuple):
    """A neighbour and the link to it; ``node`` is the UUID string when asked for ``only_uuid``."""

    node: Node
    link_type: LinkType
    link_label: str


class LinkManager:
    """The result of ``get_incoming`` / ``get_outgoing``: link triples with helpers to pick from them."""

    def __init__(self, link_triples: list[LinkTriple]) -> None:
        self.link_triples = link_triples

    def __iter__(self) -> Iterator[LinkTriple]:
        return iter(self.link_triples)

    def __len__(self) -> int:
        return len(self.link_triples)

    def __bool__(self) -> bool:
        return bool(self.link_triples)

    def __repr__(self) -> str:
        return f"<LinkManager: {len(self.link_triples)} links>"

    def one(self) -> LinkTriple:
        """The only triple: ``NotExistent`` if there is none, ``MultipleObjectsError`` if several."""
        if not self.link_triples:
            raise NotExistent("no links match; check the link type and label filters")
        if len(self.link_triples) > 1:
            labels = [triple.link_label for triple in self.link_triples]
            raise MultipleObjectsError(f"{len(labels)} links match (labels {labels}); narrow the filters")
        return self.link_triples[0]

    def first(self) -> LinkTriple | None:
        return self.link_triples[0] if self.link_triples else None

    def all(self) -> list[LinkTriple]:
        return self.link_triples

    def all_nodes(self) -> list[Node]:
        return [triple.node for triple in self.link_triples]

    def all_link_pairs(self) -> list[LinkPair]:
        return [LinkPair(triple.link_type, triple.link_label) for triple in self.link_triples]

    def all_link_labels(self) -> list[str]:
        return [triple.link_label for triple in self.link_triples]

    def get_node_by_label(self, label: str) -> Node:
        """The neighbour linked with ``label``; ``NotExistent`` or ``MultipleObjectsError`` otherwise."""
        found = [triple.node for triple in self.link_triples if triple.link_label == label]
        if not found:
            labels = sorted(set(self.all_link_labels()))
            raise NotExistent(f"no neighbour linked with label {label!r}; the labels are {labels}")
        if len(found) > 1:
            raise MultipleObjectsError(f"{len(found)} neighbours are linked with label {label!r}")
        return found[0]

    def nested(self, sort: bool = True) -> dict[str, Any]:
        """The neighbours in nested dicts, splitting labels at ``__`` (flattened port namespaces).

        ``KeyError`` if two links give the same name in one namespace. With ``sort``, each level
        lists namespaces first, then nodes, each by name.
        """
        nested: dict[str, Any] = {}
        for triple in self.link_triples:
            *namespaces, name = triple.link_label.split(PORT_NAMESPACE_SEPARATOR)
            level = nested
            for space in namespaces:
                inner = level.setdefault(space, {})
                if not isinstance(inner, dict):
                    raise KeyError(f"label {triple.link_label!r}: {space!r} is both a node and a namespace")
                level = inner
            if name in level:
                raise KeyError(f"duplicate label {name!r} in namespace {'.'.join(namespaces)!r}")
            level[name] = triple.node
        return _sorted(nested) if sort else nested


def _sorted(level: dict[str, Any]) -> dict[str, Any]:
    items = sorted(level.items(), key=lambda item: (not isinstance(item[1], dict), item[0]))
    return {key: _sorted(value) if isinstance(value, dict) else value for key, value in items}


def _link_types(link_type: LinkType | Sequence[LinkType]) -> tuple[LinkType, ...]:
    types = (link_type,) if isinstance(link_type, LinkType) else tuple(link_type)
    for item in types:
        if not isinstance(item, LinkType):
            raise LinkArgumentTypeError(f"link_type must be a LinkType or a sequence of them, got {item!r}")
    return types


def _like(pattern: str, text: str) -> bool:
    """SQL ``LIKE`` (``%`` any run, ``_`` one character, case-sensitive) on a Python string."""
    regex = "".join(".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


class NodeLinks:
    """``node.base.links``: AiiDA's link API for one node."""

    __slots__ = ("_node",)

    def __init__(self, node: Node) -> None:
        self._node = node

    @property
    def pending_incoming(self) -> list[LinkTriple]:
        """The node's own list of links waiting for its store (kept on the node: this view holds
        no state); the store path and the link rules read it, nobody else should change it."""
        return self._node._pending_links()

    @property
    def incoming_cache(self) -> list[LinkTriple]:
        """The incoming links that will be written when the node is stored (a copy)."""
        return list(self.pending_incoming)

    def discard_incoming(self, source: Node) -> None:
        """Forget the pending links from ``source`` (e.g. a failed process's CREATE links)."""
        pending = self.pending_incoming
        pending[:] = [triple for triple in pending if triple.node is not source]

    # -- adding ---------------------------------------------------------------------------------

    def validate_incoming(self, source: Node, link_type: LinkType, link_label: str) -> None:
        """Raise ``LinkValidationError`` unless ``source`` may link into this node."""
        self._node._validate_incoming(source, link_type, link_label)

    def validate_outgoing(self, target: Node, link_type: LinkType, link_label: str) -> None:
        """Raise ``LinkValidationError`` unless this node may link to ``target``."""
        self._node._validate_outgoing(target, link_type, link_label)

    def add_incoming(self, source: Node, link_type: LinkType, link_label: str) -> None:
        """Link ``source`` to this node: written now if both are stored, else when this node is stored.

        A stored node cannot receive a link from an unstored one (store the source first). Between
        stored nodes the checks and the insert share one transaction, so that on SQLite (one
        writer at a time) no concurrent writer can slip a conflicting link in between.
        """
        node = self._node
        if not node.is_stored:
            self._validate(source, link_type, link_label)
            self.pending_incoming.append(LinkTriple(source, link_type, link_label))
            return
        if is_node(source) and not source.is_stored:
            raise LinkValidationError(
                f"cannot link unstored {type(source).__name__} {source.uuid} to stored node pk={node.pk}; "
                "store the source first"
            )
        with node.backend.transaction():
            self._validate(source, link_type, link_label)
            row = {"input_id": source.pk, "output_id": node.pk, "label": link_label, "type": link_type.value}
            node.backend.bulk_insert(EntityTypes.LINK, [row])

    def _validate(self, source: Node, link_type: LinkType, link_label: str) -> None:
        self.validate_incoming(source, link_type, link_label)
        source.base.links.validate_outgoing(self._node, link_type, link_label)

    # -- reading --------------------------------------------------------------------------------

    def get_stored_link_triples(
        self,
        node_class: type[Node] | None = None,
        link_type: LinkType | Sequence[LinkType] = (),
        link_label_filter: str | None = None,
        link_direction: str = "incoming",
        only_uuid: bool = False,
    ) -> list[LinkTriple]:
        """The stored links of this node in one direction, in the order they were made."""
        if link_direction not in ("incoming", "outgoing"):
            raise LinkValidationError(
                f"link_direction must be 'incoming' or 'outgoing', got {link_direction!r}"
            )
        node = self._node
        if node.pk is None:
            return []
        incoming = link_direction == "incoming"
        here, there = ("output_id", "input_id") if incoming else ("input_id", "output_id")
        filters: dict[str, Any] = {here: node.pk}
        types = _link_types(link_type)
        if types:
            filters["type"] = In(tuple(item.value for item in types))
        if link_label_filter is not None:
            filters["label"] = Like(link_label_filter)
        backend = node.backend
        links = backend.get_rows(EntityTypes.LINK, filters, columns=[there, "label", "type"])
        if not links:
            return []
        neighbours = _load_neighbours(node, {link[there] for link in links}, node_class, only_uuid)
        return [
            LinkTriple(neighbours[link[there]], LinkType(link["type"]), link["label"])
            for link in links
            if link[there] in neighbours
        ]

    def get_incoming(
        self,
        node_class: type[Node] | None = None,
        link_type: LinkType | Sequence[LinkType] = (),
        link_label_filter: str | None = None,
        only_uuid: bool = False,
    ) -> LinkManager:
        """Links into this node, stored and cached; ``link_label_filter`` is a SQL LIKE pattern."""
        triples = self.get_stored_link_triples(
            node_class, link_type, link_label_filter, "incoming", only_uuid
        )
        types = _link_types(link_type)
        for triple in self.pending_incoming:
            if types and triple.link_type not in types:
                continue
            if node_class is not None and not isinstance(triple.node, node_class):
                continue
            if link_label_filter is not None and not _like(link_label_filter, triple.link_label):
                continue
            source = cast("Node", triple.node.uuid) if only_uuid else triple.node
            triples.append(LinkTriple(source, triple.link_type, triple.link_label))
        return LinkManager(triples)

    def get_outgoing(
        self,
        node_class: type[Node] | None = None,
        link_type: LinkType | Sequence[LinkType] = (),
        link_label_filter: str | None = None,
        only_uuid: bool = False,
    ) -> LinkManager:
        """Stored links out of this node; ``link_label_filter`` is a SQL LIKE pattern."""
        return LinkManager(
            self.get_stored_link_triples(node_class, link_type, link_label_filter, "outgoing", only_uuid)
        )


def _load_neighbours(
    node: Node, ids: set[int], node_class: type[Node] | None, only_uuid: bool
) -> dict[int, Node]:
    """The nodes with ``ids`` (restricted to ``node_class``) in one query, by pk."""
    filters: dict[str, Any] = {"id": In(tuple(ids))}
    cls = node_class or base_node_class()
    filters.update(cls._class_filters())
    backend = node.backend
    if only_uuid:
        rows = backend.get_rows(EntityTypes.NODE, filters, columns=["id", "uuid"])
        return {row["id"]: cast("Node", row["uuid"]) for row in rows}
    rows = backend.get_rows(EntityTypes.NODE, filters)
    loaded = (node_from_row(backend, row) for row in rows)
    return {entity.pk: entity for entity in loaded if isinstance(entity, cls) and entity.pk is not None}
