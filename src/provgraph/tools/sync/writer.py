"""Write a :class:`~provgraph.tools.sync.plan.SyncPlan` into the target, in committed batches.

The order makes every committed state a consistent graph, so a sync killed at any point leaves
a target that passes the integrity check, and the next sync goes on from there:

1. **objects** the new nodes need, streamed from the source's object store into the target's
   packs (each one hashed on the way: content-addressed, so a wrong byte shows as a wrong key);
2. **users, computers and groups** (matched by email and UUID, relabelled on a clash), one
   transaction;
3. **new nodes, a batch at a time** in the order they were stored, each batch in a transaction
   with the links whose ends are then both on the target, their memberships, comments and logs.
   A link between two new nodes waits for the batch that holds its later end;
4. **what changed on nodes the target had**: extras (merged by the archive's modes), links,
   memberships, comments and logs the target lacks, and finally the cursor: one transaction.

Rows are read from the source a batch of ids at a time, and written with the storage's bulk
inserts; nothing per row goes through the ORM.
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import json
import shutil
import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from provgraph.common.archive_format import create_archive_database
from provgraph.common.scratch import scratch_folder
from provgraph.exceptions import CorruptStorage, ImportValidationError, InputValidationError, SyncError
from provgraph.orm.nodes.link_rules import CYCLE_CHECKED
from provgraph.orm.users import User
from provgraph.repository.abstract import RepositoryBackend
from provgraph.storage.abstract import Above, EntityTypes, In, StorageBackend
from provgraph.tools.archive.extras import merge_extras
from provgraph.tools.archive.merge import Link, check_link_degrees, check_new_output, free_label, stored_links
from provgraph.tools.sync.cursor import MARGIN, Mark
from provgraph.tools.sync.plan import BATCH, Progress, SyncPlan, chunks, find_by_uuid, ids_filter, is_run

__all__ = ["NodeMap", "Scope", "SyncWriter"]

_OBJECTS_PER_PACK_WRITE = 500
_CHUNK = 1024 * 1024
_CYCLE_CHECKED = frozenset(link_type.value for link_type in CYCLE_CHECKED)
# The scratch database's one table: an archive's node columns, without the foreign keys (its users and
# computers are not there) and without indexes (rows pass through once).
_SCRATCH_SCHEMA = (
    """CREATE TABLE db_dbnode (
    id INTEGER NOT NULL PRIMARY KEY, uuid VARCHAR(32) NOT NULL, node_type VARCHAR(255) NOT NULL,
    process_type VARCHAR(255), label VARCHAR(255) NOT NULL, description TEXT NOT NULL,
    ctime DATETIME NOT NULL, mtime DATETIME NOT NULL, attributes JSON, extras JSON,
    repository_metadata JSON NOT NULL, dbcomputer_id INTEGER, user_id INTEGER NOT NULL)""",
)
# A batch of node rows as the target stores them, selected from the scratch database by the target
# (``bulk_insert_from_sqlite``): user and computer ids mapped through JSON objects source id -> target id.
_NODE_COPY = (
    "SELECT uuid, node_type, process_type, coalesce(label, '') AS label, "
    "coalesce(description, '') AS description, ctime, mtime, coalesce(attributes, '{}') AS attributes, "
    "coalesce(extras, '{}') AS extras, coalesce(repository_metadata, '{}') AS repository_metadata, "
    "json_extract(:computers, '$.\"' || dbcomputer_id || '\"') AS dbcomputer_id, "
    "json_extract(:users, '$.\"' || user_id || '\"') AS user_id "
    "FROM source.db_dbnode ORDER BY id"
)


class NodeMap:
    """Source node id -> target node id, in 16 bytes per new node instead of a dict's hundred.

    New nodes are written in the order of ``new`` (sorted source ids), so the written ones are a
    prefix of it and their target ids an array beside it, found by bisection; the nodes the
    target had (and ends found on it later) sit in a small dict.
    """

    def __init__(self, new: Sequence[int], present: dict[int, int]) -> None:
        self._new = new
        self._targets = array("q")
        self._other = dict(present)

    def _index(self, source: int) -> int | None:
        index = bisect.bisect_left(self._new, source)
        return index if index < len(self._new) and self._new[index] == source else None

    def written(self, targets: Sequence[int]) -> None:
        """The target ids of the next new nodes, in order."""
        self._targets.extend(targets)

    def add(self, source: int, target: int) -> None:
        self._other[source] = target

    def get(self, source: int) -> int | None:
        index = self._index(source)
        if index is None:
            return self._other.get(source)
        return self._targets[index] if index < len(self._targets) else None

    def is_pending(self, source: int) -> bool:
        """A new node not written yet."""
        index = self._index(source)
        return index is not None and index >= len(self._targets)

    def is_inserted(self, source: int) -> bool:
        """A new node this sync has written."""
        index = self._index(source)
        return index is not None and index < len(self._targets)

    def __contains__(self, source: object) -> bool:
        return isinstance(source, int) and self.get(source) is not None

    def __getitem__(self, source: int) -> int:
        target = self.get(source)
        if target is None:
            raise KeyError(source)
        return target


@dataclass
class Scope:
    """Which groups, comments and logs travel besides the nodes (the selection's kinds)."""

    groups: set[int] | None
    """Source group ids to sync; None: every group."""
    include_comments: bool = True
    include_logs: bool = True
    mark: Mark | None = None
    """The cursor: rows added after it are looked at on nodes the target had; None: all of them."""


@dataclass
class Counts:
    new: dict[str, int] = field(default_factory=dict)
    present: dict[str, int] = field(default_factory=dict)
    relabelled: dict[str, str] = field(default_factory=dict)
    objects: int = 0
    object_bytes: int = 0
    links_waiting: int = 0

    def add(self, entity: str, is_new: bool, amount: int = 1) -> None:
        counter = self.new if is_new else self.present
        counter[entity] = counter.get(entity, 0) + amount


class _LazyObject:
    """A source object opened on its first read and closed at its end, so that a pack write of
    hundreds of objects holds one open file at a time and never a whole object in memory."""

    def __init__(self, repository: RepositoryBackend, key: str) -> None:
        self._repository = repository
        self._key = key
        self._context: Any = None
        self._stream: BinaryIO | None = None
        self._done = False

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        if self._stream is None:
            self._context = self._repository.open(self._key)
            self._stream = self._context.__enter__()
        chunk = cast(BinaryIO, self._stream).read(size)
        if not chunk or size < 0:
            self.close()
        return chunk

    def close(self) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
        self._context = self._stream = None
        self._done = True


class SyncWriter:
    """One sync's writes; ids of the source mapped to ids of the target as rows arrive."""

    def __init__(
        self,
        source: StorageBackend,
        target: StorageBackend,
        plan: SyncPlan,
        scope: Scope,
        *,
        extras_mode: tuple[str, str, str],
        comment_mode: str,
        origin: str,
        progress: Progress,
        batch_size: int = BATCH,
    ) -> None:
        self.source = source
        self.target = target
        self.plan = plan
        self.scope = scope
        self.extras_mode = extras_mode
        self.comment_mode = comment_mode
        self.origin = origin
        self.progress = progress
        self.batch_size = batch_size
        self.counts = Counts()
        self.users: dict[int, int] = {}
        self.computers: dict[int, int] = {}
        self.groups: dict[int, int] = {}
        self.nodes = NodeMap(plan.new, plan.present)  # source node id -> target node id
        self._scratch_connection: sqlite3.Connection | None = None
        self._scratch_folder = self._scratch_path = Path()

    # -- 1. objects --------------------------------------------------------------------------------

    def missing_objects(self) -> list[str]:
        keys = sorted(self.plan.object_keys)
        repository = self.target.get_repository()
        missing: list[str] = []
        for chunk in chunks(keys):
            missing.extend(
                key for key, present in zip(chunk, repository.has_objects(chunk), strict=True) if not present
            )
        return missing

    def copy_objects(self, keys: Sequence[str]) -> None:
        mine, theirs = self.source.get_repository(), self.target.get_repository()
        for done, chunk in enumerate(chunks(list(keys), _OBJECTS_PER_PACK_WRITE), start=1):
            try:
                stored = theirs.put_objects_from_streams(
                    [cast(BinaryIO, _LazyObject(mine, key)) for key in chunk]
                )
            except FileNotFoundError as exc:
                raise CorruptStorage(
                    f"{self.origin}: a node refers to an object its repository lacks ({exc})"
                ) from exc
            for key, written in zip(chunk, stored, strict=True):
                if key != written:
                    raise CorruptStorage(
                        f"{self.origin}: object {key} does not hash to its name (read as {written}); "
                        "run `provgraph storage integrity` on that profile"
                    )
            self.progress("Copying files", min(done * _OBJECTS_PER_PACK_WRITE, len(keys)), len(keys))
        self.counts.objects = len(keys)

    # -- 2. users, computers, groups ---------------------------------------------------------------

    def write_owners(self) -> None:
        """Users, the computers of new nodes and the groups in scope; one transaction."""
        with self.target.transaction():
            self._users()
            self._computers()
            self._groups()

    def _users(self) -> None:
        rows = self.source.get_rows(
            EntityTypes.USER, columns=("id", "email", "first_name", "last_name", "institution")
        )
        emails = [User.normalize_email(row["email"]) for row in rows]
        there = {
            row["email"]: row["id"]
            for row in self.target.get_rows(EntityTypes.USER, {"email": In(tuple(emails))})
        }
        fresh = []
        for row, email in zip(rows, emails, strict=True):
            if email in there:
                self.users[row["id"]] = there[email]
            else:
                fresh.append(
                    (
                        row["id"],
                        {
                            **{k: row[k] or "" for k in ("first_name", "last_name", "institution")},
                            "email": email,
                        },
                    )
                )
        ids = self.target.bulk_insert(EntityTypes.USER, [values for _, values in fresh], savepoint=False)
        self.users.update(zip([pk for pk, _ in fresh], ids, strict=True))
        self.counts.add("Users", True, len(ids))
        self.counts.add("Users", False, len(rows) - len(ids))

    def _computers(self) -> None:
        if not self.plan.computers:
            return
        rows = self.source.get_rows(EntityTypes.COMPUTER, {"id": In(tuple(self.plan.computers))})
        there = find_by_uuid(self.target, EntityTypes.COMPUTER, [row["uuid"] for row in rows])
        fresh: list[tuple[int, dict[str, Any]]] = []

        def taken(label: str) -> bool:
            return any(values["label"] == label for _, values in fresh) or bool(
                self.target.count_rows(EntityTypes.COMPUTER, {"label": label})
            )

        for row in rows:
            if row["uuid"] in there:
                self.computers[row["id"]] = there[row["uuid"]]["id"]
                continue
            values = {key: value for key, value in row.items() if key != "id"}
            values["label"] = free_label(row["label"], taken, "computer", self.counts.relabelled)
            fresh.append((row["id"], values))
        ids = self.target.bulk_insert(EntityTypes.COMPUTER, [values for _, values in fresh], savepoint=False)
        self.computers.update(zip([pk for pk, _ in fresh], ids, strict=True))
        self.counts.add("Computers", True, len(ids))
        self.counts.add("Computers", False, len(rows) - len(ids))

    def _groups(self) -> None:
        filters = None if self.scope.groups is None else {"id": In(tuple(self.scope.groups))}
        if filters is not None and not self.scope.groups:
            return
        rows = self.source.get_rows(EntityTypes.GROUP, filters)
        there = find_by_uuid(self.target, EntityTypes.GROUP, [row["uuid"] for row in rows])
        pending: list[tuple[str, str]] = []

        def taken(label: str, type_string: str) -> bool:
            return (label, type_string) in pending or bool(
                self.target.count_rows(EntityTypes.GROUP, {"label": label, "type_string": type_string})
            )

        fresh: list[tuple[int, dict[str, Any]]] = []
        for row in rows:
            if row["uuid"] in there:
                self.groups[row["id"]] = there[row["uuid"]]["id"]
                continue
            label = free_label(
                row["label"],
                functools.partial(taken, type_string=row["type_string"]),
                "group",
                self.counts.relabelled,
            )
            pending.append((label, row["type_string"]))
            values = {key: value for key, value in row.items() if key != "id"}
            fresh.append((row["id"], {**values, "label": label, "user_id": self.users[row["user_id"]]}))
        ids = self.target.bulk_insert(EntityTypes.GROUP, [values for _, values in fresh], savepoint=False)
        self.groups.update(zip([pk for pk, _ in fresh], ids, strict=True))
        self.counts.add("Groups", True, len(ids))
        self.counts.add("Groups", False, len(rows) - len(ids))

    # -- 3. new nodes, batch by batch ----------------------------------------------------------------

    def write_new_nodes(self) -> None:
        total = len(self.plan.new)
        for done, chunk in enumerate(chunks(self.plan.new, self.batch_size), start=1):
            with self._refusals(), self.target.transaction():
                self._insert_nodes(chunk)
                self._links_of(chunk)
                self._memberships_of(chunk, new=True)
                self._comments_of(chunk)
                self._logs_of(chunk)
            self.progress("Writing nodes", min(done * self.batch_size, total), total)

    def _insert_nodes(self, chunk: Sequence[int]) -> None:
        """Copy a batch of node rows through the scratch database: the storages' own bulk copy
        paths (an archive's), so no node row is decoded or encoded in Python."""
        self._scratch.execute("DELETE FROM db_dbnode")
        if is_run(chunk):
            self.source.copy_rows_to_sqlite(
                EntityTypes.NODE, self._scratch_path, id_range=(chunk[0], chunk[-1])
            )
        else:
            self.source.copy_rows_to_sqlite(EntityTypes.NODE, self._scratch_path, ids=list(chunk))
        copied = [row[0] for row in self._scratch.execute("SELECT id FROM db_dbnode ORDER BY id")]
        mapping = {
            "users": json.dumps({str(key): value for key, value in self.users.items()}),
            "computers": json.dumps({str(key): value for key, value in self.computers.items()}),
        }
        ids = self.target.bulk_insert_from_sqlite(
            EntityTypes.NODE, self._scratch_path, _NODE_COPY, mapping, savepoint=False
        )
        if copied != list(chunk) or len(ids) != len(copied):
            raise SyncError(
                f"{self.origin} changed while syncing ({len(chunk)} nodes were to be copied, {len(copied)} "
                "were found); nothing of this batch was written, run the sync again"
            )
        self.nodes.written(ids)
        self.counts.add("Nodes", True, len(ids))

    @property
    def _scratch(self) -> sqlite3.Connection:
        """An archive-shaped SQLite file the batches of node rows pass through (made on first use)."""
        if self._scratch_connection is None:
            folder = scratch_folder("provgraph-sync-")
            self._scratch_folder = folder
            self._scratch_path = folder / "nodes.sqlite3"
            self._scratch_connection = create_archive_database(self._scratch_path, _SCRATCH_SCHEMA)
        return self._scratch_connection

    def close(self) -> None:
        """Remove the scratch database."""
        if self._scratch_connection is not None:
            self._scratch_connection.close()
            self._scratch_connection = None
            shutil.rmtree(self._scratch_folder, ignore_errors=True)

    def _resolve(self, ends: set[int]) -> None:
        """Find on the target the nodes at links' ends that the plan did not look at."""
        unknown = sorted(end for end in ends if end not in self.nodes and not self.nodes.is_pending(end))
        for chunk in chunks(unknown):
            rows = self.source.get_rows(
                EntityTypes.NODE, {"id": In(tuple(chunk))}, columns=("id", "uuid"), order_by=()
            )
            there = find_by_uuid(self.target, EntityTypes.NODE, [row["uuid"] for row in rows])
            for row in rows:
                if row["uuid"] in there and row["id"] not in self.plan.unsealed:
                    self.nodes.add(row["id"], there[row["uuid"]]["id"])

    def _source_links(self, node_ids: Sequence[int], since: int | None = None) -> list[dict[str, Any]]:
        """The source's links touching ``node_ids`` (or, with ``since``, every link above that id)."""
        found: dict[int, dict[str, Any]] = {}
        columns = ("id", "input_id", "output_id", "type", "label")
        if since is not None:
            for row in self.source.get_rows(EntityTypes.LINK, {"id": Above(since)}, columns=columns):
                found[row["id"]] = row
        for chunk in chunks(list(node_ids)):
            for column in ("output_id", "input_id"):
                for row in self.source.get_rows(
                    EntityTypes.LINK, {column: ids_filter(chunk)}, columns=columns, order_by=()
                ):
                    found[row["id"]] = row
        return list(found.values())

    def _links_of(self, node_ids: Sequence[int], since: int | None = None, *, final: bool = False) -> None:
        """Write the links touching ``node_ids`` whose ends are both on the target by now."""
        links = self._source_links(node_ids, since)
        if final:  # links touching a node this sync wrote went with that node's batch
            links = [
                row
                for row in links
                if not self.nodes.is_inserted(row["input_id"])
                and not self.nodes.is_inserted(row["output_id"])
            ]
        self._resolve({row["input_id"] for row in links} | {row["output_id"] for row in links})
        ready: list[tuple[Link, dict[str, Any]]] = []
        into_present: list[Link] = []
        for row in links:
            source_end, target_end = row["input_id"], row["output_id"]
            if self.nodes.is_pending(source_end) or self.nodes.is_pending(target_end):
                continue  # written with the batch of its later end
            if not self._ready(row):
                self.counts.links_waiting += 1  # an end stays behind (unsealed, or outside the selection)
                continue
            link = (self.nodes[source_end], self.nodes[target_end], str(row["type"]), str(row["label"]))
            ready.append((link, row))
            if not self.nodes.is_inserted(target_end):
                into_present.append(link)
        present_links = stored_links(self.target, into_present, BATCH)
        checked_ends = set(into_present)
        fresh: list[Link] = []
        for link, row in ready:
            if link in present_links:
                self.counts.add("Links", False)
                continue
            if link in checked_ends:
                check_link_degrees(self.target, link, self.origin)
            elif not self.nodes.is_inserted(row["input_id"]):
                check_new_output(self.target, link, self.origin)
            fresh.append(link)
        if fresh:
            inputs, outputs, kinds, labels = zip(*fresh, strict=True)
            columns = {"input_id": inputs, "output_id": outputs, "type": kinds, "label": labels}
            self.target.bulk_insert_columns(EntityTypes.LINK, columns, savepoint=False)
        for source_id, target_id, kind, _label in (link for link in fresh if link in checked_ends):
            if kind in _CYCLE_CHECKED and self.target.is_reachable(target_id, source_id):
                raise ImportValidationError(
                    f"{self.origin}: a {kind} link from node {source_id} to node {target_id} would close a "
                    "cycle with the target's links; refusing it"
                )
        self.counts.add("Links", True, len(fresh))

    def _writable(self, node: int, *, final: bool) -> bool:
        """Whether rows of source node ``node`` are written now: it is on the target, and in the
        final step only if this sync did not write it (its batch took its rows along)."""
        return node in self.nodes and not (final and self.nodes.is_inserted(node))

    def _ready(self, row: dict[str, Any]) -> bool:
        """Whether both ends of a source link are on the target now."""
        ends = (row["input_id"], row["output_id"])
        return all(end in self.nodes for end in ends)

    def _memberships_of(self, node_ids: Sequence[int], *, new: bool, since: int | None = None) -> None:
        columns = ("id", "dbgroup_id", "dbnode_id")
        rows: dict[int, dict[str, Any]] = {}
        if since is not None:
            rows.update(
                (row["id"], row)
                for row in self.source.get_rows(EntityTypes.GROUP_NODE, {"id": Above(since)}, columns=columns)
            )
        for chunk in chunks(list(node_ids)):
            rows.update(
                (row["id"], row)
                for row in self.source.get_rows(
                    EntityTypes.GROUP_NODE, {"dbnode_id": ids_filter(chunk)}, columns=columns
                )
            )
        by_group: dict[int, list[int]] = {}
        self._resolve({row["dbnode_id"] for row in rows.values()})
        for row in rows.values():
            group, node = self.groups.get(row["dbgroup_id"]), self.nodes.get(row["dbnode_id"])
            if group is not None and node is not None and self._writable(row["dbnode_id"], final=not new):
                by_group.setdefault(group, []).append(node)
        added = 0
        for group, members in by_group.items():
            if new:  # nodes written by this batch belong to no group yet
                columns_ = {"dbgroup_id": [group] * len(members), "dbnode_id": members}
                self.target.bulk_insert_columns(EntityTypes.GROUP_NODE, columns_, savepoint=False)
                added += len(members)
                continue
            fresh = set(members)
            for chunk in chunks(sorted(fresh)):
                for row in self.target.get_rows(
                    EntityTypes.GROUP_NODE,
                    {"dbgroup_id": group, "dbnode_id": In(tuple(chunk))},
                    columns=("dbnode_id",),
                ):
                    fresh.discard(row["dbnode_id"])
            self.target.add_group_nodes(group, sorted(fresh))
            added += len(fresh)
            self.counts.add("Memberships", False, len(set(members)) - len(fresh))
        self.counts.add("Memberships", True, added)

    def _comments_of(
        self, node_ids: Sequence[int], since: Mark | None = None, *, final: bool = False
    ) -> None:
        if not self.scope.include_comments:
            return
        rows: dict[int, dict[str, Any]] = {}
        if since is not None:
            rows.update(
                (row["id"], row)
                for row in self.source.get_rows(EntityTypes.COMMENT, {"id": Above(since.comment_id)})
            )
            if since.comment_mtime is not None:
                window = since.comment_mtime - MARGIN
                rows.update(
                    (row["id"], row)
                    for row in self.source.get_rows(EntityTypes.COMMENT, {"mtime": Above(window)})
                )
        for chunk in chunks(list(node_ids)):
            rows.update(
                (row["id"], row)
                for row in self.source.get_rows(EntityTypes.COMMENT, {"dbnode_id": ids_filter(chunk)})
            )
        self._resolve({row["dbnode_id"] for row in rows.values()})
        candidates = [row for row in rows.values() if self._writable(row["dbnode_id"], final=final)]
        there = find_by_uuid(self.target, EntityTypes.COMMENT, [row["uuid"] for row in candidates], "mtime")
        fresh, updates = [], []
        for row in candidates:
            found = there.get(row["uuid"])
            if found is None:
                fresh.append(
                    {
                        "uuid": row["uuid"],
                        "dbnode_id": self.nodes[row["dbnode_id"]],
                        "ctime": row["ctime"],
                        "mtime": row["mtime"],
                        "user_id": self.users[row["user_id"]],
                        "content": row["content"] or "",
                    }
                )
                continue
            self.counts.add("Comments", False)
            newer = row["mtime"] > found["mtime"]
            if self.comment_mode == "overwrite" or (self.comment_mode == "newest" and newer):
                updates.append({"id": found["id"], "content": row["content"] or "", "mtime": row["mtime"]})
        self.target.bulk_insert(EntityTypes.COMMENT, fresh, savepoint=False)
        self.target.bulk_update(EntityTypes.COMMENT, updates)
        self.counts.add("Comments", True, len(fresh))

    def _logs_of(self, node_ids: Sequence[int], since: int | None = None, *, final: bool = False) -> None:
        if not self.scope.include_logs:
            return
        rows: dict[int, dict[str, Any]] = {}
        if since is not None:
            rows.update(
                (row["id"], row) for row in self.source.get_rows(EntityTypes.LOG, {"id": Above(since)})
            )
        for chunk in chunks(list(node_ids)):
            rows.update(
                (row["id"], row)
                for row in self.source.get_rows(EntityTypes.LOG, {"dbnode_id": ids_filter(chunk)})
            )
        self._resolve({row["dbnode_id"] for row in rows.values()})
        candidates = [row for row in rows.values() if self._writable(row["dbnode_id"], final=final)]
        there = find_by_uuid(self.target, EntityTypes.LOG, [row["uuid"] for row in candidates])
        fresh = [
            {
                **{key: value for key, value in row.items() if key != "id"},
                "dbnode_id": self.nodes[row["dbnode_id"]],
            }
            for row in candidates
            if row["uuid"] not in there
        ]
        self.target.bulk_insert(EntityTypes.LOG, fresh, savepoint=False)
        self.counts.add("Logs", True, len(fresh))
        self.counts.add("Logs", False, len(candidates) - len(fresh))

    # -- 4. what changed on nodes the target had -----------------------------------------------------

    def write_changes(self, finish: Any) -> None:
        """Extras, links, memberships, comments and logs of present nodes; then ``finish()`` (the
        cursor), all in one transaction."""
        present = sorted(self.plan.present)
        mark = self.scope.mark
        with self._refusals(), self.target.transaction():
            self._merge_extras(present)
            self._links_of(present, since=None if mark is None else mark.link_id, final=True)
            self._memberships_of(present, new=False, since=None if mark is None else mark.group_node_id)
            self._comments_of(present, since=mark, final=True)
            self._logs_of(present, since=None if mark is None else mark.log_id, final=True)
            finish()
        self.counts.add("Nodes", False, len(present))

    def _merge_extras(self, present: Sequence[int]) -> None:
        if self.extras_mode == ("k", "n", "l"):
            return  # the default keeps the target's extras as they are (archive import's rule)
        for chunk in chunks(list(present)):
            mine = {
                row["id"]: row["extras"] or {}
                for row in self.source.get_rows(
                    EntityTypes.NODE, {"id": In(tuple(chunk))}, columns=("id", "extras")
                )
            }
            ids = tuple(self.plan.present[pk] for pk in chunk)
            theirs = {
                row["id"]: row["extras"] or {}
                for row in self.target.get_rows(EntityTypes.NODE, {"id": In(ids)}, columns=("id", "extras"))
            }
            updates = []
            for pk in chunk:
                existing = theirs[self.plan.present[pk]]
                merged = merge_extras(existing, mine[pk], self.extras_mode)
                if merged != existing:
                    updates.append({"id": self.plan.present[pk], "extras": merged})
            self.target.bulk_update(EntityTypes.NODE, updates)

    @contextlib.contextmanager
    def _refusals(self) -> Iterator[None]:
        """A broken unique constraint while writing: someone else wrote the same rows meanwhile."""
        try:
            yield
        except InputValidationError as error:
            raise SyncError(
                f"the target refused rows from {self.origin} ({error}); another process may be writing "
                "the same nodes: nothing of this batch was written, run the sync again"
            ) from error
