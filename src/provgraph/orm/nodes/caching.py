"""``node.base.caching``: a node's content hash (the ``_aiida_hash`` extra) and look-ups by it.

The rules and the hash itself are in :mod:`provgraph.common.node_hash`, shared with code that
hashes bare rows; this module feeds them from a node: its attributes, its files (streamed from
the sandbox before it is stored, by key after), its computer and, for a process, the recomputed
hashes of its input nodes. A class may widen the ignored attributes with the class attributes
``_hash_ignored_attributes`` and ``_updatable_attributes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from provgraph.common.hashing import make_hash
from provgraph.common.node_hash import class_representation, hash_rules, objects_to_hash, repository_hash
from provgraph.exceptions import HashingError, InvalidOperation
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.types import node_from_row
from provgraph.storage.abstract import EntityTypes, In

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.storage.abstract import StorageBackend

__all__ = ["CACHED_FROM_KEY", "HASH_EXTRA_KEY", "VALID_CACHE_KEY", "NodeCaching"]


HASH_EXTRA_KEY = "_aiida_hash"
VALID_CACHE_KEY = "_aiida_valid_cache"
CACHED_FROM_KEY = "_aiida_cached_from"

_INPUT_LINKS = (LinkType.INPUT_CALC, LinkType.INPUT_WORK)


class NodeCaching:
    """``node.base.caching``: a node's content hash, kept in its ``_aiida_hash`` extra.

    The hash is computed from the node's current content; the extra holds the one computed when
    the node was stored (:meth:`get_hash`), which is what cache look-ups match against.
    """

    _HASH_EXTRA_KEY = HASH_EXTRA_KEY
    _VALID_CACHE_KEY = VALID_CACHE_KEY
    CACHED_FROM_KEY = CACHED_FROM_KEY

    __slots__ = ("_node",)

    def __init__(self, node: Node) -> None:
        self._node = node

    # -- computing ------------------------------------------------------------------------------

    def get_objects_to_hash(self) -> dict[str, Any]:
        """The dict whose ``make_hash`` is this node's hash (AiiDA's parts, see the module doc)."""
        node = self._node
        return self._objects(node._column("attributes") or {}, self._repository_hash(), {})

    def compute_hash(self, ignore_errors: bool = True) -> str | None:
        """This stored node's hash, recomputed from its content.

        With ``ignore_errors`` a value that cannot be hashed logs the error and gives None.
        """
        if not self._node.is_stored:
            raise InvalidOperation(
                f"node {self._node.uuid} is not stored; its hash is computed when it is stored"
            )
        return self._compute_hash(ignore_errors)

    def _compute_hash(self, ignore_errors: bool = True) -> str | None:
        """The hash of the node as it is now, stored or not."""
        return self._hashed(self.get_objects_to_hash, ignore_errors)

    def compute_hash_for_store(
        self, row: Mapping[str, Any], known_hashes: Mapping[str, str | None] | None = None
    ) -> str | None:
        """The hash this unstored node has once ``row`` (its files already in the object store) is
        inserted, for the row's extras, so that storing stays one INSERT.

        ``known_hashes`` maps the uuids of link sources stored in the same batch to their hashes;
        stored sources are hashed from their content. Hashing errors are logged and give None.
        """
        metadata = row.get("repository_metadata") or {}
        known = known_hashes or {}
        return self._hashed(
            lambda: self._objects(row.get("attributes") or {}, self._stored_files_hash(metadata), known),
            ignore_errors=True,
        )

    def _hashed(self, objects: Callable[[], dict[str, Any]], ignore_errors: bool) -> str | None:
        try:
            return make_hash(objects())
        except HashingError:
            if not ignore_errors:
                raise
            # aiida-core's message, on the node's own logger (a process's reaches its log table)
            self._node.logger.exception("Node hashing failed")
            return None

    def _objects(
        self, attributes: Mapping[str, Any], files_hash: str, known: Mapping[str, str | None]
    ) -> dict[str, Any]:
        node = self._node
        cls = type(node)
        computer = node.computer
        return objects_to_hash(
            node.node_type,
            attributes,
            repository_hash=files_hash,
            computer_uuid=None if computer is None else computer.uuid,
            input_hashes=self._input_hashes(known) if hash_rules(node.node_type).is_process else None,
            class_name=class_representation(node.node_type) or str(cls),
            ignored_attributes=frozenset(cls._updatable_attributes).union(
                getattr(cls, "_hash_ignored_attributes", ())
            ),
        )

    def _input_hashes(self, known: Mapping[str, str | None]) -> dict[str, str | None]:
        """``{label: hash}`` of the INPUT_CALC/INPUT_WORK sources, stored or waiting in the link cache."""
        hashes: dict[str, str | None] = {}
        for triple in self._node.base.links.get_incoming(link_type=_INPUT_LINKS):
            source = triple.node
            if source.uuid in known:
                hashes[triple.link_label] = known[source.uuid]
            else:
                hashes[triple.link_label] = NodeCaching(source).compute_hash()
        return hashes

    def _repository_hash(self) -> str:
        node = self._node
        if not hash_rules(node.node_type).hashes_repository:
            return repository_hash({})  # unused: the part is dropped
        return node.base.repository.hash()

    def _stored_files_hash(self, metadata: Mapping[str, Any]) -> str:
        """The files' hash from keys in the profile's object store (sha256 keys are the hash)."""
        if not metadata or not hash_rules(self._node.node_type).hashes_repository:
            return repository_hash({})
        objects = self._node.backend.get_repository()
        if objects.key_format == "sha256":
            return repository_hash(metadata)
        return repository_hash(metadata, lambda path, key: objects.get_object_hash(key))

    # -- the stored hash ------------------------------------------------------------------------

    def get_hash(self) -> str | None:
        """The hash stored with the node (None if cleared or never computed); not recomputed."""
        value = self._node.base.extras.get(HASH_EXTRA_KEY, None)
        return None if value is None else str(value)

    def rehash(self) -> None:
        """Recompute the hash of this stored node and store it in its extras."""
        self._node.base.extras.set(HASH_EXTRA_KEY, self.compute_hash())

    def clear_hash(self) -> None:
        """Set the stored hash to None, so that no cache look-up finds this node."""
        self._node.base.extras.set(HASH_EXTRA_KEY, None)

    def get_cache_source(self) -> str | None:
        """The UUID of the node this one was cloned from by caching, or None."""
        value = self._node.base.extras.get(CACHED_FROM_KEY, None)
        return None if value is None else str(value)

    @property
    def is_created_from_cache(self) -> bool:
        return self.get_cache_source() is not None

    # -- cache sources --------------------------------------------------------------------------

    @property
    def is_valid_cache(self) -> bool:
        """Whether other nodes may be created from this one: not switched off by the
        ``_aiida_valid_cache`` extra, and for a process, finished and sealed.

        (AiiDA also asks the process class, which can veto some exit codes; provgraph has no
        process classes, so that check is not made.)
        """
        node = self._node
        if not node.base.extras.get(VALID_CACHE_KEY, True):
            return False
        if not hash_rules(node.node_type).is_process:
            return True
        attributes = node.base.attributes
        return bool(attributes.get("process_state", None) == "finished" and attributes.get("sealed", False))

    @is_valid_cache.setter
    def is_valid_cache(self, valid: bool) -> None:
        if not isinstance(valid, bool):
            raise TypeError(f"is_valid_cache must be a bool, got {type(valid).__name__} {valid!r}")
        self._node.base.extras.set(VALID_CACHE_KEY, valid)

    def get_all_same_nodes(self) -> list[Node]:
        """The stored nodes of exactly this node's type whose stored hash equals this node's
        computed hash and that are valid caches (this node itself included)."""
        if not self._node.is_stored:
            raise InvalidOperation(
                f"node {self._node.uuid} is not stored; look for equal nodes after storing it"
            )
        return list(self._iter_all_same_nodes())

    def _get_same_node(self) -> Node | None:
        """The first valid cache source for this node (also before it is stored), or None."""
        return next(self._iter_all_same_nodes(), None)

    def _iter_all_same_nodes(self) -> Iterator[Node]:
        node = self._node
        node_hash = self._compute_hash()
        if not node_hash or not type(node)._cachable:
            return
        backend = node.backend
        pks = _node_ids_with_hash(backend, node.node_type, node_hash)
        if not pks:
            return
        rows = backend.get_rows(EntityTypes.NODE, {"id": In(tuple(pks))})
        for row in rows:
            candidate = node_from_row(backend, row)
            if NodeCaching(candidate).is_valid_cache:
                yield candidate


def _node_ids_with_hash(backend: StorageBackend, node_type: str, node_hash: str) -> list[int]:
    """The pks of the nodes of ``node_type`` whose stored hash is ``node_hash``.

    Uses the backend's ``find_nodes_by_hash`` query where it has one; otherwise reads the extras
    of every node of the type (correct, but linear in their number).
    """
    finder = getattr(backend, "find_nodes_by_hash", None)
    if callable(finder):
        return list(finder(node_type, node_hash))
    rows = backend.get_rows(EntityTypes.NODE, {"node_type": node_type}, columns=["id", "extras"])
    return [row["id"] for row in rows if (row["extras"] or {}).get(HASH_EXTRA_KEY) == node_hash]
