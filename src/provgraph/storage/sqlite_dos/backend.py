"""``core.sqlite_dos``: a SQLite file and a disk-objectstore container in one folder.

Zero-configuration and safe for several processes on one machine (WAL, busy timeout, writers
queue on ``BEGIN IMMEDIATE``). Storage config keys (AiiDA's): ``filepath`` (the folder, holding
``database.sqlite`` and ``container/``); provgraph adds ``synchronous`` (``NORMAL`` or ``FULL``)
and ``busy_timeout_ms``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Engine

from provgraph.config.profile import Profile
from provgraph.exceptions import ConfigurationError
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.engines import SQLITE_SYNCHRONOUS_MODES, sqlite_engine
from provgraph.storage.sql.location import DosLocation, remove_path, shell_quote
from provgraph.storage.sqlite_dos.backup import SqliteDatabaseBackup

__all__ = ["FILENAME_CONTAINER", "FILENAME_DATABASE", "SqliteDosBackend", "SqliteDosLocation"]

FILENAME_DATABASE = "database.sqlite"
FILENAME_CONTAINER = "container"
DEFAULT_BUSY_TIMEOUT_MS = 60_000
_SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


class SqliteDosLocation(DosLocation):
    """The folder of a ``core.sqlite_dos`` storage and how to open its database."""

    def __init__(
        self,
        filepath: Path,
        synchronous: str = "NORMAL",
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
        *,
        read_only: bool = False,
    ) -> None:
        self.filepath = filepath
        self.synchronous = synchronous
        self.busy_timeout_ms = busy_timeout_ms
        self.read_only = read_only  # the engine opens the file unwritable (``mode=ro``)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, read_only: bool = False) -> SqliteDosLocation:
        """Validate a ``core.sqlite_dos`` storage config."""
        filepath = config.get("filepath")
        if not isinstance(filepath, str) or not filepath:
            raise ConfigurationError(f"core.sqlite_dos needs a folder path in 'filepath', got {filepath!r}")
        synchronous = str(config.get("synchronous", "NORMAL")).upper()
        if synchronous not in SQLITE_SYNCHRONOUS_MODES:
            raise ConfigurationError(
                f"core.sqlite_dos 'synchronous' must be one of {list(SQLITE_SYNCHRONOUS_MODES)}, "
                f"got {config.get('synchronous')!r}"
            )
        timeout = config.get("busy_timeout_ms", DEFAULT_BUSY_TIMEOUT_MS)
        if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 0:
            raise ConfigurationError(
                f"core.sqlite_dos 'busy_timeout_ms' must be whole milliseconds >= 0, got {timeout!r}"
            )
        return cls(Path(filepath).expanduser().absolute(), synchronous, timeout, read_only=read_only)

    @property
    def database_path(self) -> Path:
        return self.filepath / FILENAME_DATABASE

    @property
    def container_path(self) -> Path:
        return self.filepath / FILENAME_CONTAINER

    @property
    def folder(self) -> Path:
        return self.filepath

    def describe(self) -> str:
        return str(self.filepath)

    def describe_database(self) -> str:
        return f"SQLite database {self.database_path}"

    @property
    def unreachable_hint(self) -> str:
        return (
            f"check that the profile's storage 'filepath' is the folder holding {FILENAME_DATABASE} "
            "and that it is readable and writable"
        )

    def create_engine(self) -> Engine:
        return sqlite_engine(
            self.database_path, self.synchronous, self.busy_timeout_ms, read_only=self.read_only
        )

    def database_exists(self) -> bool:
        return self.database_path.is_file()

    def create_database(self) -> None:
        self.filepath.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.database_path)
        try:
            connection.execute("PRAGMA journal_mode = WAL")  # persistent: set once, here
        finally:
            connection.close()

    def _database_files(self) -> list[Path]:
        """The database and the files SQLite keeps beside it (write-ahead log, shared memory, journal)."""
        return [self.database_path.with_name(FILENAME_DATABASE + suffix) for suffix in _SQLITE_SIDE_FILES]

    def drop_database(self) -> None:
        for path in self._database_files():
            remove_path(path)

    def database_removal_hint(self) -> str:
        return "rm -f " + " ".join(shell_quote(path) for path in self._database_files())

    def sql_command_hint(self, statement: str) -> str:
        return f"sqlite3 {shell_quote(self.database_path)} {shell_quote(statement)}"


class SqliteDosBackend(SqlDosBackend):
    """A SQLite database + disk-objectstore container: the default, zero-configuration storage."""

    label: ClassVar[str] = "SQLite storage (DOS)"

    @classmethod
    def location(cls, profile: Profile, *, read_only: bool = False) -> SqliteDosLocation:
        return SqliteDosLocation.from_config(profile.storage_config, read_only=read_only)

    @classmethod
    def database_backup(cls, profile: Profile) -> SqliteDatabaseBackup:
        return SqliteDatabaseBackup(cls.location(profile))
