"""Writing a head-format archive zip: ``repo/<sha256>`` members streamed in, then the database and metadata.

The files are written first because the database needs their hashes; the zip's central directory
is then reordered so that ``metadata.json`` (stored, uncompressed) and ``db.sqlite3`` are its first
two entries, which is where AiiDA's readers look for them (aiida-core does the same).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import zipfile
from pathlib import Path
from typing import IO, Any

from provgraph.common.archive_format import DB_FILENAME, META_FILENAME, REPO_FOLDER
from provgraph.exceptions import CorruptArchive

__all__ = ["CHUNK_BYTES", "ArchiveZipWriter", "copy_hashing"]

CHUNK_BYTES = 1024 * 1024
_ZIP64_LIMIT = (1 << 31) - 1


def copy_hashing(
    source: IO[bytes], target: IO[bytes], what: str, read_errors: tuple[type[Exception], ...]
) -> str:
    """Copy ``source`` to ``target`` in chunks and return the sha256 of what went through.

    A damaged source (``read_errors`` while reading) is a ``CorruptArchive`` naming ``what``.
    """
    digest = hashlib.sha256()
    while True:
        try:
            chunk = source.read(CHUNK_BYTES)
        except read_errors as exc:
            raise CorruptArchive(f"{what}: cannot read: {exc}") from exc
        if not chunk:
            return digest.hexdigest()
        digest.update(chunk)
        target.write(chunk)


class ArchiveZipWriter:
    """The new archive, open for writing at ``path`` (the caller decides where it ends up)."""

    def __init__(self, path: Path, spool: Path, compression: int = 6) -> None:
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compression)
        self._spool_path = spool
        self._keys: set[str] = set()

    @property
    def keys(self) -> frozenset[str]:
        """The repository keys written so far."""
        return frozenset(self._keys)

    def _member(self, key: str, size: int) -> IO[bytes]:
        info = zipfile.ZipInfo(f"{REPO_FOLDER}/{key}", time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size = size
        return self._zip.open(info, "w", force_zip64=size > _ZIP64_LIMIT)

    def add_unnamed(self, stream: IO[bytes], what: str, read_errors: tuple[type[Exception], ...]) -> str:
        """Add a file whose key is not known yet; returns its key (sha256 of the content).

        The content goes through a spool file on disk while it is hashed (the member name must
        be known before the member is written), then into the zip unless that key is there.
        """
        with self._spool_path.open("w+b") as spool:
            key = copy_hashing(stream, spool, what, read_errors)
            if key not in self._keys:
                size = spool.tell()
                spool.seek(0)
                with self._member(key, size) as member:
                    shutil.copyfileobj(spool, member, CHUNK_BYTES)
                self._keys.add(key)
        return key

    def add_named(
        self, key: str, stream: IO[bytes], size: int, what: str, read_errors: tuple[type[Exception], ...]
    ) -> None:
        """Add a file an archive already keys by ``key``, checking on the way that it is its sha256."""
        if key in self._keys:
            return
        with self._member(key, size) as member:
            found = copy_hashing(stream, member, what, read_errors)
        if found != key:
            raise CorruptArchive(f"{what}: its content has sha256 {found}, not the {key} its name claims")
        self._keys.add(key)

    def finish(self, database: Path, metadata: dict[str, Any]) -> None:
        """Write the database and the metadata, put both first in the central directory, close."""
        self._zip.write(database, DB_FILENAME, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(META_FILENAME, time.localtime()[:6])
        info.compress_type = zipfile.ZIP_STORED
        self._zip.writestr(info, json.dumps(metadata))
        first = {META_FILENAME: 0, DB_FILENAME: 1}
        self._zip.filelist.sort(key=lambda entry: first.get(entry.filename, 2))
        self._zip.close()

    def close(self) -> None:
        """Close without finishing (after an error: the caller discards the file)."""
        self._zip.close()
