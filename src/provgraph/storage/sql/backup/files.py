"""Writing the files of a backup (or of a restore): copied with their sha256, or hard-linked.

Every file a backup holds passes through :class:`FileWriter`, which records it for the
manifest. A file is hard-linked from the previous backup only when the previous backup's
manifest proves it equal: a loose object by its name (content-addressed) and size, a pack file
by the stamp (inode, size, mtime) its source had when it was copied. Links only ever join two
backups; a source file is never linked (a pack is appended to in place, which would change the
backup under it), and a restore always copies.

No file is fsynced on its own: :func:`sync_filesystem` flushes the whole destination once,
before the folder gets its final name, which costs one flush instead of one per object.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from provgraph.common.backup_manifest import FileEntry, SourceStamp

__all__ = [
    "FileWriter",
    "file_sha256",
    "fsync_folder",
    "oserror_message",
    "sqlite_error_message",
    "sync_filesystem",
]

LOGGER = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
_FILE_MODE = 0o644
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_NOT_WRITABLE = (errno.EROFS, errno.EACCES, errno.EPERM)
# Hard links that cannot be made for reasons of the file system: copy instead.
_NO_LINK = (errno.EXDEV, errno.EMLINK, errno.EPERM, errno.ENOTSUP, errno.ENOENT)
# SQLite's primary result codes (the sqlite3 module names them from Python 3.11 only).
_SQLITE_FULL = 13
_SQLITE_NOT_WRITABLE = (3, 8, 14)  # PERM, READONLY, CANTOPEN


def oserror_message(exc: OSError, destination: Path, written: int = 0) -> str:
    """One line for an error while writing below ``destination``, saying what to do next."""
    reason = exc.strerror or str(exc)
    if exc.errno in _FULL:
        done = f" after writing {written:,} bytes" if written else ""
        return (
            f"the destination {destination} is full ({reason}){done}; "
            "free some space or choose another destination"
        )
    if exc.errno in _NOT_WRITABLE:
        return f"cannot write to {destination} ({reason}); choose a folder you can write to"
    where = f" ({exc.filename})" if exc.filename else ""
    return f"writing to {destination} failed: {reason}{where}"


def sqlite_error_message(exc: sqlite3.Error, destination: Path, what: str) -> str:
    """One line for an SQLite error while ``what`` was written below ``destination``."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary result code (Python >= 3.11)
    message = str(exc).lower()
    if code == _SQLITE_FULL or "disk is full" in message:
        return oserror_message(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), destination)
    if code in _SQLITE_NOT_WRITABLE or "readonly" in message or "unable to open" in message:
        return oserror_message(OSError(errno.EACCES, str(exc)), destination)
    return f"copying {what} to {destination} failed: {exc}"


def file_sha256(path: Path) -> tuple[int, str]:
    """Size and sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _stamp(stat: os.stat_result) -> SourceStamp:
    return SourceStamp(stat.st_ino, stat.st_size, stat.st_mtime_ns)


class FileWriter:
    """Writes files below ``root`` (the folder being built) and records an entry for each.

    ``previous`` is the previous backup's folder and manifest entries, whose files may be linked.
    Errors other than a vanished source are raised as they come (``OSError``, ``sqlite3.Error``);
    the caller turns them into one line with :func:`oserror_message`.
    """

    def __init__(self, root: Path, previous: tuple[Path, dict[str, FileEntry]] | None = None) -> None:
        self.root = root
        self._root = str(root)  # paths are joined as text: a Path per object costs more than its copy
        self._previous = previous
        self._previous_root = str(previous[0]) if previous else ""
        self.entries: dict[str, FileEntry] = {}
        self.bytes_written = 0

    # -- copies ----------------------------------------------------------------------------------

    def copy(
        self, source: Path | str, relative: str, *, stamp: bool = False, expected: FileEntry | None = None
    ) -> FileEntry | None:
        """Copy ``source`` to ``root/relative`` while hashing it; None if ``source`` vanished first.

        With ``stamp`` the source's stamp is recorded, if it did not change during the copy (the
        next backup may then link the file). With ``expected`` (a restore) the copy must have
        that size and sha256, else ``ValueError``.
        """
        try:
            reader = os.open(source, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            before = os.fstat(reader)
            size, digest = self._copy_from(reader, relative, before.st_size)
            unchanged = stamp and _stamp(before) == _stamp(os.fstat(reader)) and size == before.st_size
        finally:
            os.close(reader)
        entry = FileEntry(size, digest, source=_stamp(before) if unchanged else None)
        if expected is not None and (expected.size, expected.sha256) != (size, digest):
            raise ValueError(
                f"{source} is damaged: {size:,} bytes with sha256 {digest[:12]}..., the manifest says "
                f"{expected.size:,} bytes with sha256 {expected.sha256[:12]}..."
            )
        self.entries[relative] = entry
        return entry

    def _copy_from(self, reader: int, relative: str, size_hint: int) -> tuple[int, str]:
        """Copy up to the end of the file, however far it grew meanwhile (a pack being appended to)."""
        target = os.path.join(self._root, relative)
        writer = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        digest = hashlib.sha256()
        size = 0
        try:
            if size_hint < _CHUNK:  # most objects: one read, one write
                data = os.read(reader, _CHUNK)
                size = self._write_all(writer, data, digest)
                if size == size_hint:  # a file read to its size in one go: no need to ask for more
                    return size, digest.hexdigest()
            buffer = bytearray(_CHUNK)
            view = memoryview(buffer)
            while True:
                count = os.readv(reader, [buffer])
                if not count:
                    break
                size += self._write_all(writer, view[:count], digest)
        finally:
            os.close(writer)
        return size, digest.hexdigest()

    def _write_all(self, writer: int, data: bytes | memoryview, digest: hashlib._Hash) -> int:
        digest.update(data)
        view = memoryview(data)
        while view:
            written = os.write(writer, view)
            self.bytes_written += written
            view = view[written:]
        return len(data)

    def write_chunks(self, chunks: Iterable[bytes], relative: str, *, mode: int = _FILE_MODE) -> FileEntry:
        """Write a stream (a database dump) to ``root/relative``, hashing it on the way."""
        target = os.path.join(self._root, relative)
        writer = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        digest = hashlib.sha256()
        size = 0
        try:
            for chunk in chunks:
                size += self._write_all(writer, chunk, digest)
        finally:
            os.close(writer)
        entry = FileEntry(size, digest.hexdigest())
        self.entries[relative] = entry
        return entry

    def record(self, relative: str) -> FileEntry:
        """Record a file that something else wrote below ``root`` (SQLite's backup API)."""
        size, digest = file_sha256(self.root / relative)
        self.bytes_written += size
        entry = FileEntry(size, digest)
        self.entries[relative] = entry
        return entry

    # -- links -----------------------------------------------------------------------------------

    def link_object(self, source: Path | str, relative: str) -> FileEntry | None:
        """A content-addressed (loose) object: linked if the previous backup has it, else copied.

        Its name is its hash, so the previous backup's file of that name holds the same content
        (and a restore checks it against the sha256 the manifest carries over). None if the
        source vanished before it was copied (it was packed meanwhile).
        """
        previous = self._previous_entry(relative)
        if previous is not None and self._link(relative, previous):
            return self.entries[relative]
        return self.copy(source, relative)

    def link_stamped(self, source: Path | str, relative: str) -> FileEntry | None:
        """A pack file: linked if its stamp equals the one the previous backup copied, else copied."""
        previous = self._previous_entry(relative)
        if previous is not None and previous.source is not None:
            try:
                stamp = _stamp(os.stat(source))
            except FileNotFoundError:
                return None
            if stamp == previous.source and stamp.size == previous.size and self._link(relative, previous):
                return self.entries[relative]
        return self.copy(source, relative, stamp=True)

    def _previous_entry(self, relative: str) -> FileEntry | None:
        return None if self._previous is None else self._previous[1].get(relative)

    def _link(self, relative: str, previous: FileEntry) -> bool:
        """Hard-link the previous backup's file; False where links are impossible (then copy)."""
        origin = os.path.join(self._previous_root, relative)
        try:
            os.link(origin, os.path.join(self._root, relative), follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in _NO_LINK:
                raise
            LOGGER.debug("cannot link %s (%s); copying it", origin, exc.strerror)
            return False
        self.entries[relative] = FileEntry(
            previous.size, previous.sha256, linked=True, source=previous.source
        )
        return True


def sync_filesystem(folder: Path) -> None:
    """Flush everything written to the file system holding ``folder`` (one ``syncfs``).

    One flush for all the files of a backup instead of one ``fsync`` each; where ``syncfs`` is
    not available, ``sync`` flushes every file system.
    """
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            syncfs = libc.syncfs
        except (OSError, AttributeError):
            os.sync()
            return
        if syncfs(descriptor) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), str(folder))
    finally:
        os.close(descriptor)


def fsync_folder(folder: Path) -> None:
    """Make a rename inside ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
