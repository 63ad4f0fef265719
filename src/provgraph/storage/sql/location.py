"""Where a SQL + disk-objectstore storage lives: the only part that differs between backends."""

from __future__ import annotations

import abc
import shlex
import shutil
from pathlib import Path

from sqlalchemy import Engine

__all__ = ["DosLocation", "remove_path", "shell_quote"]


class DosLocation(abc.ABC):
    """A database (reachable through an engine) and a container folder, named for messages."""

    @property
    @abc.abstractmethod
    def container_path(self) -> Path:
        """The disk-objectstore container folder."""

    @property
    @abc.abstractmethod
    def folder(self) -> Path:
        """The folder holding the container (and, for SQLite, the database file)."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the storage is, for messages (never shows a password)."""

    @abc.abstractmethod
    def describe_database(self) -> str:
        """The database, for messages: what kind and where (never shows a password)."""

    @property
    @abc.abstractmethod
    def unreachable_hint(self) -> str:
        """What to check when the database cannot be reached."""

    @abc.abstractmethod
    def create_engine(self) -> Engine:
        """An engine on the (existing) database; connection failures surface on first use."""

    @abc.abstractmethod
    def database_exists(self) -> bool:
        """Whether the database exists (``UnreachableStorage`` if that cannot be told)."""

    @abc.abstractmethod
    def create_database(self) -> None:
        """Create the empty database (and the folders it needs)."""

    @abc.abstractmethod
    def drop_database(self) -> None:
        """Remove the database; irreversible. A missing database is no error.

        Raises ``StorageError`` (``UnreachableStorage`` if the server cannot be reached) or
        ``OSError``.
        """

    @abc.abstractmethod
    def database_removal_hint(self) -> str:
        """A shell command that removes the database by hand."""

    @abc.abstractmethod
    def sql_command_hint(self, statement: str) -> str:
        """A shell command that runs the SQL ``statement`` on the database, for messages."""

    def mask(self, text: str) -> str:
        """``text`` with any secret of this location hidden (driver messages may echo them)."""
        return text


def remove_path(path: Path) -> None:
    """Remove a folder with everything in it, or a file; a missing path is no error."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def shell_quote(path: Path | str) -> str:
    """``path`` quoted for a POSIX shell (for commands shown to the user)."""
    return shlex.quote(str(path))
