"""Storing nodes: one (``Node.store``) or a batch (``store_many``), each in one transaction.

A node is one INSERT, plus one INSERT of its cached incoming links, and nothing is read back: the
row was complete in memory since construction. Files go into the object store first, outside
the transaction (no write lock is held while they stream), so a failure leaves at worst
unreferenced objects, never a row pointing at missing content.

Storing nodes one by one costs a transaction each; a batch costs one, with one INSERT of all
node rows and one of all links, whatever its size. Links may point at nodes earlier in the same
batch: the batch is ordered so that every source is written before its targets (a cycle is
refused), and each link gets its source's new pk once the node rows are in.

Every row carries its content hash (the ``_aiida_hash`` extra) when it is inserted, computed
from the row just before the INSERT, so hashing adds no statement. In a batch, a process's
inputs stored in the same batch are hashed first and their hashes passed on.

A node's content can also be fixed ahead of its store (:func:`prepare_rows`): its files go into
the object store, its attributes are copied and its hash computed at once, and a later
``store_many(..., prepared=...)`` writes exactly that content. A process function does this for
the inputs it stores together with its outputs after the function ran, so that the function
cannot change what the graph records as its inputs (:meth:`PreparedRows.check_unchanged` tells).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError, LinkValidationError, ModificationNotAllowed
from provgraph.orm.json import clean_value
from provgraph.orm.nodes.caching import HASH_EXTRA_KEY, NodeCaching
from provgraph.orm.nodes.link_rules import Degree, link_rule
from provgraph.storage.abstract import EntityTypes

if TYPE_CHECKING:
    from provgraph.orm.nodes.links import LinkTriple
    from provgraph.orm.nodes.node import Node

__all__ = ["PreparedRows", "prepare_rows", "store_many", "store_node"]


def store_node(node: Node) -> None:
    """Store one unstored node with its cached incoming links (what ``Node.store`` does)."""
    node._check_storable()
    links = _incoming(node)
    for triple in links:
        if not triple.node.is_stored:
            raise ModificationNotAllowed(
                f"cannot store node {node.uuid}: the source of its {triple.link_type.value} link "
                f"{triple.link_label!r} is not stored; store it first, or use store_all()"
            )
    row = _row_to_insert(node)
    row["extras"][HASH_EXTRA_KEY] = NodeCaching(node).compute_hash_for_store(row)
    backend = node.backend
    if links:
        # Inside our own transaction (a savepoint when nested in the caller's), any failure ends
        # it: per-insert savepoints would only cost round trips.
        with backend.transaction():
            (pk,) = backend.bulk_insert(EntityTypes.NODE, [row], savepoint=False)
            backend.bulk_insert(
                EntityTypes.LINK, [_link_row(triple, triple.node.pk, pk) for triple in links], savepoint=False
            )
    else:
        (pk,) = backend.bulk_insert(EntityTypes.NODE, [row])
    node._mark_stored(pk, row)


class PreparedRows:
    """The rows of unstored nodes, fixed before their store: attributes copied, files in the
    object store, hashes computed (see :func:`prepare_rows`).

    ``store_many(nodes, prepared=...)`` inserts these attributes, files and hashes; the columns
    that stay changeable on a stored node (label, description, extras) are read at the store.
    """

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        # id(node) -> (node, prepared row, the node's file tree when the row was taken)
        self._entries: dict[int, tuple[Node, dict[str, Any], dict[str, Any]]] = {}

    def __contains__(self, node: object) -> bool:
        return id(node) in self._entries

    def check_unchanged(self) -> None:
        """``ModificationNotAllowed`` naming the first node, still unstored, whose content (what
        its hash covers: attributes, files, type, user, computer) differs from its prepared row."""
        for node, row, files in self._entries.values():
            if node.is_stored:
                continue
            changed = [column for column in _FIXED_COLUMNS if node._column(column) != row[column]]
            attributes = node._column("attributes") or {}
            if attributes != row["attributes"] and _clean_all(attributes, "attribute") != row["attributes"]:
                changed.append("attributes")
            if _files_of(node) != files:
                changed.append("files")
            if changed:
                raise ModificationNotAllowed(
                    f"the {', '.join(changed)} of node {node.uuid} changed after its content was fixed "
                    "for storing (e.g. a process function changed its input); inputs are immutable: "
                    "make a new node instead"
                )

    def _row_for_store(self, node: Node) -> dict[str, Any] | None:
        """The prepared row with the node's current label, description and extras, or None."""
        entry = self._entries.get(id(node))
        if entry is None:
            return None
        prepared = entry[1]
        row = dict(prepared)
        row["label"], row["description"] = node._column("label"), node._column("description")
        extras = node._column("extras")
        row["extras"] = _clean_all(extras, "extra") if extras else {}
        row["extras"][HASH_EXTRA_KEY] = prepared["extras"][HASH_EXTRA_KEY]
        row["mtime"] = datetime.now(timezone.utc)
        return row


# The columns of a prepared row that must not change before the store (besides attributes and files).
_FIXED_COLUMNS = ("node_type", "process_type", "user_id", "dbcomputer_id")


def _files_of(node: Node) -> dict[str, Any]:
    """The file tree of an unstored node: its sandbox's, or else the metadata set on its row."""
    state = node._file_state()
    if state is not None and state.sandbox is not None:
        return state.sandbox.serialize()
    metadata: dict[str, Any] = node._column("repository_metadata") or {}
    return metadata


def prepare_rows(nodes: Sequence[Node]) -> PreparedRows:
    """Fix the content of the unstored ``nodes`` now, for a later ``store_many(..., prepared=...)``.

    Each node must be storable (checked now); its files are written to the object store and its
    hash computed (so a process's in-batch sources must come first in ``nodes``, or be stored).
    Stored nodes are skipped.
    """
    prepared = PreparedRows()
    entries = prepared._entries
    known: dict[str, str | None] = {}
    for node in nodes:
        if node.is_stored or id(node) in entries:
            continue
        node._check_storable()
        files = _files_of(node)
        row = _row_to_insert(node)
        row["extras"] = {HASH_EXTRA_KEY: NodeCaching(node).compute_hash_for_store(row, known)}
        known[node.uuid] = row["extras"][HASH_EXTRA_KEY]
        entries[id(node)] = (node, row, files)
    return prepared


def store_many(nodes: Iterable[Node], *, prepared: PreparedRows | None = None) -> list[Node]:
    """Store the unstored ``nodes`` with their incoming links, attributes and files, all or nothing.

    Every link source must be stored already or be in the batch. Stored nodes in ``nodes`` are
    left as they are. Nodes in ``prepared`` are written with their prepared content (see
    :func:`prepare_rows`). Returns the nodes in the order given::

        >>> from provgraph import orm
        >>> nodes = orm.store_many([orm.Int(1), orm.Str("a")])
        >>> [node.is_stored for node in nodes]
        [True, True]
    """
    given = list(nodes)
    batch = list({id(node): node for node in given if not node.is_stored}.values())
    if not batch:
        return given
    backend = batch[0].backend
    for node in batch:
        if node.backend is not backend:
            raise InputValidationError(
                f"store_many needs nodes of one storage; node {node.uuid} belongs to {node.backend}"
            )
        if prepared is None or node not in prepared:
            node._check_storable()
    links = {id(node): _incoming(node) for node in batch}
    ordered = _topological(batch, links)
    _check_batch_outdegree(batch, links)
    rows = _rows_with_hashes(ordered, prepared)
    with backend.transaction():
        pks = backend.bulk_insert(EntityTypes.NODE, rows, savepoint=False)
        new_pk = {id(node): pk for node, pk in zip(ordered, pks, strict=True)}
        link_rows = [
            _link_row(
                triple, triple.node.pk if triple.node.is_stored else new_pk[id(triple.node)], new_pk[id(node)]
            )
            for node in ordered
            for triple in links[id(node)]
        ]
        backend.bulk_insert(EntityTypes.LINK, link_rows, savepoint=False)
    for node, pk, row in zip(ordered, pks, rows, strict=True):
        node._mark_stored(pk, row)
    return given


def _row_to_insert(node: Node) -> dict[str, Any]:
    """The row to write, its files already in the object store.

    JSON columns are checked again: unstored values may have changed through references.
    """
    row = node._row_for_store()
    attributes, extras = row["attributes"], row["extras"]
    row["attributes"] = _clean_all(attributes, "attribute") if attributes else {}
    row["extras"] = _clean_all(extras, "extra") if extras else {}
    row["mtime"] = datetime.now(timezone.utc)
    if node._file_state() is not None:
        row["repository_metadata"] = node.base.repository._prepare_store()
    return row


def _rows_with_hashes(ordered: list[Node], prepared: PreparedRows | None) -> list[dict[str, Any]]:
    """The rows of the batch (sources first), each hashed with its in-batch sources' hashes."""
    known: dict[str, str | None] = {}
    rows = []
    for node in ordered:
        row = prepared._row_for_store(node) if prepared is not None else None
        if row is None:
            row = _row_to_insert(node)
            row["extras"][HASH_EXTRA_KEY] = NodeCaching(node).compute_hash_for_store(row, known)
        known[node.uuid] = row["extras"][HASH_EXTRA_KEY]
        rows.append(row)
    return rows


def _clean_all(values: dict[str, Any], what: str) -> dict[str, Any]:
    return {key: clean_value(value, key, what) for key, value in values.items()}


def _link_row(triple: LinkTriple, source_pk: int | None, target_pk: int) -> dict[str, Any]:
    return {
        "input_id": source_pk,
        "output_id": target_pk,
        "label": triple.link_label,
        "type": triple.link_type.value,
    }


def _incoming(node: Node) -> list[LinkTriple]:
    return list(node._pending_links())


def _topological(batch: list[Node], links: dict[int, list[LinkTriple]]) -> list[Node]:
    """The batch with every in-batch source before its targets; ``LinkValidationError`` on a cycle.

    Sorted by depth (sources first), otherwise keeping the caller's order, so pks follow the list.
    """
    in_batch = {id(node) for node in batch}
    depth: dict[int, int] = {}
    in_order = True
    for node in batch:
        level = 0
        for triple in links[id(node)]:
            source = triple.node
            if id(source) in in_batch:
                if id(source) not in depth:
                    in_order = False
                    break
                level = max(level, depth[id(source)] + 1)
            elif not source.is_stored:
                raise ModificationNotAllowed(
                    f"cannot store node {node.uuid}: the source {source.uuid} of its "
                    f"{triple.link_type.value} link {triple.link_label!r} is neither stored nor in the batch"
                )
        if not in_order:
            break
        depth[id(node)] = level
    if not in_order:  # some source comes after its target: order the batch first
        depth = _depths(batch, links, in_batch)
    return sorted(batch, key=lambda node: depth[id(node)])  # stable: keeps the caller's order


def _depths(batch: list[Node], links: dict[int, list[LinkTriple]], in_batch: set[int]) -> dict[int, int]:
    """Each node's depth (0 for nodes without in-batch sources) in a batch given in any order."""
    waiting: dict[int, int] = {}
    targets_of: dict[int, list[Node]] = {}
    for node in batch:
        count = 0
        for triple in links[id(node)]:
            source = triple.node
            if id(source) in in_batch:
                count += 1
                targets_of.setdefault(id(source), []).append(node)
            elif not source.is_stored:
                raise ModificationNotAllowed(
                    f"cannot store node {node.uuid}: the source {source.uuid} of its "
                    f"{triple.link_type.value} link {triple.link_label!r} is neither stored nor in the batch"
                )
        waiting[id(node)] = count
    ready = [node for node in batch if waiting[id(node)] == 0]
    ordered: list[Node] = []
    while ready:
        node = ready.pop()
        ordered.append(node)
        for target in targets_of.get(id(node), ()):
            waiting[id(target)] -= 1
            if waiting[id(target)] == 0:
                ready.append(target)
    if len(ordered) < len(batch):
        stuck = sorted(node.uuid for node in batch if waiting[id(node)] > 0)
        raise LinkValidationError(
            f"the links between the nodes to store form a cycle; nodes involved: {stuck[:5]}"
        )
    depth: dict[int, int] = {}
    for node in ordered:
        sources = [triple.node for triple in links[id(node)] if id(triple.node) in in_batch]
        depth[id(node)] = 1 + max((depth[id(source)] for source in sources), default=-1)
    return depth


def _check_batch_outdegree(batch: list[Node], links: dict[int, list[LinkTriple]]) -> None:
    """Refuse links whose source would get two outgoing links of a unique label within the batch.

    Each link was checked against the stored graph when it was added; links added to different
    unstored targets could not see each other then.
    """
    seen: dict[tuple[Any, ...], str] = {}
    for node in batch:
        for triple in links[id(node)]:
            degree = link_rule(triple.link_type).outdegree
            if degree is Degree.UNIQUE_TRIPLE:
                continue
            key: tuple[Any, ...] = (triple.node.uuid, triple.link_type)
            if degree is Degree.UNIQUE_PAIR:
                key = (*key, triple.link_label)
            if key in seen and seen[key] != node.uuid:
                raise LinkValidationError(
                    f"node {triple.node.uuid} would get two outgoing {triple.link_type.value} links labelled "
                    f"{triple.link_label!r} (to {seen[key]} and {node.uuid}); labels must be unique"
                )
            seen[key] = node.uuid
