"""Backing up an open ``*_dos`` storage, and restoring such a backup into a new storage.

**Why the backup is consistent.** The database is copied first, in one snapshot, then the
container. Objects are written to the container before the rows that refer to them are
committed, so every object a row of the snapshot names existed before the container copy began,
and the container copy keeps every object that existed when it began (see ``container.py``).
The only way to lose one is to delete it meanwhile, and only a full maintenance deletes objects
(those of nodes deleted after the snapshot); it needs the profile's exclusive lock, which a
process using the profile (the backup's, opened through the manager) denies it. Still, the copy
is checked: every object the database copy names must be in the container copy, else the backup
fails (and is removed) with a request to run it again.

**Incremental.** Unchanged pack files and loose objects are hard-linked from the previous backup
of the same profile (``last-backup``, see ``files.py`` for when a file counts as unchanged);
the database and the pack index are copied every time.

**All or nothing.** A backup is built in a hidden working folder and renamed into place after the
manifest, its last file, is written and flushed; any error removes the working folder, and the
next backup removes those that killed runs left behind.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from provgraph.common.backup_manifest import (
    MANIFEST_FILENAME,
    BackupManifest,
    BackupSummary,
    ProgressCallback,
    RestoreSummary,
    read_backup,
)
from provgraph.common.version import installed_version
from provgraph.config import CONFIG_FILENAME, Config
from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError, StorageBackupError, StorageError, StorageRestoreError
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage.sql import revisions
from provgraph.storage.sql.backup.checks import consistency_problems
from provgraph.storage.sql.backup.container import back_up_container, loose_keys, missing_objects
from provgraph.storage.sql.backup.database import DatabaseBackup
from provgraph.storage.sql.backup.files import FileWriter, oserror_message, sqlite_error_message
from provgraph.storage.sql.backup.folders import BackupDestination
from provgraph.storage.sql.dos import open_storage

__all__ = ["CONTAINER", "back_up", "restore"]

LOGGER = logging.getLogger(__name__)

#: The container's folder in a backup (aiida-core's name).
CONTAINER = "container"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@contextmanager
def _one_line_errors(
    error: type[StorageError], destination: Path, writer: Callable[[], int]
) -> Iterator[None]:
    """Turn file-system and SQLite errors into ``error`` with one line naming ``destination``."""
    try:
        yield
    except OSError as exc:
        raise error(oserror_message(exc, destination, writer())) from exc
    except sqlite3.Error as exc:
        raise error(sqlite_error_message(exc, destination, "the database")) from exc
    except SQLAlchemyError as exc:  # reading the storage's own database
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise error(f"reading the database failed: {reason}") from exc


def back_up(
    profile: Profile,
    engine: Engine,
    method: DatabaseBackup,
    dest: Path,
    *,
    keep: int | None,
    progress: ProgressCallback | None,
) -> BackupSummary:
    """Back up the open storage of ``profile`` (its ``engine``, and ``method`` for its database)."""
    if keep is not None and (isinstance(keep, bool) or not isinstance(keep, int) or keep < 0):
        raise InputValidationError(f"keep must be a whole number of backups >= 0, got {keep!r}")
    clock, started = time.perf_counter(), _now()
    destination = BackupDestination(Path(dest))
    written = [0]  # bytes written so far, for the message of a full disk
    with _one_line_errors(StorageBackupError, destination.path, lambda: written[0]), destination.locked():
        destination.claim(profile)
        previous = destination.previous(profile.uuid)
        with destination.working_folder() as (folder, name):
            writer = FileWriter(folder, (previous[0], previous[1].files) if previous else None)
            try:
                manifest = _write_backup(profile, engine, method, writer, progress=progress, started=started)
            finally:
                written[0] = writer.bytes_written
            manifest = _finish(manifest, previous[0].name if previous else None, folder)
            final = destination.publish(folder, name)
        destination.record_profile(profile)  # the profile as it is now (aiida-core rewrites it too)
        pruned = destination.prune(profile.uuid, keep) if keep is not None else ()
    summary = BackupSummary(final, manifest, time.perf_counter() - clock, pruned)
    LOGGER.info("backed up %s to %s", profile.name, final)
    return summary


def _write_backup(
    profile: Profile,
    engine: Engine,
    method: DatabaseBackup,
    writer: FileWriter,
    *,
    progress: ProgressCallback | None,
    started: str,
) -> BackupManifest:
    container = method.location.container_path
    snapshot = method.dump(engine, writer, progress)  # first: see the module's docstring
    if progress is not None:
        progress("database", 1, 1)
    copied = back_up_container(container, CONTAINER, writer, progress)
    if progress is not None:
        progress("checking the copy", 0, 1)
    missing = missing_objects(writer.root / CONTAINER, snapshot.keys, loose_keys(CONTAINER, writer.entries))
    if missing:
        raise StorageBackupError(
            f"{len(missing)} objects that nodes of the backed-up database refer to were deleted from the "
            f"repository while it was copied (e.g. {missing[0]}), by a full maintenance or another program "
            "that ran without the profile's lock; run the backup again"
        )
    if progress is not None:
        progress("checking the copy", 1, 1)
    config = Config(writer.root / CONFIG_FILENAME)
    config.add_profile(profile)
    # The profile as config.json has it, passwords included: readable by the owner only.
    writer.write_chunks(
        [(json.dumps(config.to_dict(), indent=4) + "\n").encode()], CONFIG_FILENAME, mode=0o600
    )
    counts = dict(snapshot.counts)
    counts.update(
        {
            "Objects referenced": len(snapshot.keys),
            "Objects loose": copied.loose,
            "Objects packed": copied.packed,
            "Pack files": copied.packs,
        }
    )
    return BackupManifest(
        profile=profile.name,
        profile_uuid=profile.uuid,
        backend=profile.storage_backend,
        schema_version=snapshot.schema_version,
        repository_uuid=DiskObjectStoreRepository(container).uuid,
        started=started,
        finished="",
        counts=counts,
        files=dict(writer.entries),
        previous=None,
        provgraph_version=installed_version(),
    )


def _finish(manifest: BackupManifest, previous: str | None, folder: Path) -> BackupManifest:
    """Stamp the end time and write the manifest: the last file of a complete backup."""
    from dataclasses import replace

    linked = previous if any(entry.linked for entry in manifest.files.values()) else None
    manifest = replace(manifest, finished=_now(), previous=linked)
    (folder / MANIFEST_FILENAME).write_bytes(manifest.to_json())
    return manifest


# -- restore --------------------------------------------------------------------------------------


def restore(
    source: Path, final: DatabaseBackup, profile: Profile, progress: ProgressCallback | None
) -> RestoreSummary:
    """Restore the backup at ``source`` into the new storage of ``profile`` (``final`` says where).

    The storage is built in a staging place, every file checked against the manifest, opened and
    checked (:func:`consistency_problems`), and only then moved to ``final``'s place; on any
    failure the staging storage is removed and nothing is left at ``final``'s place.
    """
    clock = time.perf_counter()
    backend = profile.storage_backend
    folder, manifest = read_backup(source)
    if manifest.backend != backend:
        raise StorageRestoreError(
            f"the backup {folder} is of a {manifest.backend} storage and cannot be restored as {backend}"
        )
    if manifest.schema_version != revisions.HEAD:
        raise StorageRestoreError(
            f"the backup {folder} has schema revision {manifest.schema_version!r}, this provgraph needs "
            f"{revisions.HEAD!r}; restore it with provgraph {manifest.provgraph_version or '(its version)'}"
        )
    final.check_free()
    with _one_line_errors(StorageRestoreError, final.container_root, lambda: 0):
        staging = final.staging()
        try:
            _restore_files(folder, manifest, staging, progress)
            _check_restored(staging, manifest)
            staging.publish(final)
        except BaseException:
            staging.discard()
            raise
    return RestoreSummary(
        profile=profile.name,
        backend=backend,
        location=final.location.describe(),
        source=folder,
        files=len(manifest.files),
        bytes=sum(entry.size for entry in manifest.files.values()),
        counts=manifest.counts,
        seconds=time.perf_counter() - clock,
    )


def _restore_files(
    folder: Path, manifest: BackupManifest, staging: DatabaseBackup, progress: ProgressCallback | None
) -> None:
    """Every file of the backup into the staging storage, each checked against the manifest."""
    root = staging.container_root
    writer = FileWriter(root)
    with _one_line_errors(StorageRestoreError, root, lambda: writer.bytes_written):
        try:
            staging.load(folder / staging.filename, manifest.files[staging.filename], writer, progress)
            paths = sorted(path for path in manifest.files if path.startswith(f"{CONTAINER}/"))
            (root / CONTAINER).mkdir(parents=True)
            for name in ("loose", "packs", "sandbox", "duplicates"):
                (root / CONTAINER / name).mkdir()
            total = sum(manifest.files[path].size for path in paths)
            done = 0
            for path in paths:
                (root / path).parent.mkdir(parents=True, exist_ok=True)
                writer.copy(folder / path, path, expected=manifest.files[path])
                done += manifest.files[path].size
                if progress is not None:
                    progress("repository (bytes)", done, total)
        except ValueError as exc:
            raise StorageRestoreError(f"the backup {folder} is damaged: {exc}") from exc


def _check_restored(staging: DatabaseBackup, manifest: BackupManifest) -> None:
    store, repository = open_storage(staging.location)
    try:
        with _one_line_errors(StorageRestoreError, staging.container_root, lambda: 0):
            problems = consistency_problems(staging, store, repository, manifest.counts)
    finally:
        store.close()
    if problems:
        raise StorageRestoreError(f"the restored storage fails its checks: {'; '.join(problems)}")
