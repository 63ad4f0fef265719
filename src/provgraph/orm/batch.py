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
"""

from __future__ import annotations

from collections.abc import Iterable
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

__all__ = ["store_many", "store_node"]


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
        with backend.transaction():
            (pk,) = backend.bulk_insert(EntityTypes.NODE, [row])
            backend.bulk_insert(EntityTypes.LINK, [_link_row(triple, triple.node.pk, pk) for triple in links])
    else:
        (pk,) = backend.bulk_insert(EntityTypes.NODE, [row])
    _mark_stored(node, pk, row)


def store_many(nodes: Iterable[Node]) -> list[Node]:
    """Store the unstored ``nodes`` with their incoming links, attributes and files, all or nothing.

    Every link source must be stored already or be in the batch. Stored nodes in ``nodes`` are
    left as they are. Returns the nodes in the order given.
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
        node._check_storable()
    links = {id(node): _incoming(node) for node in batch}
    ordered = _topological(batch, links)
    _check_batch_outdegree(batch, links)
    rows = _rows_with_hashes(ordered)
    with backend.transaction():
        pks = backend.bulk_insert(EntityTypes.NODE, rows)
        new_pk = {id(node): pk for node, pk in zip(ordered, pks, strict=True)}
        link_rows = [
            _link_row(
                triple, triple.node.pk if triple.node.is_stored else new_pk[id(triple.node)], new_pk[id(node)]
            )
            for node in ordered
            for triple in links[id(node)]
        ]
        backend.bulk_insert(EntityTypes.LINK, link_rows)
    for node, pk, row in zip(ordered, pks, rows, strict=True):
        _mark_stored(node, pk, row)
    return given


def _row_to_insert(node: Node) -> dict[str, Any]:
    """The row to write, its files already in the object store.

    JSON columns are checked again: unstored values may have changed through references.
    """
    row = dict(node._row)
    attributes, extras = row["attributes"], row["extras"]
    row["attributes"] = _clean_all(attributes, "attribute") if attributes else {}
    row["extras"] = _clean_all(extras, "extra") if extras else {}
    row["mtime"] = datetime.now(timezone.utc)
    if node._repository_state is not None:
        row["repository_metadata"] = node.base.repository._prepare_store()
    return row


def _rows_with_hashes(ordered: list[Node]) -> list[dict[str, Any]]:
    """The rows of the batch (sources first), each hashed with its in-batch sources' hashes."""
    known: dict[str, str | None] = {}
    rows = []
    for node in ordered:
        row = _row_to_insert(node)
        row["extras"][HASH_EXTRA_KEY] = known[node.uuid] = NodeCaching(node).compute_hash_for_store(
            row, known
        )
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


def _mark_stored(node: Node, pk: int, row: dict[str, Any]) -> None:
    """After the row committed: adopt it, forget the link cache, drop the sandbox."""
    row["id"] = pk
    node._row = row
    node._incoming_links = []
    if node._repository_state is not None:
        node.base.repository._after_store()


def _incoming(node: Node) -> list[LinkTriple]:
    return list(node._incoming_links)


def _topological(batch: list[Node], links: dict[int, list[LinkTriple]]) -> list[Node]:
    """The batch with every in-batch source before its targets; ``LinkValidationError`` on a cycle."""
    in_batch = {id(node) for node in batch}
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
    # Sort by depth (sources first), otherwise keeping the caller's order, so pks follow the list.
    position = {id(node): index for index, node in enumerate(batch)}
    depth: dict[int, int] = {}
    for node in ordered:
        sources = [triple.node for triple in links[id(node)] if id(triple.node) in in_batch]
        depth[id(node)] = 1 + max((depth[id(source)] for source in sources), default=-1)
    return sorted(batch, key=lambda node: (depth[id(node)], position[id(node)]))


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
