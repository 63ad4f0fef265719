"""Backing up and restoring the SQLite database of a ``core.sqlite_dos`` storage.

The copy uses SQLite's backup API in a single step: one read transaction on the source, hence
one consistent snapshot, while other processes go on writing (WAL lets readers and a writer
proceed together; a copy in several steps would restart whenever another process writes). The
copy is switched to the rollback journal, so that the backup's ``database.sqlite`` is one
self-contained file; the storage turns WAL on again when it opens the restored file.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import Connection, Engine, text

from provgraph.common.backup_manifest import FileEntry, ProgressCallback
from provgraph.exceptions import StorageRestoreError
from provgraph.storage.sql.backup.database import DatabaseBackup, DatabaseSnapshot
from provgraph.storage.sql.backup.files import FileWriter
from provgraph.storage.sql.engines import sqlite_engine

if TYPE_CHECKING:  # the backend imports this module to offer its backups
    from provgraph.storage.sqlite_dos.backend import SqliteDosLocation

__all__ = ["SqliteDatabaseBackup"]


class SqliteDatabaseBackup(DatabaseBackup):
    """``database.sqlite`` copied with SQLite's backup API; restored as a file into a new folder."""

    #: The storage's own file name, which is aiida-core's name in a backup too.
    filename: ClassVar[str] = "database.sqlite"

    def __init__(self, location: SqliteDosLocation) -> None:
        self._location = location

    @property
    def location(self) -> SqliteDosLocation:
        return self._location

    def dump(self, engine: Engine, writer: FileWriter, progress: ProgressCallback | None) -> DatabaseSnapshot:
        target_path = writer.root / self.filename
        source_uri = f"{self._location.database_path.resolve().as_uri()}?mode=ro"
        source = sqlite3.connect(source_uri, uri=True, timeout=self._location.busy_timeout_ms / 1000)
        try:
            target = sqlite3.connect(target_path)
            try:
                source.backup(target, pages=-1)  # one step: one snapshot (see the module's docstring)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
        finally:
            source.close()
        writer.record(self.filename)
        engine = sqlite_engine(target_path, read_only=True)  # adds no journal files beside the copy
        try:
            with engine.connect() as connection:
                return self.snapshot(connection)
        finally:
            engine.dispose()

    def referenced_keys(self, connection: Connection) -> frozenset[str]:
        rows = connection.execute(
            text(
                "SELECT DISTINCT tree.value FROM db_dbnode AS node, "
                "json_tree(node.repository_metadata) AS tree WHERE tree.key = 'k' AND tree.type = 'text'"
            )
        )
        return frozenset(key for (key,) in rows)

    # -- restoring -------------------------------------------------------------------------------

    def check_free(self) -> None:
        folder = self._location.filepath
        if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
            raise StorageRestoreError(
                f"{folder} exists and is not an empty folder; a restore never overwrites: choose another path"
            )

    def _staging_at(self, folder: Path, database: str) -> SqliteDatabaseBackup:
        location = self._location
        return SqliteDatabaseBackup(type(location)(folder, location.synchronous, location.busy_timeout_ms))

    @property
    def container_root(self) -> Path:
        return self._location.filepath

    def load(
        self, dump: Path, entry: FileEntry, writer: FileWriter, progress: ProgressCallback | None
    ) -> None:
        writer.copy(dump, self.filename, expected=entry)
        if progress is not None:
            progress("database", 1, 1)

    def _move_to(self, final: DatabaseBackup) -> None:
        assert isinstance(final, SqliteDatabaseBackup)
        target = final.location.filepath
        if target.is_dir():
            target.rmdir()  # empty (check_free): the rename needs it gone
        os.rename(self._location.filepath, target)

    def own_problems(self, connection: Connection) -> list[str]:
        result = connection.execute(text("PRAGMA quick_check")).scalar_one()
        return [] if result == "ok" else [f"SQLite's quick_check says {result!r}"]
