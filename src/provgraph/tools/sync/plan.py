"""What a sync will move: the source's candidate nodes, sorted into new, present and refused.

Planning only reads. It starts from candidate node ids (everything, a selection, or what changed
since the cursor), looks their UUIDs up in the target, and sorts them:

- **new**: the target lacks them; they travel with their links, memberships, comments and logs;
- **present**: the target has the same node (same type, attributes and files); only extras,
  comments, logs, memberships and links the target lacks travel;
- **conflicting**: the target holds a different node under the same UUID. Nothing is written
  then: :class:`~provgraph.exceptions.SyncConflictError` names them;
- **unsealed** process nodes (still running, or left by a killed process) stay behind until they
  are sealed; links to them wait with them.

Rows are read a batch of ids at a time; what the plan keeps is ids and object keys, never rows.

>>> plan = plan_sync(source, target, candidates=[1, 2, 3])  # doctest: +SKIP
>>> len(plan.new), plan.object_keys  # doctest: +SKIP
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from provgraph.exceptions import SyncConflictError
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.repository.tree import Repository
from provgraph.storage.abstract import Between, EntityTypes, In, StorageBackend

__all__ = ["BATCH", "SyncPlan", "chunks", "find_by_uuid", "ids_filter", "is_run", "link_closure", "plan_sync"]

#: Ids per query and per committed batch of new nodes.
BATCH = 2000
_LISTED = 5
#: What makes two nodes with one UUID the same node (extras and times may differ).
_IDENTITY = ("node_type", "process_type", "attributes", "repository_metadata")

#: Called with (stage, done, total) as the sync proceeds.
Progress = Callable[[str, int, int], None]


def chunks(values: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def is_run(ids: Sequence[int]) -> bool:
    """Whether sorted ``ids`` are consecutive (read with one range instead of a list)."""
    return bool(ids) and ids[-1] - ids[0] + 1 == len(ids)


def ids_filter(ids: Sequence[int]) -> Between | In:
    """A row filter for sorted ``ids``: a range when they are consecutive, else the list."""
    return Between(ids[0], ids[-1]) if is_run(ids) else In(tuple(ids))


def find_by_uuid(
    storage: StorageBackend, entity: EntityTypes, uuids: Iterable[str], *columns: str
) -> dict[str, Any]:
    """Rows of ``storage`` by UUID (only the ones it has), read in batches."""
    found: dict[str, Any] = {}
    for chunk in chunks(list(uuids)):
        for row in storage.get_rows(
            entity, {"uuid": In(tuple(chunk))}, columns=("uuid", "id", *columns), order_by=()
        ):
            found[row["uuid"]] = row
    return found


@dataclass
class SyncPlan:
    """The sorted candidates: source ids, target ids, and the objects the target lacks."""

    new: array[int] = field(default_factory=lambda: array("q"))
    """Source ids of nodes the target lacks, ascending (the order they were stored in)."""
    present: dict[int, int] = field(default_factory=dict)
    """Source id -> target id of candidates the target has."""
    unsealed: set[int] = field(default_factory=set)
    object_keys: set[str] = field(default_factory=set)
    """Repository keys the new nodes need (before checking which the target has)."""
    computers: set[int] = field(default_factory=set)
    """Source computer ids the new nodes refer to."""


def _unsealed(source: StorageBackend, ids: Sequence[int]) -> set[int]:
    """The process nodes among ``ids`` (sorted) that are not sealed."""
    within = {"and": [{">=": ids[0]}, {"<=": ids[-1]}]} if is_run(ids) else {"in": list(ids)}
    query = QueryBuilder(backend=source).append(
        ProcessNode, filters={"id": within, "attributes.sealed": {"!in": [True]}}, project=["id"]
    )
    return {int(pk) for pk in query.all(flat=True)}


def _differs(mine: dict[str, Any], theirs: dict[str, Any]) -> bool:
    return any((mine[name] or None) != (theirs[name] or None) for name in _IDENTITY)


def plan_sync(
    source: StorageBackend,
    target: StorageBackend,
    *,
    candidates: Iterable[int],
    progress: Progress | None = None,
) -> SyncPlan:
    """Sort ``candidates`` (source node ids; an ``array`` is taken as sorted and unique already);
    raise ``SyncConflictError`` before anything is written."""
    ordered = candidates if isinstance(candidates, array) else array("q", sorted(set(candidates)))
    plan = SyncPlan()
    conflicts: list[str] = []
    empty = target.count_rows(EntityTypes.NODE) == 0  # a first sync: nothing to look up
    for done, chunk in enumerate(chunks(ordered), start=1):
        rows = source.get_rows(
            EntityTypes.NODE,
            {"id": ids_filter(chunk)},
            columns=("id", "uuid", "node_type", "repository_metadata", "dbcomputer_id"),
        )
        process_ids = [row["id"] for row in rows if row["node_type"].startswith("process.")]
        unsealed = _unsealed(source, process_ids) if process_ids else set()
        plan.unsealed |= unsealed
        rows = [row for row in rows if row["id"] not in unsealed]
        there = {} if empty else find_by_uuid(target, EntityTypes.NODE, [row["uuid"] for row in rows])
        for row in rows:
            found = there.get(row["uuid"])
            if found is not None:
                plan.present[row["id"]] = found["id"]
                continue
            plan.new.append(row["id"])
            if row["dbcomputer_id"] is not None:
                plan.computers.add(row["dbcomputer_id"])
            if row["repository_metadata"]:
                plan.object_keys.update(
                    key for key in Repository.flatten(row["repository_metadata"]).values() if key
                )
        present = {row["id"]: there[row["uuid"]]["id"] for row in rows if row["uuid"] in there}
        conflicts.extend(_conflicts(source, target, present))
        if progress is not None:
            progress("Comparing nodes", min(done * BATCH, len(ordered)), len(ordered))
    if conflicts:
        listed = ", ".join(conflicts[:_LISTED])
        more = f" and {len(conflicts) - _LISTED} more" if len(conflicts) > _LISTED else ""
        raise SyncConflictError(
            f"{len(conflicts)} node(s) exist on both sides under the same UUID with different content "
            f"(type, attributes or files): {listed}{more}; nothing was written"
        )
    return plan


def _conflicts(source: StorageBackend, target: StorageBackend, present: dict[int, int]) -> list[str]:
    """UUIDs of present nodes whose content differs between the two storages."""
    if not present:
        return []
    columns = ("id", "uuid", *_IDENTITY)
    mine = {
        row["id"]: row
        for row in source.get_rows(EntityTypes.NODE, {"id": In(tuple(present))}, columns=columns)
    }
    theirs = {
        row["id"]: row
        for row in target.get_rows(EntityTypes.NODE, {"id": In(tuple(present.values()))}, columns=columns)
    }
    return [mine[pk]["uuid"] for pk, other in present.items() if _differs(mine[pk], theirs[other])]


def link_closure(
    source: StorageBackend, target: StorageBackend, candidates: set[int], progress: Progress | None = None
) -> set[int]:
    """``candidates`` plus every node their links reach that the target lacks, transitively.

    An incremental sync reads only what changed; a changed node may link to one the target has
    lost (deleted there) or never had. Those travel too, so that every link can be written.
    """
    result = set(candidates)
    frontier = sorted(candidates)
    while frontier:
        ends: set[int] = set()
        for chunk in chunks(frontier):
            key = tuple(chunk)
            for column, other in (("output_id", "input_id"), ("input_id", "output_id")):
                for row in source.get_rows(
                    EntityTypes.LINK, {column: In(key)}, columns=(other,), order_by=()
                ):
                    if row[other] not in result:
                        ends.add(row[other])
        missing: set[int] = set()
        for chunk in chunks(sorted(ends)):
            rows = source.get_rows(
                EntityTypes.NODE, {"id": In(tuple(chunk))}, columns=("id", "uuid"), order_by=()
            )
            there = find_by_uuid(target, EntityTypes.NODE, [row["uuid"] for row in rows])
            missing.update(row["id"] for row in rows if row["uuid"] not in there)
        result |= missing
        frontier = sorted(missing)
        if progress is not None:
            progress("Following links", len(result), len(result))
    return result
