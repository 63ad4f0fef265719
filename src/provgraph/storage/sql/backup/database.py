"""The part of a backup that differs between databases: a consistent copy, and putting it back.

Each ``*_dos`` backend supplies a :class:`DatabaseBackup` for its location: SQLite copies its file
with SQLite's backup API, PostgreSQL dumps with ``pg_dump``; both in one snapshot, while other
processes write. Restoring builds the new storage in a *staging* location beside the target and
moves it into place only once it is complete and checked, so that the target appears whole or
not at all.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Connection, Engine

from provgraph.common.backup_manifest import FileEntry, ProgressCallback
from provgraph.storage.sql.backup.files import FileWriter
from provgraph.storage.sql.dos import referenced_keys
from provgraph.storage.sql.location import DosLocation
from provgraph.storage.sql.migrator import Migrator
from provgraph.storage.sql.summary import entity_counts

__all__ = ["DatabaseBackup", "DatabaseSnapshot", "snapshot_on"]


@dataclass(frozen=True)
class DatabaseSnapshot:
    """What a database copy holds: its schema revision, rows by entity, the objects it names."""

    schema_version: str
    counts: dict[str, int]
    keys: frozenset[str]


def snapshot_on(connection: Connection) -> DatabaseSnapshot:
    """Read a :class:`DatabaseSnapshot` through ``connection`` (inside its transaction, if any)."""
    version = Migrator.current_on(connection)
    if version is None:
        raise AssertionError("a storage that could be opened has a schema revision")
    return DatabaseSnapshot(version, entity_counts(connection), frozenset(referenced_keys(connection)))


class DatabaseBackup(abc.ABC):
    """How one kind of database is copied for a backup and restored from it."""

    #: The database file's name in a backup folder (aiida-core's names).
    filename: ClassVar[str]

    @property
    @abc.abstractmethod
    def location(self) -> DosLocation:
        """The storage this object backs up, or restores into."""

    @abc.abstractmethod
    def dump(self, engine: Engine, writer: FileWriter, progress: ProgressCallback | None) -> DatabaseSnapshot:
        """Write one consistent snapshot of the database to ``writer.root / filename``.

        ``engine`` is the open storage's. Returns what that very snapshot holds.
        """

    # -- restoring -------------------------------------------------------------------------------

    @abc.abstractmethod
    def check_free(self) -> None:
        """Raise ``StorageRestoreError`` if anything exists where the restore would write."""

    @abc.abstractmethod
    def staging(self) -> DatabaseBackup:
        """The same kind of storage at a new, unused place beside this one, to build it in."""

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

    @abc.abstractmethod
    def publish(self, final: DatabaseBackup) -> None:
        """Move this (staging, complete and checked) storage to ``final``'s place."""

    def own_problems(self, connection: Connection) -> list[str]:
        """What the database's own integrity check finds wrong (nothing by default)."""
        return []

    def discard(self) -> None:
        """Remove this (staging) storage: what a failed restore built."""
        self.location.destroy()
