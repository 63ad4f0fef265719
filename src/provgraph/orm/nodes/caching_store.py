"""Using node hashes: store a process from an equal earlier one, and rewrite stored hashes.

A process about to run whose inputs and attributes hash like a finished one can be stored as a
copy of it instead (:func:`find_cache_source`, then :func:`store_from_cache`); the graph looks as
if it had run: the new process node, linked to its own inputs, CREATEs fresh copies of the
source's outputs. Files are shared by key, never copied, since the object store is
content-addressed. :func:`rehash_nodes` recomputes the ``_aiida_hash`` extra of stored nodes,
e.g. after the hashing rules changed or hashes were cleared.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError, InvalidOperation
from provgraph.orm.batch import store_many
from provgraph.orm.nodes.caching import CACHED_FROM_KEY, HASH_EXTRA_KEY, NodeCaching
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.types import node_from_row
from provgraph.storage.abstract import EntityTypes, In, Like

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.storage.abstract import StorageBackend

__all__ = [
    "cache_source_for_store",
    "find_cache_source",
    "rehash_nodes",
    "set_cache_policy",
    "store_from_cache",
]

LOGGER = logging.getLogger(__name__)

_INPUT_LINKS = (LinkType.INPUT_CALC, LinkType.INPUT_WORK)
_SEALED = "sealed"
_EXIT_STATUS = "exit_status"
REHASH_BATCH_SIZE = 1000


# Whether caching is on for a process type: the provenance layer's caching switches
# (``provgraph.caching``) install it when imported, since the ORM may not import them.
_CACHE_POLICY: Callable[[str | None], bool] | None = None


def set_cache_policy(policy: Callable[[str | None], bool] | None) -> None:
    """Install the function that says whether caching is enabled for a process type."""
    global _CACHE_POLICY
    _CACHE_POLICY = policy


def cache_source_for_store(node: Node) -> Node | None:
    """What ``node.store()`` should copy instead of storing ``node`` anew (aiida-core's rule), or None.

    Only cachable classes (calculations) ask, and only when caching is enabled for the node's
    process type; everything else pays one class attribute lookup.
    """
    if not type(node)._cachable or _CACHE_POLICY is None or not _CACHE_POLICY(node.process_type):
        return None
    return find_cache_source(node)


def find_cache_source(node: Node) -> Node | None:
    """The first stored node ``node`` may be copied from, or None.

    ``node`` is an unstored process with its input links attached; it is hashed as it would be
    stored, and the candidates are the stored nodes of exactly its node_type with that hash that
    are valid caches (sealed, finished with exit status 0 or none recorded, ``_aiida_valid_cache``
    not False).
    None also when its class is not cachable or an input is still unstored (no hash yet).
    """
    if node.is_stored:
        raise InvalidOperation(f"node pk={node.pk} is stored already; look for a cache source before storing")
    if not type(node)._cachable:
        return None
    for triple in node.base.links.get_incoming(link_type=_INPUT_LINKS):
        if not triple.node.is_stored:
            return None
    for source in node.base.caching._iter_all_same_nodes():
        if source.base.attributes.get(_EXIT_STATUS, None) in (0, None):
            LOGGER.debug("node %s can be taken from the cache of node pk=%s", node.uuid, source.pk)
            return source
    return None


def store_from_cache(node: Node, source: Node) -> None:
    """Store the unstored ``node`` as a copy of ``source`` with copies of its CREATE outputs.

    ``node`` keeps its own input links and process type; it takes the label, description,
    attributes (except ``sealed``) and files of ``source``, gets the extra ``_aiida_cached_from``
    and, if it is a process node, is sealed. All of it is written in one transaction. A source
    with RETURN links (a workflow's) cannot be copied: its outputs are not its own to clone
    (``ValueError``).
    """
    _check_cache_pair(node, source)
    if source.base.links.get_outgoing(link_type=LinkType.RETURN).all():
        raise ValueError(
            f"cannot store node {node.uuid} from the cache of node pk={source.pk}: it has RETURN links, "
            "and the outputs a workflow returns are not its own to copy; run the process instead"
        )
    node.label = source.label
    node.description = source.description
    node.base.attributes.set_many(
        {key: value for key, value in source.base.attributes.all.items() if key != _SEALED}
    )
    _share_files(node, source)
    node.base.extras.set(CACHED_FROM_KEY, source.uuid)
    outputs = []
    for triple in source.base.links.get_outgoing(link_type=LinkType.CREATE).all():
        output = triple.node.clone()  # type: ignore[attr-defined]
        output.base.links.add_incoming(node, LinkType.CREATE, triple.link_label)
        outputs.append(output)

    with node.backend.transaction():
        store_many([node, *outputs])
        _seal(node)
    LOGGER.debug("stored node pk=%s from the cache of node pk=%s", node.pk, source.pk)


def _check_cache_pair(node: Node, source: Node) -> None:
    if node.is_stored:
        raise InvalidOperation(
            f"node pk={node.pk} is stored already; only an unstored node can come from the cache"
        )
    if not source.is_stored:
        raise InvalidOperation(
            f"cache source {source.uuid} is not stored; pass a node find_cache_source returned"
        )
    if node.node_type != source.node_type:
        raise InputValidationError(
            f"node {node.uuid} of type {node.node_type!r} cannot be stored from the cache of node "
            f"pk={source.pk} of type {source.node_type!r}; the types must be equal"
        )


def _share_files(node: Node, source: Node) -> None:
    """Point ``node`` at the source's objects (by key: nothing is copied), dropping its own sandbox."""
    if node._file_state() is not None:
        node.base.repository._after_store()  # erases the sandbox: its files are replaced, not merged
        node._drop_file_state()
    node._set_unstored_columns(repository_metadata=copy.deepcopy(source.repository_metadata))


def _seal(node: Node) -> None:
    """Seal a process node (a data node stored from a cache has nothing to seal)."""
    seal = getattr(node, "seal", None)
    if callable(seal):
        seal()


# -- rewriting stored hashes ----------------------------------------------------------------------


def rehash_nodes(
    backend: StorageBackend,
    pks: Sequence[int] | None = None,
    node_type_prefix: str | None = None,
    *,
    batch_size: int = REHASH_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Recompute and store the ``_aiida_hash`` of the given nodes (all if ``pks`` is None) whose
    node_type starts with ``node_type_prefix``; returns how many were rehashed.

    Each batch of ``batch_size`` nodes is read, hashed and written in one transaction, so the
    extras written are those read (no concurrent change is lost) and an interruption keeps the
    finished batches. ``on_batch`` is called with each batch's size, e.g. to advance a progress bar.
    """
    if batch_size < 1:
        raise InputValidationError(f"batch_size must be at least 1, got {batch_size}")
    selected = select_node_ids(backend, pks, node_type_prefix)
    for start in range(0, len(selected), batch_size):
        chunk = selected[start : start + batch_size]
        with backend.transaction():
            rows = backend.get_rows(EntityTypes.NODE, {"id": In(tuple(chunk))})
            backend.bulk_update(EntityTypes.NODE, [_rehashed(backend, row) for row in rows])
        if on_batch is not None:
            on_batch(len(chunk))
    LOGGER.info("rehashed %d nodes", len(selected))
    return len(selected)


def select_node_ids(
    backend: StorageBackend, pks: Sequence[int] | None = None, node_type_prefix: str | None = None
) -> list[int]:
    """The pks, ascending, of the nodes among ``pks`` (all if None) whose node_type starts with
    ``node_type_prefix``; a pk that names no node is left out."""
    filters: dict[str, Any] = {}
    prefix = node_type_prefix or ""
    if prefix:
        # LIKE treats '_' and '%' as wildcards (no escape on SQLite): it narrows, startswith decides.
        filters["node_type"] = Like(prefix + "%")
    columns = ["id", "node_type"]
    if pks is None:
        rows = backend.get_rows(EntityTypes.NODE, filters, columns=columns)
    else:
        unique = sorted(set(pks))
        rows = []
        for start in range(0, len(unique), REHASH_BATCH_SIZE):
            chunk = tuple(unique[start : start + REHASH_BATCH_SIZE])
            rows += backend.get_rows(EntityTypes.NODE, {**filters, "id": In(chunk)}, columns=columns)
    return [row["id"] for row in rows if str(row["node_type"]).startswith(prefix)]


def _rehashed(backend: StorageBackend, row: dict[str, Any]) -> dict[str, Any]:
    node = node_from_row(backend, row)
    extras = dict(row["extras"] or {})
    extras[HASH_EXTRA_KEY] = NodeCaching(node).compute_hash()
    return {"id": row["id"], "extras": extras, "mtime": datetime.now(timezone.utc)}
