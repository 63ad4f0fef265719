"""Where a SQL + disk-objectstore storage lives: the only part that differs between backends."""

from __future__ import annotations

import abc
import contextlib
import shutil
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine

__all__ = ["DosLocation", "remove_storage_files"]


class DosLocation(abc.ABC):
    """A database (reachable through an engine) and a container folder, named for messages."""

    @property
    @abc.abstractmethod
    def container_path(self) -> Path:
        """The disk-objectstore container folder."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Where the storage is, for messages (never shows a password)."""

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
    def destroy(self) -> None:
        """Remove the database and the container; irreversible. Nothing missing is an error."""

    def mask(self, text: str) -> str:
        """``text`` with any secret of this location hidden (driver messages may echo them)."""
        return text


def remove_storage_files(folder: Path, paths: Iterable[Path]) -> None:
    """Remove the storage's own files and folders, then ``folder`` if nothing else is left in it.

    Never a blind ``rmtree`` of ``folder``: a profile pointed at the wrong directory must not
    cost the user files that were never the storage's.
    """
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # missing, or holding files that are not ours
        folder.rmdir()
