"""Placing the migrated archive: built under a temporary name beside the destination, renamed at the end.

A crash or an error leaves the destination as it was (absent, or the old file) and at most a hidden
``.<name>.<random>.part`` file, which the failed call removes itself whenever it can.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from provgraph.common.scratch import scratch_prefix, sweep_scratch
from provgraph.exceptions import ArchiveMigrationError

__all__ = ["check_destination", "staged_output"]


def check_destination(destination: Path, force: bool) -> None:
    """Refuse, before any work, a destination that may not or cannot be written."""
    if destination.exists() or destination.is_symlink():
        if not destination.is_file():
            raise ArchiveMigrationError(f"{destination} exists and is not a file; choose another output path")
        if not force:
            raise ArchiveMigrationError(f"{destination} exists already; use force to overwrite it")
    if not destination.parent.is_dir():
        raise ArchiveMigrationError(
            f"{destination.parent} is not a folder; cannot write {destination.name} there"
        )


def _fsync_folder(folder: Path) -> None:
    """Make the rename durable (a no-op where folders cannot be opened, e.g. Windows)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@contextmanager
def staged_output(destination: Path, force: bool) -> Iterator[Path]:
    """A fresh temporary path beside ``destination``; on success it becomes ``destination``.

    Created with ``open(..., 'xb')`` rather than ``mkstemp`` so the archive gets the usual
    permissions (umask), not 0600. ``force`` is checked again at the end: the destination may
    have appeared while we worked.
    """
    sweep_scratch(f".{destination.name}.", destination.parent, ".part")  # left by a killed migration
    temporary = destination.with_name(f"{scratch_prefix(f'.{destination.name}.')}{secrets.token_hex(6)}.part")
    try:
        temporary.open("xb").close()
    except OSError as exc:
        raise ArchiveMigrationError(f"cannot create a file in {destination.parent}: {exc}") from exc
    try:
        yield temporary
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        if destination.exists() and not force:
            raise ArchiveMigrationError(f"{destination} appeared while migrating; use force to overwrite it")
        os.replace(temporary, destination)
    except OSError as exc:
        raise ArchiveMigrationError(f"cannot write {destination}: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_folder(destination.parent)
