"""Delete nodes together with everything that would be meaningless without them, as aiida-core does.

A provenance graph must not keep a calculation whose input is gone, nor a result whose creator
is gone. So a deletion starts from the nodes asked for and takes along what the DELETE
traversal rules say (:mod:`provgraph.tools.graph.rules`): the processes that used a deleted
node, the outputs of a deleted calculation, the workflows that called it, and so on, to a fixed
point. Three of the rules may be switched (``create_forward``, ``call_calc_forward``,
``call_work_forward``); the others keep the graph whole and are fixed.

The work is in two steps, so that a person (or a script) can look before anything goes:

* :func:`plan_deletion` traverses the graph and returns a :class:`DeletionPlan` (which pks go,
  which given pks were not nodes); :func:`describe_nodes` summarises a set of nodes for a listing.
* :func:`run_deletion` deletes the plan in **one storage transaction**: node rows, their links
  and group memberships, in batches of :data:`BATCH_SIZE` statements' worth of ids; comments and
  logs follow by the database's cascades. Inside the transaction the plan is checked again: if
  the graph grew meanwhile (another process used a node of the plan), nothing is deleted.

:func:`delete_nodes` and :func:`delete_group_nodes` are aiida-core's entry points (same
parameters, same ``(pks, deleted)`` result) built on those two steps. Unknown pks are skipped
with a warning, as in aiida-core. File contents are not deleted: their objects become
unreferenced and the next full maintenance (``provgraph storage maintain --full``) frees them.

>>> from provgraph.tools import delete_nodes
>>> pks, deleted = delete_nodes([calculation.pk])                  # doctest: +SKIP
>>> deleted, sorted(pks) == sorted([calculation.pk, *output_pks])  # doctest: +SKIP
(False, True)
>>> delete_nodes([calculation.pk], dry_run=False, create_forward=False)  # doctest: +SKIP
({...}, True)
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provgraph.exceptions import InvalidOperation, NotExistent, ReadOnlyStorageError
from provgraph.orm.entities import get_default_backend
from provgraph.orm.groups import Group
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.storage.abstract import EntityTypes, In
from provgraph.tools.graph.rules import (
    AppliedRules,
    Direction,
    GraphTraversalRules,
    validate_traversal_rules,
)
from provgraph.tools.graph.traversal import batched, traverse_graph

if TYPE_CHECKING:
    from provgraph.storage.abstract import StorageBackend

__all__ = [
    "BATCH_SIZE",
    "DeletionPlan",
    "NodeListing",
    "NodeSummaryRow",
    "delete_group_nodes",
    "delete_nodes",
    "describe_nodes",
    "ensure_deletable",
    "group_node_pks",
    "plan_deletion",
    "run_deletion",
    "type_name",
]

LOGGER = logging.getLogger(__name__)

#: Nodes handed to the storage per ``delete_nodes_and_connections`` call. Every batch joins the
#: same transaction; the batches only bound the statements' size and pace the progress reports.
BATCH_SIZE = 5_000

#: ``True``: only report; ``False``: delete; a callable gets the pks and returns True to stop.
DryRun = bool | Callable[[set[int]], bool]

#: Called with (stage, done, total) while deleting; the CLI draws a progress bar from it.
Progress = Callable[[str, int, int], None]

_DELETING = "Deleting nodes"

#: Per direction, the link column on the known node's side and the one on the other side.
_LINK_ENDS: tuple[tuple[Direction, str, str], ...] = (
    ("forward", "input_id", "output_id"),
    ("backward", "output_id", "input_id"),
)


@dataclass(frozen=True)
class DeletionPlan:
    """What a deletion will remove, worked out before anything is written."""

    #: Every node to delete: the starting nodes and what the rules take along.
    pks: frozenset[int]
    #: The given pks that are nodes: where the traversal started.
    starting: frozenset[int]
    #: The given pks that are not nodes: skipped.
    missing: frozenset[int]
    #: The 12 traversal rules as applied (rule name -> followed).
    rules: Mapping[str, bool]
    #: Groups deleted in the same transaction (``provgraph group delete --delete-nodes``).
    groups: tuple[int, ...] = ()


@dataclass(frozen=True)
class NodeSummaryRow:
    """One node of a listing: what a person needs to recognise it."""

    pk: int
    uuid: str
    node_type: str
    label: str

    @property
    def type_name(self) -> str:
        """The class name in ``node_type`` (``data.core.int.Int.`` -> ``Int``; ``Node`` for ``''``)."""
        return type_name(self.node_type)


@dataclass(frozen=True)
class NodeListing:
    """A summary of a set of nodes: how many of each node type, and the first few by pk."""

    total: int
    #: (node_type, count), the most frequent first.
    counts: tuple[tuple[str, int], ...]
    first: tuple[NodeSummaryRow, ...]

    @property
    def more(self) -> int:
        """How many nodes are not among :attr:`first`."""
        return self.total - len(self.first)


def type_name(node_type: str) -> str:
    """The class name a ``node_type`` string ends with (``Node`` for the base type ``''``), for listings.

    >>> type_name("data.core.int.Int."), type_name("")
    ('Int', 'Node')
    """
    return node_type.rstrip(".").rpartition(".")[2] or "Node"


def ensure_deletable(backend: StorageBackend, what: str = "nodes") -> None:
    """Refuse, in one line, to delete ``what`` from a read-only storage (an archive), before any work."""
    if backend.read_only:
        raise ReadOnlyStorageError(
            f"cannot delete {what}: {backend} is read-only; import the archive into a profile "
            "with `provgraph archive import` to change its contents"
        )


def plan_deletion(
    pks: Iterable[int],
    *,
    groups: Iterable[int] = (),
    backend: StorageBackend | None = None,
    **traversal_rules: bool,
) -> DeletionPlan:
    """Which nodes deleting ``pks`` takes along, by the DELETE rules; nothing is written.

    ``traversal_rules`` switch the toggleable DELETE rules (``create_forward``,
    ``call_calc_forward``, ``call_work_forward``): ``ValueError`` for a fixed one,
    ``InputValidationError`` for a name that is no rule. Pks that are not nodes are kept in
    :attr:`DeletionPlan.missing` (the caller says so). ``groups`` (pks) are deleted with the
    nodes; ``NotExistent`` names those that are not groups.

    >>> plan = plan_deletion([data.pk], create_forward=False)  # doctest: +SKIP
    >>> sorted(plan.pks), sorted(plan.missing)                 # doctest: +SKIP
    ([12, 13], [])
    """
    storage = backend if backend is not None else get_default_backend()
    applied = validate_traversal_rules(GraphTraversalRules.DELETE, **traversal_rules)
    group_pks = tuple(dict.fromkeys(groups))
    _check_groups_exist(storage, group_pks)
    requested = _checked_ids(pks, "pks")
    missing: set[int] = set()
    found = traverse_graph(requested, rules=applied.rules, backend=storage, missing_callback=missing.update)
    return DeletionPlan(
        pks=frozenset(found["nodes"]),
        starting=frozenset(requested - missing),
        missing=frozenset(missing),
        rules=applied.rules,
        groups=group_pks,
    )


def run_deletion(
    plan: DeletionPlan, *, backend: StorageBackend | None = None, progress: Progress | None = None
) -> frozenset[int]:
    """Delete what ``plan`` lists in one transaction; return the pks deleted.

    Inside the transaction the plan is checked first: if a link the rules follow now leads
    from it to a node outside it (another process linked new work to one of its nodes since),
    ``InvalidOperation`` is raised and nothing is deleted; nodes of the plan deleted meanwhile
    are left out. Any error rolls back everything. ``progress`` is called with
    ``("Deleting nodes", done, total)`` after each batch (inside the transaction).
    ``ReadOnlyStorageError`` for an archive.

    >>> plan = plan_deletion([calculation.pk])  # doctest: +SKIP
    >>> run_deletion(plan) == plan.pks          # doctest: +SKIP
    True
    """
    storage = backend if backend is not None else get_default_backend()
    ensure_deletable(storage)
    report = progress or _no_progress
    with storage.transaction():
        current = _current_pks(storage, plan)
        if current:
            report(_DELETING, 0, len(current))
        done = 0
        for batch in batched(current, BATCH_SIZE):
            storage.delete_nodes_and_connections(batch)
            done += len(batch)
            report(_DELETING, done, len(current))
        if plan.groups:
            storage.delete_rows(EntityTypes.GROUP, list(plan.groups))
    LOGGER.info("deleted %d nodes and %d groups", len(current), len(plan.groups))
    return current


def delete_nodes(
    pks: Iterable[int],
    dry_run: DryRun = True,
    backend: StorageBackend | None = None,
    **traversal_rules: bool,
) -> tuple[set[int], bool]:
    """Delete nodes and what the DELETE rules take along: aiida-core's ``delete_nodes``.

    Returns the pks that would be (or were) deleted and whether they were deleted. ``dry_run``
    True (the default) deletes nothing; False deletes; a callable receives the pks and returns
    True to stop there (e.g. a confirmation prompt that was declined). Pks that are not nodes
    are skipped with a warning in the log. Everything goes in one transaction (see
    :func:`run_deletion`); file contents stay until the next full maintenance.

    >>> from provgraph.tools import delete_nodes
    >>> pks, deleted = delete_nodes([node.pk], dry_run=False)  # doctest: +SKIP
    >>> deleted                                                 # doctest: +SKIP
    True
    """
    _check_dry_run(dry_run)
    storage = backend if backend is not None else get_default_backend()
    if dry_run is not True:
        ensure_deletable(storage)
    plan = plan_deletion(pks, groups=(), backend=storage, **traversal_rules)
    return _finish(plan, dry_run, storage)


def delete_group_nodes(
    pks: Iterable[int],
    dry_run: DryRun = True,
    backend: StorageBackend | None = None,
    **traversal_rules: bool,
) -> tuple[set[int], bool]:
    """Delete the nodes of the groups ``pks`` (not the groups): aiida-core's ``delete_group_nodes``.

    The members are the starting nodes of :func:`delete_nodes`, with the same ``dry_run``,
    rules and result. Pks that are not groups are skipped with a warning in the log.

    >>> from provgraph.tools import delete_group_nodes
    >>> pks, deleted = delete_group_nodes([group.pk], dry_run=False)  # doctest: +SKIP
    """
    _check_dry_run(dry_run)
    storage = backend if backend is not None else get_default_backend()
    if dry_run is not True:
        ensure_deletable(storage)
    requested = _checked_ids(pks, "group pks")
    existing = _existing_groups(storage, requested)
    unknown = requested - existing
    if unknown:
        LOGGER.warning(
            "%d of the given group pks are not groups and were skipped: %s", len(unknown), _listed(unknown)
        )
    members = group_node_pks(existing, backend=storage)
    plan = plan_deletion(members, groups=(), backend=storage, **traversal_rules)
    return _finish(plan, dry_run, storage)


def group_node_pks(group_pks: Iterable[int], *, backend: StorageBackend | None = None) -> set[int]:
    """The pks of the nodes in any of the groups ``group_pks`` (one query per batch of groups)."""
    storage = backend if backend is not None else get_default_backend()
    members: set[int] = set()
    for batch in batched(_checked_ids(group_pks, "group pks")):
        query = QueryBuilder(backend=storage)
        query.append(Group, tag="groups", filters={"id": {"in": batch}})
        query.append(Node, with_group="groups", project=["id"])
        members.update(query.all(flat=True))
    return members


def describe_nodes(
    pks: Collection[int], *, limit: int = 20, backend: StorageBackend | None = None
) -> NodeListing:
    """How many nodes of each type ``pks`` holds, and the ``limit`` first by pk (for a listing).

    Reads the ``node_type`` column of every pk (one query per batch) and the listed columns of
    the first ``limit``; pks that are not nodes are not counted.
    """
    storage = backend if backend is not None else get_default_backend()
    counts: Counter[str] = Counter()
    for batch in batched(pks):
        query = QueryBuilder(backend=storage).append(
            Node, filters={"id": {"in": batch}}, project=["node_type"]
        )
        counts.update(query.all(flat=True))
    first: list[NodeSummaryRow] = []
    shown = sorted(pks)[:limit] if limit > 0 else []
    if shown:
        query = QueryBuilder(backend=storage).append(
            Node, filters={"id": {"in": shown}}, project=["id", "uuid", "node_type", "label"]
        )
        query.order_by({Node: {"id": "asc"}})
        first = [
            NodeSummaryRow(pk, str(uuid), node_type, label or "")
            for pk, uuid, node_type, label in query.all()
        ]
    ordered = tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
    return NodeListing(total=sum(counts.values()), counts=ordered, first=tuple(first))


# -- helpers ----------------------------------------------------------------------------------------


def _finish(plan: DeletionPlan, dry_run: DryRun, storage: StorageBackend) -> tuple[set[int], bool]:
    """The dry-run decision and the deletion shared by :func:`delete_nodes` and friends."""
    if plan.missing:
        LOGGER.warning(
            "%d of the given pks are not nodes and were skipped: %s", len(plan.missing), _listed(plan.missing)
        )
    pks = set(plan.pks)
    LOGGER.info("%d nodes marked for deletion", len(pks))
    if dry_run is True or (callable(dry_run) and dry_run(set(pks))):
        LOGGER.info("dry run: nothing was deleted")
        return pks, False
    if not pks:
        return pks, True
    return set(run_deletion(plan, backend=storage)), True


def _current_pks(storage: StorageBackend, plan: DeletionPlan) -> frozenset[int]:
    """The plan's nodes that still exist, checked inside the deletion's transaction; refuse if it grew.

    The plan was closed under the rules when it was made (every link it follows from one of its
    nodes leads to another). If that still holds, deleting it (less what is gone since) leaves
    no node the rules tie to a deleted one. One round of plain row reads per batch checks it,
    whatever the depth of the graph. (Row reads, not QueryBuilder streams: inside a PostgreSQL
    transaction those run through a cursor planned for its first rows, which statistics stale
    after a bulk insert turn into a nested loop over every link.)
    """
    applied = AppliedRules(plan.rules)
    existing: set[int] = set()
    outside: set[int] = set()
    for batch in batched(plan.pks):
        ids = In(tuple(batch))
        rows = storage.get_rows(EntityTypes.NODE, {"id": ids}, columns=["id"], order_by=())
        existing.update(row["id"] for row in rows)
        for direction, own, other in _LINK_ENDS:
            types = tuple(link_type.value for link_type in applied.link_types(direction))
            if types:
                links = storage.get_rows(
                    EntityTypes.LINK, {own: ids, "type": In(types)}, columns=[other], order_by=()
                )
                outside.update(row[other] for row in links if row[other] not in plan.pks)
    if outside:
        raise InvalidOperation(
            f"the graph changed after the nodes to delete were chosen: {_outside(outside)} now tied "
            "to them by the deletion rules; nothing was deleted, start the deletion again to see "
            "the new set"
        )
    return frozenset(existing)


def _check_dry_run(dry_run: object) -> None:
    if not isinstance(dry_run, bool) and not callable(dry_run):
        raise TypeError(f"dry_run must be a bool or a callable taking the pks, got {dry_run!r}")


def _checked_ids(ids: Iterable[int], what: str) -> set[int]:
    if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
        raise TypeError(f"{what} must be an iterable of ints, got {ids!r}")
    checked = set(ids)
    wrong = [value for value in checked if isinstance(value, bool) or not isinstance(value, int)]
    if wrong:
        raise TypeError(f"{what} must be ints; got {wrong[:5]!r}")
    return checked


def _existing_groups(storage: StorageBackend, pks: Collection[int]) -> set[int]:
    existing: set[int] = set()
    for batch in batched(pks):
        query = QueryBuilder(backend=storage).append(Group, filters={"id": {"in": batch}}, project=["id"])
        existing.update(query.all(flat=True))
    return existing


def _check_groups_exist(storage: StorageBackend, pks: tuple[int, ...]) -> None:
    unknown = set(pks) - _existing_groups(storage, _checked_ids(pks, "group pks"))
    if unknown:
        raise NotExistent(f"no groups with pks {_listed(unknown)}; nothing was deleted")


def _outside(pks: Collection[int]) -> str:
    if len(pks) == 1:
        return f"1 node outside them (pk {_listed(pks)}) is"
    return f"{len(pks)} nodes outside them (pks {_listed(pks)}) are"


def _listed(pks: Collection[int], shown: int = 20) -> str:
    ordered = sorted(pks)
    more = f" and {len(ordered) - shown} more" if len(ordered) > shown else ""
    return ", ".join(map(str, ordered[:shown])) + more


def _no_progress(_stage: str, _done: int, _total: int) -> None:
    """Progress nobody watches."""
