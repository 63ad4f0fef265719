"""Sync two storages: move what the target lacks, safely and again and again.

``sync_storages(source, target)`` copies nodes, links, groups and memberships, comments, logs,
users, computers and repository objects from one storage to another, by the rules of archive
import (entities matched by UUID or email, extras and comments merged by the same modes, link
rules checked against what the target holds). It is

- **incremental**: a cursor per pair of storages and selection (:mod:`.cursor`) makes the next
  sync read only what changed since the last one;
- **idempotent**: a second sync finds nothing to move and says so;
- **resumable**: batches commit in dependency order (:mod:`.writer`), so a sync killed midway
  leaves a consistent target and the next one goes on where it stopped;
- **safe**: a node that exists on both sides with different content stops the sync before
  anything is written (:class:`~provgraph.exceptions.SyncConflictError`).

Deletions do not travel: a node deleted on one side stays on the other (and comes back to the
side that deleted it if that side syncs from the other).

>>> from provgraph.tools.sync import sync_profiles
>>> summary = sync_profiles("laptop", "group-server")  # doctest: +SKIP
>>> summary.new["Nodes"], summary.object_bytes  # doctest: +SKIP
(1000, 52428800)
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from provgraph.access import ProfileAccessManager
from provgraph.config import Profile
from provgraph.exceptions import InputValidationError, ReadOnlyStorageError, SyncError
from provgraph.manager import get_manager
from provgraph.storage import get_storage_class
from provgraph.storage.abstract import Above, EntityTypes, StorageBackend
from provgraph.tools.archive.extras import merge_mode
from provgraph.tools.archive.imports import COMMENT_MODES
from provgraph.tools.archive.selection import select_entities
from provgraph.tools.graph.rules import AppliedRules, GraphTraversalRules, validate_traversal_rules
from provgraph.tools.graph.traversal import FILTER_SIZE
from provgraph.tools.sync.cursor import (
    MARGIN,
    Mark,
    count_up_to,
    cursor_key,
    margin_count,
    read_cursor,
    selection_digest,
    storage_id,
    take_mark,
    write_cursor,
)
from provgraph.tools.sync.plan import BATCH, Progress, link_closure, plan_sync
from provgraph.tools.sync.writer import Scope, SyncWriter

__all__ = ["SyncSummary", "open_profile_storage", "sync_profiles", "sync_storages"]

_ID_PAGE = 100_000
_ENTITY_ORDER = ("Users", "Computers", "Groups", "Nodes", "Links", "Memberships", "Comments", "Logs")


@dataclass
class SyncSummary:
    """What a sync moved (``new``) and found on the target already (``present``), per entity."""

    source: str
    target: str
    new: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    objects: int = 0
    object_bytes: int = 0
    unsealed: int = 0
    """Process nodes left behind because they are not sealed yet (running, or interrupted)."""
    links_waiting: int = 0
    """Links not written because an end stays behind (unsealed, or outside the selection)."""
    relabelled: dict[str, str] = field(default_factory=dict)
    incremental: bool = False
    """Whether a cursor limited the sync to what changed since the last one."""
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def nothing_new(self) -> bool:
        return not any(self.new.values()) and self.objects == 0

    def table(self) -> list[tuple[str, int, int]]:
        """(entity, new, already there) rows in dependency order."""
        names = [name for name in _ENTITY_ORDER if name in self.new or name in self.present]
        return [(name, self.new.get(name, 0), self.present.get(name, 0)) for name in names]


def changed_nodes(source: StorageBackend, mark: Mark) -> set[int]:
    """Source nodes added or modified since ``mark``, plus the ends of links and memberships added
    since; the whole margin window when a late or skewed write may hide below the mark."""
    ids = {
        row["id"]
        for row in source.get_rows(
            EntityTypes.NODE, {"id": Above(mark.node_id)}, columns=("id",), order_by=()
        )
    }
    if mark.node_mtime is not None:
        since = mark.node_mtime
        if margin_count(source, mark.node_mtime) != mark.nodes_in_margin:
            since = mark.node_mtime - MARGIN
        rows = source.get_rows(EntityTypes.NODE, {"mtime": Above(since)}, columns=("id",), order_by=())
        ids.update(row["id"] for row in rows)
    for row in source.get_rows(
        EntityTypes.LINK, {"id": Above(mark.link_id)}, columns=("input_id", "output_id"), order_by=()
    ):
        ids.update((row["input_id"], row["output_id"]))
    rows = source.get_rows(
        EntityTypes.GROUP_NODE, {"id": Above(mark.group_node_id)}, columns=("dbnode_id",), order_by=()
    )
    ids.update(row["dbnode_id"] for row in rows)
    return ids


def _all_nodes(source: StorageBackend) -> array[int]:
    """Every node id of ``source``, ascending, read a page at a time into a compact array."""
    ids: array[int] = array("q")
    while True:
        after = {"id": Above(ids[-1])} if ids else None
        page = source.get_rows(EntityTypes.NODE, after, columns=("id",), limit=_ID_PAGE)
        ids.extend(row["id"] for row in page)
        if len(page) < _ID_PAGE:
            return ids


def sync_storages(
    source: StorageBackend,
    target: StorageBackend,
    *,
    entities: Iterable[Any] | None = None,
    include_comments: bool = True,
    include_logs: bool = True,
    merge_extras: str | Sequence[str] = ("k", "n", "l"),
    merge_comments: str = "leave",
    dry_run: bool = False,
    full: bool = False,
    batch_size: int = BATCH,
    progress: Progress | None = None,
    **traversal_rules: bool,
) -> SyncSummary:
    """Move from ``source`` to ``target`` what the target lacks; return what moved.

    ``entities`` (nodes and groups; None: everything) are chosen as for an archive, with the
    EXPORT ``traversal_rules`` (``create_backward=False``, ...). ``merge_extras`` and
    ``merge_comments`` are archive import's modes for nodes and comments both sides have.
    ``dry_run`` plans and counts (nodes, files, bytes) and writes nothing. ``full`` ignores the
    cursor and compares everything by UUID. New nodes are committed ``batch_size`` at a time.
    ``progress`` is called with (stage, done, total).

    Raises ``SyncConflictError`` (different nodes under one UUID; nothing written),
    ``SyncError`` (the same storage twice; the target changed under the sync: run it again),
    ``ReadOnlyStorageError`` and the link-rule refusals of archive import.
    """
    started = time.monotonic()
    report: Progress = progress or (lambda stage, done, total: None)
    if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1:
        raise InputValidationError(f"batch_size must be a positive int, got {batch_size!r}")
    if merge_comments not in COMMENT_MODES:
        raise InputValidationError(
            f"unknown comment mode {merge_comments!r}: use one of {', '.join(COMMENT_MODES)}"
        )
    extras_mode = merge_mode(merge_extras)
    if not dry_run and target.read_only:
        raise ReadOnlyStorageError(f"cannot sync into {target}: it is read-only")
    if storage_id(source) == storage_id(target):
        raise SyncError(f"{source} and {target} are the same storage; a profile cannot sync with itself")
    rules = validate_traversal_rules(GraphTraversalRules.EXPORT, **traversal_rules)
    summary = SyncSummary(str(source.profile.name), str(target.profile.name), dry_run=dry_run)

    now = take_mark(source)
    includes = {"include_comments": include_comments, "include_logs": include_logs}
    key, mark, candidates, scope = _choose(
        source, target, entities, rules, includes, full=full, progress=report
    )
    summary.incremental = mark is not None

    plan = plan_sync(source, target, candidates=candidates, progress=report)
    del candidates  # a million ids need not outlive the plan
    origin = f"profile {summary.source!r}"
    writer = SyncWriter(
        source,
        target,
        plan,
        scope,
        extras_mode=extras_mode,
        comment_mode=merge_comments,
        origin=origin,
        progress=report,
        batch_size=batch_size,
    )
    missing = writer.missing_objects()
    summary.objects = len(missing)
    summary.object_bytes = source.get_repository().total_size(missing)
    summary.unsealed = len(plan.unsealed)
    if dry_run:
        summary.new = {"Nodes": len(plan.new)}
        summary.present = {"Nodes": len(plan.present)}
        summary.seconds = time.monotonic() - started
        return summary

    try:
        writer.copy_objects(missing)
        writer.write_owners()
        writer.write_new_nodes()
        writer.write_changes(lambda: write_cursor(target, key, now))
    finally:
        writer.close()
    if not source.read_only:
        write_cursor(source, key, now)
    summary.new, summary.present = writer.counts.new, writer.counts.present
    summary.links_waiting = writer.counts.links_waiting
    summary.relabelled = writer.counts.relabelled
    summary.seconds = time.monotonic() - started
    return summary


def _choose(
    source: StorageBackend,
    target: StorageBackend,
    entities: Iterable[Any] | None,
    rules: AppliedRules,
    includes: dict[str, bool],
    *,
    full: bool,
    progress: Progress,
) -> tuple[str, Mark | None, Iterable[int], Scope]:
    """The cursor's key, the cursor (None: compare all), the candidate nodes and what else travels.

    Everything: the nodes changed since the cursor (and the nodes their links need), else all.
    A selection: its nodes, compared by UUID each time (the cursor only names the selection).
    """
    if entities is None:
        key = cursor_key(source, target, selection_digest({"all": True, **includes}))
        mark = None if full else read_cursor(source, target, key)
        candidates: Iterable[int]
        if mark is None:
            candidates = _all_nodes(source)
        else:
            changed = changed_nodes(source, mark)
            if count_up_to(source, mark.node_id) != mark.nodes_up_to_id:
                changed.update(_all_nodes(source))  # nodes deleted or arrived out of order: compare all once
            candidates = link_closure(source, target, changed, progress) if changed else set()
        return (
            key,
            mark,
            candidates,
            Scope(None, includes["include_comments"], includes["include_logs"], mark),
        )
    selection = select_entities(
        entities, source, rules, include_authinfos=False, filter_size=FILTER_SIZE, **includes
    )
    description = {"entities": selection.starting_set, "rules": dict(rules.rules), **includes}
    key = cursor_key(source, target, selection_digest(description))
    mark = None if full else read_cursor(source, target, key)
    groups = set(selection.scope[EntityTypes.GROUP] or ())
    return (
        key,
        mark,
        selection.scope[EntityTypes.NODE] or set(),
        Scope(groups, includes["include_comments"], includes["include_logs"]),
    )


@contextmanager
def open_profile_storage(profile: str | Profile) -> Iterator[StorageBackend]:
    """A profile's storage of its own (not the manager's), recorded as in use while open.

    A full maintenance of that profile (which moves the objects a sync reads) waits meanwhile.
    """
    manager = get_manager()
    config = manager.get_config()
    chosen = profile if isinstance(profile, Profile) else config.get_profile(profile)
    access = ProfileAccessManager(chosen, config.dirpath)
    access.request_access()
    try:
        storage = get_storage_class(chosen.storage_backend)(chosen)
        try:
            yield storage
        finally:
            storage.close()
    finally:
        access.release_access()


def sync_profiles(source: str | Profile, target: str | Profile, **options: Any) -> SyncSummary:
    """Sync the storage of profile ``source`` into that of ``target`` (see :func:`sync_storages`).

    >>> sync_profiles("laptop", "group-server", dry_run=True).new  # doctest: +SKIP
    {'Nodes': 1000}
    """
    with open_profile_storage(source) as source_storage, open_profile_storage(target) as target_storage:
        return sync_storages(source_storage, target_storage, **options)
