"""Stored node hashes (the ``_aiida_hash`` extra) against a recomputation from the node's row.

A hash goes stale when what it covers changed after it was computed (rows edited by hand or by
another program, hashing rules that changed); cache look-ups then miss, or worse, match the
wrong node. Recomputing is Python work per node (``make_hash`` of its attributes), some tens of
microseconds, so by default only a **sample** is checked: ``sample`` node ids drawn uniformly
from the id range (nodes whose hash is cleared do not count); ``sample=None`` checks every node
with a hash, streamed in id order. A stale hash is fixed by rehashing the node.

The hash is recomputed from rows, with no node object: the rules are ``common/node_hash``'s, the
class text and ignored attributes those of the ORM class that loads the node_type (as
``node.base.caching`` does), a process's inputs their recomputed hashes, read with one query per
batch of processes. Files count by key (their sha256) without reading the content.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from provgraph.common.hashing import HashingError
from provgraph.common.node_hash import class_representation, compute_node_hash, hash_rules
from provgraph.orm.nodes.caching import HASH_EXTRA_KEY
from provgraph.orm.nodes.caching_store import rehash_nodes
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.nodes.types import class_for_node_type
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.integrity.objects import Progress
from provgraph.tools.integrity.report import Finding, ProblemKind, Tally

__all__ = ["DEFAULT_HASH_SAMPLE", "find_stale_hashes", "rehash"]

DEFAULT_HASH_SAMPLE = 1000
_BATCH = 1000
_SAMPLE_ROUNDS = 5
_COLUMNS = ["id", "node_type", "attributes", "repository_metadata", "dbcomputer_id"]
_INPUT_LINKS = [LinkType.INPUT_CALC.value, LinkType.INPUT_WORK.value]
_STAGE = "Recomputing node hashes"


def find_stale_hashes(
    backend: StorageBackend,
    sample: int | None = DEFAULT_HASH_SAMPLE,
    examples: int = 5,
    progress: Progress | None = None,
    rng: random.Random | None = None,
) -> tuple[Finding, list[int]]:
    """Nodes whose stored hash differs from a recomputation (a finding and their pks).

    ``sample`` nodes are drawn at random (all of them if there are no more); None checks every node.
    """
    hasher = _RowHasher(backend)
    total = _count_hashed(backend)
    checked = 0
    tally = Tally(examples)
    stale: list[int] = []
    if progress is not None:
        progress(_STAGE, 0, total if sample is None else min(sample, total))
    batches = _all_rows(backend) if sample is None or total <= sample else _sampled_rows(backend, sample, rng)
    for rows in batches:
        for pk, stored, recomputed in hasher.compare(rows):
            if stored != recomputed:
                stale.append(pk)
                tally.add(f"node pk={pk}: stored {str(stored)[:12]}..., recomputed {str(recomputed)[:12]}...")
        checked += len(rows)
        if progress is not None:
            progress(_STAGE, checked, total if sample is None else min(sample, total))
    note = f"recomputed {checked} of {total} hashes"
    if checked < total:
        note += " (a random sample; check all with --full)"
    return tally.finding(ProblemKind.STALE_HASHES, note=note), stale


def rehash(backend: StorageBackend, pks: Sequence[int]) -> int:
    """Recompute and store the hashes of ``pks`` (``node rehash``'s path); returns how many."""
    return rehash_nodes(backend, list(pks))


# -- which rows --------------------------------------------------------------------------------

_HASHED = {f"extras.{HASH_EXTRA_KEY}": {"!==": None}}


def _node_rows(backend: StorageBackend, filters: Mapping[str, Any]) -> Iterator[list[Any]]:
    query = QueryBuilder(backend=backend).append(
        Node, filters={**_HASHED, **filters}, project=[*_COLUMNS, f"extras.{HASH_EXTRA_KEY}"]
    )
    return query.order_by({Node: {"id": "asc"}}).iterall(batch_size=_BATCH)


def _count_hashed(backend: StorageBackend) -> int:
    return QueryBuilder(backend=backend).append(Node, filters=dict(_HASHED)).count()


def _batched(rows: Iterator[list[Any]]) -> Iterator[list[list[Any]]]:
    batch: list[list[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _all_rows(backend: StorageBackend) -> Iterator[list[list[Any]]]:
    return _batched(_node_rows(backend, {}))


def _sampled_rows(
    backend: StorageBackend, sample: int, rng: random.Random | None
) -> Iterator[list[list[Any]]]:
    """Batches of hashed nodes whose ids are drawn uniformly from the id range, ``sample`` in all.

    Ids of deleted nodes, or of nodes without a hash, find nothing; the draw is repeated (at most
    :data:`_SAMPLE_ROUNDS` times) with ids not drawn yet until ``sample`` nodes are found.
    """
    rng = rng or random.Random()
    ends = [
        backend.get_rows(EntityTypes.NODE, columns=["id"], order_by=[order], limit=1)
        for order in ("id", "-id")
    ]
    if not ends[0]:
        return
    low, high = ends[0][0]["id"], ends[1][0]["id"]
    drawn: set[int] = set()
    found = 0
    for _ in range(_SAMPLE_ROUNDS):
        if found >= sample:
            return
        size = min(high - low + 1, 2 * (sample - found))
        candidates = sorted(set(rng.sample(range(low, high + 1), size)) - drawn)
        drawn.update(candidates)
        for start in range(0, len(candidates), _BATCH):
            rows = list(_node_rows(backend, {"id": {"in": candidates[start : start + _BATCH]}}))
            rows = rows[: sample - found]
            if rows:
                found += len(rows)
                yield rows
            if found >= sample:
                return


# -- recomputing -------------------------------------------------------------------------------


class _RowHasher:
    """Hashes rows as ``node.base.caching.compute_hash`` hashes nodes, without building them."""

    def __init__(self, backend: StorageBackend) -> None:
        self._backend = backend
        self._classes: dict[str, tuple[str, frozenset[str]]] = {}
        computers = backend.get_rows(EntityTypes.COMPUTER, columns=["id", "uuid"])
        self._computer_uuids = {row["id"]: str(row["uuid"]) for row in computers}
        repository = backend.get_repository()
        self._object_sha256: Callable[[str, str], str] | None = (
            None if repository.key_format == "sha256" else lambda path, key: repository.get_object_hash(key)
        )

    def compare(self, rows: list[list[Any]]) -> Iterator[tuple[int, Any, str | None]]:
        """``(pk, stored hash, recomputed hash)`` per row (None where hashing fails)."""
        processes = [row[0] for row in rows if hash_rules(row[1]).is_process]
        inputs = self._input_hashes(processes) if processes else {}
        for pk, node_type, attributes, metadata, computer_id, stored in rows:
            yield pk, stored, self.hash(node_type, attributes, metadata, computer_id, inputs.get(pk, {}))

    def hash(
        self,
        node_type: str,
        attributes: Mapping[str, Any] | None,
        metadata: Mapping[str, Any] | None,
        computer_id: int | None,
        inputs: Mapping[str, str | None],
    ) -> str | None:
        class_name, ignored = self._class_rules(node_type)
        try:
            return compute_node_hash(
                node_type,
                attributes or {},
                repository_metadata=metadata or {},
                object_sha256=self._object_sha256,
                computer_uuid=None if computer_id is None else self._computer_uuids.get(computer_id),
                input_hashes=inputs if hash_rules(node_type).is_process else None,
                class_name=class_name,
                ignored_attributes=ignored,
            )
        except HashingError:
            return None

    def _class_rules(self, node_type: str) -> tuple[str, frozenset[str]]:
        """The class text and extra ignored attributes of the class that loads ``node_type``."""
        found = self._classes.get(node_type)
        if found is None:
            cls = class_for_node_type(node_type)
            ignored = frozenset(cls._updatable_attributes).union(getattr(cls, "_hash_ignored_attributes", ()))
            found = self._classes[node_type] = (class_representation(node_type) or str(cls), ignored)
        return found

    def _input_hashes(self, processes: list[int]) -> dict[int, dict[str, str | None]]:
        """``{process pk: {input label: recomputed hash of the input}}``, in one query."""
        query = (
            QueryBuilder(backend=self._backend)
            .append(Data, tag="input", project=_COLUMNS)
            .append(
                ProcessNode,
                with_incoming="input",
                filters={"id": {"in": processes}},
                edge_filters={"type": {"in": _INPUT_LINKS}},
                edge_project=["label"],
                project=["id"],
            )
        )
        found: dict[int, dict[str, str | None]] = {}
        known: dict[int, str | None] = {}
        for input_id, node_type, attributes, metadata, computer_id, process_id, label in query.iterall(
            batch_size=_BATCH
        ):
            if input_id not in known:
                known[input_id] = self.hash(node_type, attributes, metadata, computer_id, {})
            found.setdefault(process_id, {})[label] = known[input_id]
        return found
