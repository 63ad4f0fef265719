"""An archive opened for reading by the importer: its rows by table, its objects by key.

Everything here distrusts the file: the version is checked (older formats are migrated into a
temporary copy, never in place), the database is extracted with a size bound and checked to be
an SQLite file with AiiDA's tables, member names are checked before use, and each object is
hashed while it is read so that content not matching its name is noticed.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from provgraph.common.archive_format import (
    DB_FILENAME,
    HEAD_VERSION,
    KEY_FORMAT,
    REPO_FOLDER,
    archive_container,
    extract_database,
    read_metadata,
    read_version,
)
from provgraph.common.scratch import scratch_folder
from provgraph.exceptions import CorruptArchive
from provgraph.repository.archive import ArchiveRepository, is_sha256_key

__all__ = ["ArchiveSource", "HashingReader"]

_CHUNK = 1024 * 1024

# Columns the importer reads per table; a table lacking one of them is not an AiiDA archive table.
COLUMNS: dict[str, tuple[str, ...]] = {
    "db_dbuser": ("id", "email", "first_name", "last_name", "institution"),
    "db_dbcomputer": (
        "id",
        "uuid",
        "label",
        "hostname",
        "description",
        "scheduler_type",
        "transport_type",
        "metadata",
    ),
    "db_dbauthinfo": ("id", "aiidauser_id", "dbcomputer_id", "metadata", "auth_params", "enabled"),
    "db_dbgroup": ("id", "uuid", "label", "type_string", "time", "description", "extras", "user_id"),
    "db_dbnode": (
        "id",
        "uuid",
        "node_type",
        "process_type",
        "label",
        "description",
        "ctime",
        "mtime",
        "attributes",
        "extras",
        "repository_metadata",
        "dbcomputer_id",
        "user_id",
    ),
    "db_dbcomment": ("id", "uuid", "dbnode_id", "ctime", "mtime", "user_id", "content"),
    "db_dbgroup_dbnodes": ("id", "dbnode_id", "dbgroup_id"),
    "db_dblink": ("id", "input_id", "output_id", "label", "type"),
    "db_dblog": ("id", "uuid", "time", "loggername", "levelname", "dbnode_id", "message", "metadata"),
}


class HashingReader:
    """A binary stream that hashes what passes through it, turning read errors into one line.

    A zip member cannot inflate beyond the size it declares (``zipfile`` stops there and checks
    its CRC), so a zip bomb costs at most what it admits to; the hash then tells whether the
    content is what its name promises.
    """

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._stream = stream
        self._name = name
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._stream.read(_CHUNK if size is None or size < 0 else size)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
            raise CorruptArchive(f"archive member {self._name} is corrupt ({exc}); refusing it") from exc
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class ArchiveSource:
    """An archive at head version, readable row by row; a context manager that cleans up.

    >>> from provgraph.tools.archive.source import ArchiveSource
    >>> with ArchiveSource("tests/data/aiida-archives/small.aiida") as source:  # doctest: +SKIP
    ...     source.count("db_dbnode")
    47
    """

    def __init__(self, path: Path | str, *, migrate: bool = True) -> None:
        self.original_path = Path(path)
        self._workdir = scratch_folder("provgraph-import-")
        self.repository: ArchiveRepository | None = None
        self._db: sqlite3.Connection | None = None
        try:
            self._open(migrate)
        except BaseException:
            self.close()
            raise

    def _open(self, migrate: bool) -> None:
        path = self.original_path
        version = read_version(path)
        if version != HEAD_VERSION:
            if not migrate:
                raise CorruptArchive(
                    f"{path}: archive version {version} is not {HEAD_VERSION}; migrate it first "
                    "(`provgraph archive migrate`)"
                )
            from provgraph.tools.archive.migrate import migrate_archive

            migrated = self._workdir / "migrated.aiida"
            migrate_archive(path, migrated)
            path = migrated
        self.path = path
        self.metadata = read_metadata(path)
        key_format = self.metadata.get("key_format", KEY_FORMAT)
        if key_format != KEY_FORMAT:
            raise CorruptArchive(f"{path}: repository key format {key_format!r} is not {KEY_FORMAT!r}")
        self.container = archive_container(path)
        if self.container not in ("zip", "folder"):
            raise CorruptArchive(f"{path}: a {HEAD_VERSION} archive must be a zip file or a folder")
        database = extract_database(path, self._workdir / DB_FILENAME)
        self._db = _open_database(database, path)
        self.database = database
        self.repository = ArchiveRepository(path)

    # -- rows -----------------------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise CorruptArchive("the archive is closed")
        return self._db

    def count(self, table: str) -> int:
        count: int = self.query(f"SELECT count(*) FROM {table}")[0][0]
        return count

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """All rows of one (small) query on the archive database."""
        try:
            return self.db.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise CorruptArchive(f"{self.original_path}: reading the archive database failed: {exc}") from exc

    def batches(
        self,
        table: str,
        columns: Sequence[str] | None = None,
        *,
        batch_size: int = 1000,
        weight: str | None = None,
        max_weight: int = 0,
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of ``table`` ordered by id, ``batch_size`` at a time.

        ``columns`` may be SQL expressions (the database does per-row work faster than Python).
        With ``weight``, an SQL expression appended as each row's last value, a batch also ends
        once the weights reach ``max_weight``: a few rows holding tens of megabytes of JSON each
        then do not arrive together.
        """
        names = ", ".join([*(columns or COLUMNS[table]), *([weight] if weight else [])])
        try:
            cursor = self.db.execute(f"SELECT {names} FROM {table} ORDER BY id")
            batch: list[tuple[Any, ...]] = []
            total = 0
            while rows := cursor.fetchmany(batch_size):
                for row in rows:
                    batch.append(row)
                    if weight:
                        total += row[-1] or 0
                    if len(batch) >= batch_size or (weight and total >= max_weight):
                        yield batch
                        batch, total = [], 0
            if batch:
                yield batch
        except sqlite3.Error as exc:
            raise CorruptArchive(f"{self.original_path}: reading {table} failed: {exc}") from exc

    # -- objects --------------------------------------------------------------------------------

    def object_sizes(self, keys: Sequence[str]) -> int:
        """The total size of the objects ``keys``; ``CorruptArchive`` names one the archive lacks."""
        keys = list(keys)
        for key in keys:
            if not is_sha256_key(key):
                raise CorruptArchive(f"{self.original_path}: {key!r} is not a sha256 repository key")
        repository = self._repository()
        for key, present in zip(keys, repository.has_objects(keys), strict=True):
            if not present:
                raise CorruptArchive(
                    f"{self.original_path}: object {key} is listed by a node but missing from {REPO_FOLDER}/"
                )
        return repository.total_size(keys)

    def _repository(self) -> ArchiveRepository:
        if self.repository is None:
            raise CorruptArchive("the archive is closed")
        return self.repository

    def object_count(self) -> int:
        """How many objects ``repo/`` holds."""
        return sum(1 for _ in self._repository().list_objects())

    @contextmanager
    def open_object(self, key: str) -> Iterator[HashingReader]:
        """A stream of object ``key`` that hashes its content as it is read (check with ``hexdigest``)."""
        try:
            with self._repository().open(key) as raw:
                yield HashingReader(raw, f"{REPO_FOLDER}/{key}")
        except FileNotFoundError as exc:
            raise CorruptArchive(
                f"{self.original_path}: object {key} is listed by a node but missing from {REPO_FOLDER}/"
            ) from exc

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self.repository is not None:
            self.repository.close()
            self.repository = None
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> ArchiveSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _open_database(database: Path, archive: Path) -> sqlite3.Connection:
    """Open the archive database read-only and check it has AiiDA's tables and columns."""
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        tables = {
            name: {row[1] for row in connection.execute(f"PRAGMA table_info({name})")}
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
    except sqlite3.DatabaseError as exc:
        raise CorruptArchive(f"{archive}: {DB_FILENAME} is not an SQLite database ({exc})") from exc
    for table, columns in COLUMNS.items():
        lacking = [column for column in columns if column not in tables[table]]
        if lacking:
            connection.close()
            raise CorruptArchive(f"{archive}: table {table} of {DB_FILENAME} lacks the columns {lacking}")
    return connection
