"""The part of a backup that differs between databases: a consistent copy, and putting it back.

Each ``*_dos`` backend supplies a :class:`DatabaseBackup` for its location: SQLite copies its file
with SQLite's backup API, PostgreSQL dumps with ``pg_dump``; both in one snapshot, while other
processes write. Restoring builds the new storage in a *staging* location beside the target and
moves it into place only once it is complete and checked, so that the target appears whole or
not at all.
"""

from __future__ import annotations

import abc
import fcntl
import json
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Connection, Engine

from provgraph.common.backup_manifest import FileEntry, ProgressCallback
from provgraph.exceptions import StorageError
from provgraph.storage.sql import removal
from provgraph.storage.sql.backup.files import FileWriter
from provgraph.storage.sql.location import DosLocation
from provgraph.storage.sql.revisions import current_revision
from provgraph.storage.sql.summary import entity_counts

__all__ = ["DatabaseBackup", "DatabaseSnapshot"]

LOGGER = logging.getLogger(__name__)

_STAGING = ".restoring-"
_LOCK_SUFFIX = ".lock"


@dataclass(frozen=True)
class DatabaseSnapshot:
    """What a database copy holds: its schema revision, rows by entity, the objects it names."""

    schema_version: str
    counts: dict[str, int]
    keys: frozenset[str]


class DatabaseBackup(abc.ABC):
    """How one kind of database is copied for a backup and restored from it."""

    #: The database file's name in a backup folder (aiida-core's names).
    filename: ClassVar[str]
    #: A staging storage's lock: descriptor and path (see :meth:`staging`).
    _lock: tuple[int, Path] | None = None

    @property
    @abc.abstractmethod
    def location(self) -> DosLocation:
        """The storage this object backs up, or restores into."""

    def snapshot(self, connection: Connection) -> DatabaseSnapshot:
        """What the database holds as ``connection`` sees it (inside its transaction, if any)."""
        version = current_revision(connection)
        if version is None:
            raise AssertionError("a storage that could be opened has a schema revision")
        return DatabaseSnapshot(version, entity_counts(connection), self.referenced_keys(connection))

    @abc.abstractmethod
    def referenced_keys(self, connection: Connection) -> frozenset[str]:
        """The repository keys that the nodes' ``repository_metadata`` name, in one query.

        Every file is ``{"k": key}`` at any depth of the tree of ``{"o": {name: ...}}``; the
        database's own JSON functions find them, so no row passes through Python.
        """

    @abc.abstractmethod
    def dump(self, engine: Engine, writer: FileWriter, progress: ProgressCallback | None) -> DatabaseSnapshot:
        """Write one consistent snapshot of the database to ``writer.root / filename``.

        ``engine`` is the open storage's. Returns what that very snapshot holds.
        """

    # -- restoring -------------------------------------------------------------------------------

    @abc.abstractmethod
    def check_free(self) -> None:
        """Raise ``StorageRestoreError`` if anything exists where the restore would write."""

    def staging(self) -> DatabaseBackup:
        """The same kind of storage at a new place beside this one, to build the restore in.

        The staging folder ``.<name>.restoring-<token>`` has a lock file beside it, held while the
        restore runs (the kernel drops it when the process dies) and naming what the restore
        builds. Staging storages whose lock nobody holds were left by killed restores: they are
        removed first.
        """
        place = self.container_root
        place.parent.mkdir(parents=True, exist_ok=True)
        self._remove_abandoned(place.parent)
        token = secrets.token_hex(4)
        folder = place.with_name(f".{place.name}{_STAGING}{token}")
        staged = self._staging_at(folder, self._staging_database(token))
        lock_path = folder.with_name(f"{folder.name}{_LOCK_SUFFIX}")
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        record = {
            "folder": str(folder),
            "database": staged._staging_name,
            "where": staged.location.describe(),
        }
        os.write(descriptor, json.dumps(record).encode())
        staged._lock = (descriptor, lock_path)
        try:
            folder.mkdir(mode=0o700)
        except BaseException:
            staged._release()
            raise
        return staged

    def _staging_database(self, token: str) -> str:
        """The name of the staging database, for backends whose database lives elsewhere."""
        return ""

    @abc.abstractmethod
    def _staging_at(self, folder: Path, database: str) -> DatabaseBackup:
        """The same kind of storage, its files in ``folder`` (and its database ``database``)."""

    @property
    def _staging_name(self) -> str:
        return ""

    def _remove_abandoned(self, parent: Path) -> None:
        """Remove the staging storages in ``parent`` whose restore was killed (nobody holds their lock)."""
        for lock_path in parent.glob(f".*{_STAGING}*{_LOCK_SUFFIX}"):
            try:
                descriptor = os.open(lock_path, os.O_RDWR)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a restore that is running
                record = json.loads(os.read(descriptor, 65536) or b"{}")
                abandoned = self._staging_at(Path(record["folder"]), str(record.get("database") or ""))
                if abandoned.location.describe() == record.get("where"):
                    LOGGER.info("removing %s, left by an interrupted restore", abandoned.location.describe())
                    removal.destroy(abandoned.location)
                lock_path.unlink(missing_ok=True)
            except (OSError, ValueError, KeyError, StorageError) as exc:
                LOGGER.warning("cannot remove the staging storage of %s: %s", lock_path, exc)
            finally:
                os.close(descriptor)

    def _release(self) -> None:
        """Drop the staging lock (its restore ended)."""
        if self._lock is not None:
            descriptor, lock_path = self._lock
            self._lock = None
            lock_path.unlink(missing_ok=True)
            os.close(descriptor)

    @abc.abstractmethod
    def load(
        self, dump: Path, entry: FileEntry, writer: FileWriter, progress: ProgressCallback | None
    ) -> None:
        """Create this (staging) database from the backup's file ``dump``, checked against ``entry``.

        ``writer`` writes below :attr:`container_root`. Raises ``ValueError`` if the file does not
        match ``entry`` (a damaged backup).
        """

    @property
    @abc.abstractmethod
    def container_root(self) -> Path:
        """The folder the backup's ``container/`` goes into (the container's parent)."""

    def publish(self, final: DatabaseBackup) -> None:
        """Move this (staging, complete and checked) storage to ``final``'s place."""
        self._move_to(final)
        self._release()

    @abc.abstractmethod
    def _move_to(self, final: DatabaseBackup) -> None:
        """Move this storage's database and container to ``final``'s place."""

    def own_problems(self, connection: Connection) -> list[str]:
        """What the database's own integrity check finds wrong (nothing by default)."""
        return []

    def discard(self) -> None:
        """Remove this (staging) storage: what a failed restore built."""
        try:
            removal.destroy(self.location)
        finally:
            self._release()
