"""Crash-safe file writes and a cross-process lock, shared by the config and the access records.

A reader must never see half a file: every write goes to a temporary file in the same folder
and replaces the target with one ``os.replace`` (atomic on POSIX). Writers that read, change
and write back (``Config.modify``) serialise on an advisory ``flock`` held on a separate lock
file, because locking the data file itself would be lost when it is replaced.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from provgraph.config.paths import FILE_MODE

__all__ = ["atomic_write", "exclusive_lock", "fsync_dir"]

TEMP_SUFFIX = ".tmp"


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries, so a rename inside it survives a power cut."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Replace ``path`` with ``data`` in one step; on any error the old file is left untouched."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    temp_path = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_path, path)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


@contextlib.contextmanager
def exclusive_lock(path: Path, mode: int = FILE_MODE) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block.

    The lock is tied to the open file, so the kernel drops it if the process dies. It is not
    re-entrant: taking it again in the same process, on a new file handle, blocks forever.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
