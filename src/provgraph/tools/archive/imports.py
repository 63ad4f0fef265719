"""Merge an AiiDA archive into the loaded profile: ``provgraph archive import``.

Entities are matched as aiida-core matches them (users by email; computers, groups, nodes,
comments and logs by UUID; authinfos by user and computer), so importing the same archive twice
adds nothing. The import is atomic where it can be: the repository objects of new nodes go to
the object store first (straight into packs), then every row is written in one transaction. A
process killed midway therefore leaves no row behind, at worst objects nobody refers to, which
``storage maintain`` removes.

Only rows travel: no ORM object is built per node. Rows are read from the archive in batches,
mapped (ids renumbered, extras merged) and written with the storage's bulk inserts.

>>> from provgraph.tools.archive.imports import import_archive
>>> import_archive("tests/data/aiida-archives/small.aiida")  # doctest: +SKIP
12
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import time
import uuid as uuid_module
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, cast

from provgraph.exceptions import (
    CorruptArchive,
    ImportValidationError,
    InputValidationError,
    ReadOnlyStorageError,
)
from provgraph.orm.entities import get_default_backend
from provgraph.orm.nodes.link_rules import CYCLE_CHECKED
from provgraph.orm.users import User, UserCollection
from provgraph.repository.tree import Repository
from provgraph.storage.abstract import EntityTypes, In, StorageBackend
from provgraph.tools.archive.extras import merge_extras as merge_extras_values
from provgraph.tools.archive.extras import merge_mode, strip_internal_extras
from provgraph.tools.archive.import_checks import check_archive
from provgraph.tools.archive.merge import check_link_degrees, check_new_output, free_label, stored_links
from provgraph.tools.archive.source import COLUMNS, ArchiveSource

__all__ = ["COMMENT_MODES", "ImportSummary", "import_archive", "run_import"]

LOGGER = logging.getLogger(__name__)

COMMENT_MODES = ("leave", "newest", "overwrite")
IMPORT_GROUP_TYPE = "core.import"
_CHUNK = 1024 * 1024
# Object contents kept in memory between checking and copying them (read once instead of twice).
_HELD_BYTES = 64 * 1024 * 1024
# A concurrent import of overlapping content breaks a unique constraint: re-plan this many times.
_ATTEMPTS = 3

# The archive's node columns as a new node keeps them, computed by SQLite on the archive: as
# aiida-core's import does, the internal extras (``_aiida_*``: hash, cache flags) and the
# ``checkpoints`` attribute of process nodes are dropped, and the ``hidden`` extra of legacy codes.
# json_patch with a null per key removes exactly those keys and leaves every other value as it
# was (json_each would turn true and false into 1 and 0).
_STRIPPED_EXTRAS = (
    "CASE WHEN extras IS NULL OR instr(extras, '\"_aiida_') = 0 THEN extras ELSE json_patch(extras, "
    "(SELECT json_group_object(key, NULL) FROM json_each(db_dbnode.extras) "
    "WHERE substr(key, 1, 7) = '_aiida_')) END"
)
_NODE_EXPRESSIONS = {
    "attributes": "CASE WHEN node_type LIKE 'process.%' AND instr(attributes, '\"checkpoints\"') > 0 "
    "THEN json_remove(attributes, '$.checkpoints') ELSE attributes END",
    "extras": f"CASE WHEN node_type = 'data.code.Code.' THEN json_remove({_STRIPPED_EXTRAS}, '$.hidden') "
    f"ELSE {_STRIPPED_EXTRAS} END",
}
# New nodes' rows as the profile stores them, selected from the archive database by the storage
# (``bulk_insert_from_sqlite``): ``{extras}`` is the extras expression (or none at all),
# ``{only_new}`` narrows a range of archive ids to the new ones where the profile had some; user and
# computer ids are mapped through JSON objects of archive id -> profile id.
_NEW_NODES = (
    "SELECT uuid, node_type, process_type, coalesce(label, '') AS label, "
    "coalesce(description, '') AS description, ctime, mtime, "
    f"coalesce({_NODE_EXPRESSIONS['attributes']}, '{{{{}}}}') AS attributes, "
    "coalesce({extras}, '{{}}') AS extras, "
    "coalesce(repository_metadata, '{{}}') AS repository_metadata, "
    "json_extract(:computers, '$.\"' || dbcomputer_id || '\"') AS dbcomputer_id, "
    "json_extract(:users, '$.\"' || user_id || '\"') AS user_id "
    "FROM source.db_dbnode AS db_dbnode WHERE id BETWEEN :first AND :last{only_new} ORDER BY id"
)
# New nodes per copy statement: large enough to cost nothing per statement, small enough for progress.
_NODES_PER_COPY = 20_000

#: Called with (stage, done, total) as the import proceeds; the CLI draws progress bars from it.
Progress = Callable[[str, int, int], None]


@dataclass
class ImportSummary:
    """What an import added (``new``) and found already present (``existing``), per entity."""

    archive: Path
    new: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    objects_copied: int = 0
    bytes_copied: int = 0
    import_group_pk: int | None = None
    import_group_label: str | None = None
    relabelled: dict[str, str] = field(default_factory=dict)
    dry_run: bool = False
    seconds: float = 0.0

    def count(self, entity: str, is_new: bool, amount: int = 1) -> None:
        target = self.new if is_new else self.existing
        target[entity] = target.get(entity, 0) + amount


def import_archive(
    path: str | Path,
    *,
    archive_format: Any = None,
    filter_size: int = 999,
    batch_size: int = 1000,
    import_new_extras: bool = True,
    merge_extras: str | Sequence[str] = ("k", "n", "l"),
    merge_comments: str = "leave",
    include_authinfos: bool = False,
    create_group: bool = True,
    group: Any = None,
    test_run: bool = False,
    backend: StorageBackend | None = None,
) -> int | None:
    """Import an archive into the profile's storage; return the pk of the import group (or None).

    aiida-core's signature and defaults. ``merge_extras`` is a three-letter mode (see
    :mod:`provgraph.tools.archive.extras`) or a mode name; ``group`` is a Group (or its pk) to
    add the archive's nodes to instead of a new import group. See :func:`run_import` for the
    summary of what was imported.
    """
    del archive_format  # one format exists; the argument is aiida-core's
    summary = run_import(
        path,
        filter_size=filter_size,
        batch_size=batch_size,
        import_new_extras=import_new_extras,
        merge_extras=merge_extras,
        merge_comments=merge_comments,
        include_authinfos=include_authinfos,
        create_group=create_group,
        group=group,
        test_run=test_run,
        backend=backend,
    )
    return summary.import_group_pk


def run_import(
    path: str | Path,
    *,
    filter_size: int = 999,
    batch_size: int = 1000,
    import_new_extras: bool = True,
    merge_extras: str | Sequence[str] = ("k", "n", "l"),
    merge_comments: str = "leave",
    include_authinfos: bool = False,
    create_group: bool = True,
    group: Any = None,
    test_run: bool = False,
    backend: StorageBackend | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import an archive and say what happened; ``test_run`` does all the checks and writes nothing."""
    if merge_comments not in COMMENT_MODES:
        raise InputValidationError(
            f"unknown comment mode {merge_comments!r}: use one of {', '.join(COMMENT_MODES)}"
        )
    for name, value in (("batch_size", batch_size), ("filter_size", filter_size)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputValidationError(f"{name} must be a positive int, got {value!r}")
    backend = backend or get_default_backend()
    if backend.read_only:
        raise ReadOnlyStorageError(f"cannot import into {backend}: it is read-only")
    started = time.perf_counter()
    with ArchiveSource(path) as source:
        check_archive(source)
        for attempt in range(1, _ATTEMPTS + 1):
            importer = _Importer(
                source,
                backend,
                summary=ImportSummary(Path(path), dry_run=test_run),
                batch_size=min(batch_size, filter_size),
                import_new_extras=import_new_extras,
                extras_mode=merge_mode(merge_extras),
                comment_mode=merge_comments,
                include_authinfos=include_authinfos,
                progress=progress or (lambda stage, done, total: None),
            )
            counts = backend.get_entity_counts()
            try:
                importer.run(create_group=create_group, group=group, test_run=test_run)
                break
            except InputValidationError as exc:
                # A broken constraint after every check passed: if another process wrote to the
                # profile meanwhile (the same UUIDs, say), plan again; otherwise it is the
                # archive's fault, and nothing was imported.
                if backend.get_entity_counts() == counts:
                    raise ImportValidationError(
                        f"{path}: the profile refused the archive's rows: {exc}"
                    ) from exc
                if attempt == _ATTEMPTS:
                    raise ImportValidationError(
                        f"{path}: the import conflicted {attempt} times with concurrent writes to the "
                        f"profile ({exc}); nothing was imported, try again"
                    ) from exc
                LOGGER.info("import of %s conflicted with a concurrent write; planning again", path)
    importer.summary.seconds = time.perf_counter() - started
    return importer.summary


def _parse_time(value: Any) -> datetime:
    """An archive timestamp (naive UTC text, or already a datetime) as a UTC-aware datetime."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise CorruptArchive(f"the archive holds the timestamp {value!r}, which is not a time") from exc
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _parse_json(value: Any, what: str) -> Any:
    if value is None or not isinstance(value, (str, bytes)):
        return value
    try:
        return json.loads(value)
    except ValueError as exc:
        raise CorruptArchive(f"the archive's {what} is not valid JSON ({exc})") from exc


def _json_object(value: Any, what: str) -> dict[str, Any]:
    parsed = _parse_json(value, what)
    if parsed is None:
        return {}
    if not isinstance(parsed, dict):
        raise CorruptArchive(f"the archive's {what} is not a JSON object")
    return parsed


def _chunks(values: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class _Importer:
    """One import: archive ids mapped to profile ids, table by table, in dependency order."""

    def __init__(
        self,
        source: ArchiveSource,
        backend: StorageBackend,
        *,
        summary: ImportSummary,
        batch_size: int,
        import_new_extras: bool,
        extras_mode: tuple[str, str, str],
        comment_mode: str,
        include_authinfos: bool,
        progress: Progress,
    ) -> None:
        self.source = source
        self.backend = backend
        self.summary = summary
        self.batch_size = batch_size
        self.import_new_extras = import_new_extras
        self.extras_mode = extras_mode
        self.comment_mode = comment_mode
        self.include_authinfos = include_authinfos
        self.progress = progress
        self.users: dict[int, int] = {}
        self.computers: dict[int, int] = {}
        self.nodes: dict[int, int] = {}  # archive node id -> profile node id (new and existing)
        self.new_node_ids: set[int] = set()  # archive ids of nodes the profile lacks
        self.groups: dict[int, int] = {}
        self.origin = str(source.original_path)

    def _find(self, entity: EntityTypes, column: str, values: Sequence[Any], *columns: str) -> dict[Any, Any]:
        """Profile rows whose ``column`` is one of ``values``: value -> row (batched IN queries)."""
        found: dict[Any, Any] = {}
        for chunk in _chunks(list(values), self.batch_size):
            for row in self.backend.get_rows(
                entity, {column: In(tuple(chunk))}, columns=(column, "id", *columns), order_by=()
            ):
                found[row[column]] = row
        return found

    # -- the plan: what is new, without writing -------------------------------------------------

    def run(self, *, create_group: bool, group: Any, test_run: bool) -> None:
        new_keys = self._plan_nodes()
        missing_keys = self._missing_objects(new_keys)
        if test_run:
            self._verify_objects(missing_keys)
            self._dry_counts()
            return
        self._copy_objects(missing_keys)
        with self.backend.transaction():
            self._import_users()
            self._import_computers()
            if self.include_authinfos:
                self._import_authinfos()
            self._import_nodes()
            self._import_links()
            self._import_groups()
            self._import_comments()
            self._import_logs()
            self._import_group(create_group, group)

    def _plan_nodes(self) -> list[str]:
        """Find which archive nodes the profile lacks; return the object keys those need."""
        keys: set[str] = set()
        total = self.source.count("db_dbnode")
        done = 0
        # A profile without nodes has none of the archive's: no need to look each one up.
        empty = self.backend.count_rows(EntityTypes.NODE) == 0
        for batch in self.source.batches(
            "db_dbnode", ("id", "uuid", "repository_metadata"), batch_size=self.batch_size
        ):
            existing = {} if empty else self._find(EntityTypes.NODE, "uuid", [row[1] for row in batch])
            for archive_id, node_uuid, repository_metadata in batch:
                row = existing.get(node_uuid)
                if row is not None:
                    self.nodes[archive_id] = row["id"]
                    continue
                self.new_node_ids.add(archive_id)
                if repository_metadata in (None, "{}"):
                    continue
                metadata = _json_object(repository_metadata, f"repository_metadata of node {node_uuid}")
                try:
                    keys.update(key for key in Repository.flatten(metadata).values() if key)
                except (AttributeError, TypeError, ValueError) as exc:
                    raise CorruptArchive(
                        f"{self.source.original_path}: node {node_uuid} has a malformed repository_metadata"
                    ) from exc
            done += len(batch)
            self.progress("Checking nodes", done, total)
        return sorted(keys)

    def _missing_objects(self, keys: Sequence[str]) -> list[str]:
        """The keys the profile's repository lacks (each checked to be in the archive)."""
        self.source.object_sizes(keys)  # raises for an object the archive does not hold
        repository = self.backend.get_repository()
        missing: list[str] = []
        for chunk in _chunks(list(keys), self.batch_size):
            missing.extend(
                key for key, present in zip(chunk, repository.has_objects(chunk), strict=True) if not present
            )
        self.summary.objects_copied = len(missing)
        self.summary.bytes_copied = self.source.object_sizes(missing)
        return missing

    def _dry_counts(self) -> None:
        new_nodes = len(self.new_node_ids)
        self.summary.count("Nodes", True, new_nodes)
        self.summary.count("Nodes", False, len(self.nodes))

    # -- objects first ----------------------------------------------------------------------------

    def _verify_objects(self, keys: Sequence[str]) -> dict[str, bytes]:
        """Hash every object the import will copy, so that a corrupt one is refused before any write.

        Returns the content of the first objects read, as long as they fit in ``_HELD_BYTES``
        together: the copy then writes those from memory instead of inflating them again.
        """
        held: dict[str, bytes] = {}
        room = _HELD_BYTES
        for done, key in enumerate(keys, start=1):
            with self.source.open_object(key) as stream:
                chunks: list[bytes] | None = []
                while chunk := stream.read(_CHUNK):
                    if chunks is not None and len(chunk) <= room:
                        chunks.append(chunk)
                        room -= len(chunk)
                    elif chunks is not None:
                        room += sum(map(len, chunks))
                        chunks = None
                if stream.hexdigest() != key:
                    raise CorruptArchive(
                        f"{self.source.original_path}: object repo/{key} does not hash to its name; "
                        "the archive is corrupt"
                    )
            if chunks is not None:
                held[key] = b"".join(chunks)
            if done % 1000 == 0 or done == len(keys):
                self.progress("Checking files", done, len(keys))
        return held

    def _copy_objects(self, keys: Sequence[str]) -> None:
        """Copy the objects new nodes need into the repository, before any row refers to them."""
        if not keys:
            return
        held = self._verify_objects(keys)
        repository = self.backend.get_repository()
        done = 0
        for chunk in _chunks(list(keys), self.batch_size):
            with contextlib.ExitStack() as stack:
                streams: list[Any] = [
                    io.BytesIO(held.pop(key))
                    if key in held
                    else stack.enter_context(self.source.open_object(key))
                    for key in chunk
                ]
                stored = repository.put_objects_from_streams([cast(BinaryIO, stream) for stream in streams])
            for key, stream, stored_key in zip(chunk, streams, stored, strict=True):
                read_as = key if isinstance(stream, io.BytesIO) else stream.hexdigest()
                if read_as != key or stored_key != key:
                    raise CorruptArchive(
                        f"{self.source.original_path}: object repo/{key} does not hash to its name; "
                        "the archive is corrupt"
                    )
            done += len(chunk)
            self.progress("Copying files", done, len(keys))

    # -- rows, table by table ---------------------------------------------------------------------

    def _import_users(self) -> None:
        rows = self.source.query(f"SELECT {', '.join(COLUMNS['db_dbuser'])} FROM db_dbuser ORDER BY id")
        existing = self._find(EntityTypes.USER, "email", [User.normalize_email(row[1]) for row in rows])
        new_rows: list[dict[str, Any]] = []
        new_archive_ids: list[int] = []
        for archive_id, raw_email, first_name, last_name, institution in rows:
            email = User.normalize_email(raw_email)
            found = existing.get(email)
            if found is not None:
                self.users[archive_id] = found["id"]
                continue
            new_archive_ids.append(archive_id)
            new_rows.append(
                {
                    "email": email,
                    "first_name": first_name or "",
                    "last_name": last_name or "",
                    "institution": institution or "",
                }
            )
        ids = self.backend.bulk_insert(EntityTypes.USER, new_rows, savepoint=False)
        self.users.update(zip(new_archive_ids, ids, strict=True))
        self.summary.count("Users", True, len(ids))
        self.summary.count("Users", False, len(rows) - len(ids))

    def _free_label(self, label: str, taken: Callable[[str], bool], what: str) -> str:
        return free_label(label, taken, what, self.summary.relabelled)

    def _import_computers(self) -> None:
        rows = self.source.query(
            f"SELECT {', '.join(COLUMNS['db_dbcomputer'])} FROM db_dbcomputer ORDER BY id"
        )
        existing = self._find(EntityTypes.COMPUTER, "uuid", [row[1] for row in rows])
        new_rows: list[dict[str, Any]] = []
        new_archive_ids: list[int] = []

        def taken(label: str) -> bool:
            return any(row["label"] == label for row in new_rows) or bool(
                self.backend.count_rows(EntityTypes.COMPUTER, {"label": label})
            )

        for archive_id, computer_uuid, label, hostname, description, scheduler, transport, metadata in rows:
            found = existing.get(computer_uuid)
            if found is not None:
                self.computers[archive_id] = found["id"]
                continue
            new_archive_ids.append(archive_id)
            new_rows.append(
                {
                    "uuid": computer_uuid,
                    "label": self._free_label(label, taken, "computer"),
                    "hostname": hostname or "",
                    "description": description or "",
                    "scheduler_type": scheduler or "",
                    "transport_type": transport or "",
                    "metadata": _json_object(metadata, f"metadata of computer {computer_uuid}"),
                }
            )
        ids = self.backend.bulk_insert(EntityTypes.COMPUTER, new_rows, savepoint=False)
        self.computers.update(zip(new_archive_ids, ids, strict=True))
        self.summary.count("Computers", True, len(ids))
        self.summary.count("Computers", False, len(rows) - len(ids))

    def _import_authinfos(self) -> None:
        rows = self.source.query(
            f"SELECT {', '.join(COLUMNS['db_dbauthinfo'])} FROM db_dbauthinfo ORDER BY id"
        )
        new_rows: list[dict[str, Any]] = []
        for _archive_id, user_id, computer_id, metadata, auth_params, enabled in rows:
            user, computer = self.users[user_id], self.computers[computer_id]
            if self.backend.count_rows(
                EntityTypes.AUTHINFO, {"aiidauser_id": user, "dbcomputer_id": computer}
            ):
                self.summary.count("AuthInfos", False)
                continue
            new_rows.append(
                {
                    "aiidauser_id": user,
                    "dbcomputer_id": computer,
                    "metadata": _json_object(metadata, "authinfo metadata"),
                    "auth_params": _json_object(auth_params, "authinfo parameters"),
                    "enabled": bool(enabled),
                }
            )
        self.backend.bulk_insert(EntityTypes.AUTHINFO, new_rows, savepoint=False)
        self.summary.count("AuthInfos", True, len(new_rows))

    def _import_nodes(self) -> None:
        """New nodes copied by the storage straight from the archive database, a range of ids at a
        time (see ``_NEW_NODES``); nodes the profile has get their extras merged."""
        total = self.source.count("db_dbnode")
        new_ids = sorted(self.new_node_ids)
        everything_new = len(new_ids) == total
        query = _NEW_NODES.format(
            extras=_NODE_EXPRESSIONS["extras"] if self.import_new_extras else "'{}'",
            only_new="" if everything_new else " AND id IN (SELECT value FROM json_each(:only))",
        )
        mapping = {
            "users": json.dumps({str(key): value for key, value in self.users.items()}),
            "computers": json.dumps({str(key): value for key, value in self.computers.items()}),
        }
        done = total - len(new_ids)
        for chunk in _chunks(new_ids, _NODES_PER_COPY):
            parameters = {**mapping, "first": chunk[0], "last": chunk[-1]}
            if not everything_new:
                parameters["only"] = json.dumps(list(chunk))
            ids = self.backend.bulk_insert_from_sqlite(
                EntityTypes.NODE, self.source.database, query, parameters, savepoint=False
            )
            if len(ids) != len(chunk):
                raise CorruptArchive(
                    f"{self.source.original_path}: {len(chunk)} nodes were to be copied, {len(ids)} were"
                )
            self.nodes.update(zip(chunk, ids, strict=True))
            done += len(chunk)
            self.progress("Importing nodes", done, total)
        if not everything_new and self.extras_mode != ("k", "n", "l"):
            for batch in self.source.batches("db_dbnode", ("id", "extras"), batch_size=self.batch_size):
                self._merge_existing_extras([row for row in batch if row[0] not in self.new_node_ids])
        self.summary.count("Nodes", True, len(self.new_node_ids))
        self.summary.count("Nodes", False, total - len(self.new_node_ids))

    def _merge_existing_extras(self, merged: Sequence[tuple[int, Any]]) -> None:
        """Apply the extras mode to nodes the profile had; unchanged extras are not rewritten."""
        if not merged or self.extras_mode == ("k", "n", "l"):
            return  # the default mode keeps the profile's extras as they are
        ids = [self.nodes[archive_id] for archive_id, _ in merged]
        current = self._find(EntityTypes.NODE, "id", ids, "extras")
        updates = []
        for archive_id, archived_extras in merged:
            imported = _json_object(archived_extras, "extras of an imported node")
            pk = self.nodes[archive_id]
            existing = current[pk]["extras"] or {}
            combined = merge_extras_values(existing, strip_internal_extras(imported), self.extras_mode)
            internal = {key: value for key, value in existing.items() if key.startswith("_aiida_")}
            combined.update(internal)  # the profile's own hash and cache flags stay
            if combined != existing:
                updates.append({"id": pk, "extras": combined})
        self.backend.bulk_update(EntityTypes.NODE, updates)

    def _import_links(self) -> None:
        total = self.source.count("db_dblink")
        done = 0
        into_existing: list[tuple[int, int, str, str]] = []
        for batch in self.source.batches("db_dblink", batch_size=self.batch_size):
            candidates = []
            between_existing = []
            for _archive_id, input_id, output_id, label, link_type in batch:
                link = (self.nodes[input_id], self.nodes[output_id], str(link_type), str(label))
                if output_id in self.new_node_ids:
                    candidates.append(link)  # a new target: its links are all new
                    if input_id not in self.new_node_ids:
                        check_new_output(self.backend, link, self.origin)
                else:
                    between_existing.append(link)
            if between_existing:
                stored = stored_links(self.backend, between_existing, self.batch_size)
                for link in between_existing:
                    if link in stored:
                        self.summary.count("Links", False)
                    else:
                        check_link_degrees(self.backend, link, self.origin)
                        into_existing.append(link)
                        candidates.append(link)
            if candidates:
                sources, targets, kinds, labels = zip(*candidates, strict=True)
                columns = {"input_id": sources, "output_id": targets, "type": kinds, "label": labels}
                self.backend.bulk_insert_columns(EntityTypes.LINK, columns, savepoint=False)
            self.summary.count("Links", True, len(candidates))
            done += len(batch)
            self.progress("Importing links", done, total)
        checked = {link_type.value for link_type in CYCLE_CHECKED}
        for source, target, kind, _label in into_existing:
            if kind in checked and self.backend.is_reachable(target, source):
                raise ImportValidationError(
                    f"{self.source.original_path}: a {kind} link from node {source} to node {target} "
                    "would close a cycle with the profile's links; refusing the archive"
                )

    def _import_groups(self) -> None:
        rows = self.source.query(f"SELECT {', '.join(COLUMNS['db_dbgroup'])} FROM db_dbgroup ORDER BY id")
        existing = self._find(EntityTypes.GROUP, "uuid", [row[1] for row in rows])
        pending: list[tuple[str, str]] = []

        def taken(label: str, type_string: str) -> bool:
            return (label, type_string) in pending or bool(
                self.backend.count_rows(EntityTypes.GROUP, {"label": label, "type_string": type_string})
            )

        new_rows, new_archive_ids = [], []
        for archive_id, group_uuid, archived_label, archived_type, when, description, extras, user_id in rows:
            found = existing.get(group_uuid)
            if found is not None:
                self.groups[archive_id] = found["id"]
                continue
            type_string = archived_type or "core"
            label = self._free_label(
                archived_label, functools.partial(taken, type_string=type_string), "group"
            )
            pending.append((label, type_string))
            new_archive_ids.append(archive_id)
            new_rows.append(
                {
                    "uuid": group_uuid,
                    "label": label,
                    "type_string": type_string,
                    "time": _parse_time(when),
                    "description": description or "",
                    "extras": _json_object(extras, f"extras of group {group_uuid}"),
                    "user_id": self.users[user_id],
                }
            )
        ids = self.backend.bulk_insert(EntityTypes.GROUP, new_rows, savepoint=False)
        self.groups.update(zip(new_archive_ids, ids, strict=True))
        self.summary.count("Groups", True, len(ids))
        self.summary.count("Groups", False, len(rows) - len(ids))
        members: dict[int, list[int]] = {}
        for archive_group, archive_node in self.source.query(
            "SELECT dbgroup_id, dbnode_id FROM db_dbgroup_dbnodes ORDER BY id"
        ):
            members.setdefault(self.groups[archive_group], []).append(self.nodes[archive_node])
        fresh = set(ids)
        for group_id, node_ids in members.items():
            self._add_members(group_id, node_ids, new_group=group_id in fresh)

    def _add_members(self, group_id: int, node_ids: Sequence[int], *, new_group: bool) -> None:
        """Make nodes members of a group: a group made by this import has no members yet, and
        every node id is one this import stored or found, so plain inserts do; an existing group
        goes through ``add_group_nodes``, which keeps its memberships."""
        unique = list(dict.fromkeys(node_ids))
        for chunk in _chunks(unique, 10 * self.batch_size):
            if new_group:
                columns = {"dbgroup_id": [group_id] * len(chunk), "dbnode_id": chunk}
                self.backend.bulk_insert_columns(EntityTypes.GROUP_NODE, columns, savepoint=False)
            else:
                self.backend.add_group_nodes(group_id, chunk)

    def _import_comments(self) -> None:
        for batch in self.source.batches("db_dbcomment", batch_size=self.batch_size):
            existing = self._find(EntityTypes.COMMENT, "uuid", [row[1] for row in batch], "mtime")
            new_rows, updates = [], []
            for _archive_id, comment_uuid, node_id, ctime, mtime, user_id, content in batch:
                found = existing.get(comment_uuid)
                if found is None:
                    new_rows.append(
                        {
                            "uuid": comment_uuid,
                            "dbnode_id": self.nodes[node_id],
                            "ctime": _parse_time(ctime),
                            "mtime": _parse_time(mtime),
                            "user_id": self.users[user_id],
                            "content": content or "",
                        }
                    )
                    continue
                self.summary.count("Comments", False)
                newer = _parse_time(mtime) > found["mtime"]
                if self.comment_mode == "overwrite" or (self.comment_mode == "newest" and newer):
                    updates.append({"id": found["id"], "content": content or "", "mtime": _parse_time(mtime)})
            self.backend.bulk_insert(EntityTypes.COMMENT, new_rows, savepoint=False)
            self.backend.bulk_update(EntityTypes.COMMENT, updates)
            self.summary.count("Comments", True, len(new_rows))

    def _import_logs(self) -> None:
        for batch in self.source.batches("db_dblog", batch_size=self.batch_size):
            existing = self._find(EntityTypes.LOG, "uuid", [row[1] for row in batch])
            new_rows = [
                {
                    "uuid": log_uuid,
                    "time": _parse_time(when),
                    "loggername": loggername or "",
                    "levelname": levelname or "",
                    "dbnode_id": self.nodes[node_id],
                    "message": message or "",
                    "metadata": _json_object(metadata, f"metadata of log {log_uuid}"),
                }
                for _archive_id, log_uuid, when, loggername, levelname, node_id, message, metadata in batch
                if log_uuid not in existing
            ]
            self.backend.bulk_insert(EntityTypes.LOG, new_rows, savepoint=False)
            self.summary.count("Logs", True, len(new_rows))
            self.summary.count("Logs", False, len(batch) - len(new_rows))

    def _import_group(self, create_group: bool, group: Any) -> None:
        """Put the archive's nodes in ``group``, or in a new import group when anything was new."""
        if not self.nodes:
            return
        if group is not None:
            group_id = group if isinstance(group, int) else group.pk
            if group_id is None:
                raise InputValidationError("the group to import into must be stored first")
            label = None if isinstance(group, int) else group.label
        elif create_group and self.new_node_ids:
            label = self._free_label(
                datetime.now().strftime("%Y%m%d-%H%M%S"),
                lambda candidate: bool(
                    self.backend.count_rows(
                        EntityTypes.GROUP, {"label": candidate, "type_string": IMPORT_GROUP_TYPE}
                    )
                ),
                "import group",
            )
            user_id = cast(UserCollection, User.get_collection(self.backend)).get_default().pk
            (group_id,) = self.backend.bulk_insert(
                EntityTypes.GROUP,
                [
                    {
                        "uuid": str(uuid_module.uuid4()),
                        "label": label,
                        "type_string": IMPORT_GROUP_TYPE,
                        "time": datetime.now(timezone.utc),
                        "description": "Group generated by archive import",
                        "extras": {},
                        "user_id": user_id,
                    }
                ],
                savepoint=False,
            )
        else:
            return
        self._add_members(group_id, list(self.nodes.values()), new_group=group is None)
        self.summary.import_group_pk = group_id
        self.summary.import_group_label = label
