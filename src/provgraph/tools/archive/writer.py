"""Write an archive file that appears under its name only when it is complete.

Everything is built in a temporary folder next to the destination (same file system, so the
final rename is atomic and the large temporary files never fill ``/tmp``): the archive database
first, then the zip file, whose members come in the order readers expect: ``metadata.json``
(stored, uncompressed), ``db.sqlite3`` (deflated), then one ``repo/<sha256>`` member per
object, copied from the repository stream in chunks. Whatever goes wrong, including Ctrl-C, the
temporary folder is removed and an existing file at the destination is left as it was.

>>> with ArchiveFileBuilder(Path("out.aiida"), compression=6, overwrite=False) as builder:  # doctest: +SKIP
...     for batch in stream_tables(...):                     # fill the archive database
...         builder.insert(batch)
...     builder.write_zip(metadata, objects, on_object)      # then the zip; renamed on leaving
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from provgraph.common.archive_format import DB_FILENAME, META_FILENAME, REPO_FOLDER, create_archive_database
from provgraph.common.scratch import scratch_folder
from provgraph.exceptions import ArchiveExportError
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.archive.rows import RowBatch, copy_entities, strip_checkpoints_and_collect_keys
from provgraph.tools.archive.selection import Selection

__all__ = ["CHUNK_SIZE", "ArchiveFileBuilder", "check_destination"]

#: Bytes copied at a time from a repository stream into the zip file.
CHUNK_SIZE = 1 << 20
# Members this large (or of unknown size) get zip64 headers.
_ZIP64_LIMIT = (1 << 31) - 1

#: Called with the entity type and the number of rows of each copy step.
CopyReport = Callable[[EntityTypes, int], None]

#: (key, stream) pairs of repository objects.
ObjectStreams = Iterable[tuple[str, BinaryIO]]


def check_destination(filename: str | Path | None, overwrite: bool) -> Path:
    """The archive path (default ``./export_data.aiida``), refusing to replace a file unless ``overwrite``."""
    if filename is not None and not isinstance(filename, (str, os.PathLike)):
        raise TypeError(f"filename must be a str or a Path, got {filename!r}")
    path = Path.cwd() / "export_data.aiida" if filename is None else Path(filename)
    if path.exists() and not path.is_file():
        raise ArchiveExportError(f"The output file '{path}' exists as a directory")
    if path.exists() and not overwrite:
        raise ArchiveExportError(
            f"The output file '{path}' already exists; pass overwrite (--force) to replace it"
        )
    return path


class ArchiveFileBuilder:
    """A temporary folder beside ``path`` holding the archive database and the zip under way.

    Leaving the ``with`` block normally renames the zip to ``path``; leaving it by an exception
    (or never calling :meth:`write_zip`) removes everything it made.
    """

    def __init__(self, path: Path, *, compression: int, overwrite: bool) -> None:
        self.path = path
        self.compression = compression
        self.overwrite = overwrite
        self._folder: Path | None = None
        self._database: sqlite3.Connection | None = None
        self._zip_written = False

    def __enter__(self) -> ArchiveFileBuilder:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._folder = scratch_folder(f".{self.path.name}.", parent=self.path.parent, suffix=".partial")
        try:
            self._database = create_archive_database(self._folder / DB_FILENAME)
            self._database.execute("BEGIN")
        except BaseException:
            self._cleanup()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            if exc_type is None and self._zip_written:
                check_destination(self.path, self.overwrite)  # nobody made it meanwhile
                os.replace(self._zip_path, self.path)
        finally:
            self._cleanup()

    @property
    def _zip_path(self) -> Path:
        assert self._folder is not None, "used outside its with block"
        return self._folder / "archive.zip"

    def insert(self, batch: RowBatch) -> None:
        """Add one batch of rows to the archive database."""
        assert self._database is not None, "used outside its with block"
        placeholders = ", ".join("?" for _ in batch.columns)
        self._database.executemany(
            f"INSERT INTO {batch.table} ({', '.join(batch.columns)}) VALUES ({placeholders})",
            batch.rows,
        )

    def copy_entities(self, storage: StorageBackend, selection: Selection, on_copied: CopyReport) -> None:
        """Have the storage write the selected entity rows straight into the archive database.

        The builder's own transaction is closed meanwhile: the storage writes the file itself.
        """
        assert self._database is not None, "used outside its with block"
        assert self._folder is not None, "used outside its with block"
        self._database.execute("COMMIT")
        try:
            copy_entities(storage, selection, self._folder / DB_FILENAME, on_copied)
        finally:
            self._database.execute("BEGIN")

    def finish_nodes(self, strip_checkpoints: bool) -> set[str]:
        """Drop checkpoints of the copied process nodes (if asked); return the repository keys."""
        assert self._database is not None, "used outside its with block"
        return strip_checkpoints_and_collect_keys(self._database, strip_checkpoints)

    def write_zip(
        self, metadata: dict[str, Any], objects: ObjectStreams, on_object: Callable[[int], None]
    ) -> tuple[int, int]:
        """Close the database and write the zip: metadata, database, objects. Returns (objects, bytes).

        ``on_object`` is called with the size of each object written.
        """
        assert self._database is not None, "used outside its with block"
        assert self._folder is not None, "used outside its with block"
        self._database.execute("COMMIT")
        self._database.close()
        self._database = None
        method = zipfile.ZIP_DEFLATED if self.compression else zipfile.ZIP_STORED
        count = total = 0
        with zipfile.ZipFile(
            self._zip_path, "x", compression=method, compresslevel=self.compression
        ) as archive:
            archive.writestr(META_FILENAME, json.dumps(metadata), compress_type=zipfile.ZIP_STORED)
            archive.write(self._folder / DB_FILENAME, DB_FILENAME)
            (self._folder / DB_FILENAME).unlink()
            for key, stream in objects:
                size = _copy_member(archive, f"{REPO_FOLDER}/{key}", stream)
                count += 1
                total += size
                on_object(size)
        self._zip_written = True
        return count, total

    def _cleanup(self) -> None:
        if self._database is not None:
            self._database.close()
            self._database = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None


def _copy_member(archive: zipfile.ZipFile, name: str, stream: BinaryIO) -> int:
    """Copy ``stream`` into a new member ``name`` chunk by chunk; return the bytes copied."""
    size = _stream_size(stream)
    copied = 0
    with archive.open(name, mode="w", force_zip64=size is None or size > _ZIP64_LIMIT) as member:
        while chunk := stream.read(CHUNK_SIZE):
            member.write(chunk)
            copied += len(chunk)
    return copied


def _stream_size(stream: BinaryIO) -> int | None:
    """The stream's remaining size if it can tell (loose files can; packed objects may not)."""
    try:
        position = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(position)
    except (OSError, ValueError, NotImplementedError, AttributeError):
        return None
    return int(end - position)
