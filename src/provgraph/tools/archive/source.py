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
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from provgraph.common.archive_format import (
    DB_FILENAME,
    HEAD_VERSION,
    KEY_FORMAT,
    REPO_FOLDER,
    REQUIRED_TABLES,
    archive_container,
    check_member_name,
    read_metadata,
    read_version,
)
from provgraph.exceptions import CorruptArchive

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
    """A binary stream that hashes what passes through and refuses more bytes than declared.

    A zip member may claim one size and inflate to another (a zip bomb); reading through this
    stops at the declared size plus one chunk, so neither memory nor disk follow the attacker.
    """

    def __init__(self, stream: IO[bytes], declared_size: int, name: str) -> None:
        self._stream = stream
        self._left = declared_size
        self._name = name
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        try:
            data = self._stream.read(_CHUNK if size is None or size < 0 else size)
        except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
            raise CorruptArchive(f"archive member {self._name} is corrupt ({exc}); refusing it") from exc
        self._left -= len(data)
        if self._left < 0:
            raise CorruptArchive(
                f"archive member {self._name} inflates beyond its declared size; refusing it"
            )
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> HashingReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ArchiveSource:
    """An archive at head version, readable row by row; a context manager that cleans up.

    >>> from provgraph.tools.archive.source import ArchiveSource
    >>> with ArchiveSource("tests/data/aiida-archives/small.aiida") as source:  # doctest: +SKIP
    ...     source.count("db_dbnode")
    47
    """

    def __init__(self, path: Path | str, *, migrate: bool = True) -> None:
        self.original_path = Path(path)
        self._workdir = Path(tempfile.mkdtemp(prefix="provgraph-import-"))
        self._zip: zipfile.ZipFile | None = None
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
        if self.container == "zip":
            try:
                self._zip = zipfile.ZipFile(path)
                self._members = {info.filename: info for info in self._zip.infolist()}
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise CorruptArchive(f"{path}: cannot read the zip file: {exc}") from exc
            database = self._extract_database()
        elif self.container == "folder":
            database = path / DB_FILENAME
            if database.is_symlink() or not database.is_file():
                raise CorruptArchive(f"{path}: required file `{DB_FILENAME}` is not included")
        else:
            raise CorruptArchive(f"{path}: a {HEAD_VERSION} archive must be a zip file or a folder")
        self._db = _open_database(database, path)

    def _extract_database(self) -> Path:
        """Copy db.sqlite3 into the work folder, bounded by its declared size and the free disk."""
        assert self._zip is not None
        info = self._members.get(DB_FILENAME)
        if info is None:
            raise CorruptArchive(f"{self.path}: required file `{DB_FILENAME}` is not included")
        free = shutil.disk_usage(self._workdir).free
        if info.file_size > free:
            raise CorruptArchive(
                f"{self.path}: {DB_FILENAME} declares {info.file_size:,} bytes but only {free:,} are free "
                f"in {self._workdir.parent}; refusing it"
            )
        destination = self._workdir / DB_FILENAME
        try:
            with (
                self._zip.open(info) as raw,
                HashingReader(raw, info.file_size, DB_FILENAME) as stream,
                destination.open("wb") as out,
            ):
                while chunk := stream.read(_CHUNK):
                    out.write(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise CorruptArchive(f"{self.path}: cannot extract {DB_FILENAME}: {exc}") from exc
        return destination

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
        self, table: str, columns: Sequence[str] | None = None, *, batch_size: int = 1000, max_bytes: int = 0
    ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of ``table`` ordered by id, ``batch_size`` at a time.

        With ``max_bytes`` a batch also ends once its text reaches that many bytes, so that a
        few rows holding tens of megabytes of JSON each do not arrive together.
        """
        names = ", ".join(columns or COLUMNS[table])
        try:
            cursor = self.db.execute(f"SELECT {names} FROM {table} ORDER BY id")
            batch: list[tuple[Any, ...]] = []
            size = 0
            while rows := cursor.fetchmany(batch_size):
                for row in rows:
                    batch.append(row)
                    if max_bytes:
                        size += sum(len(value) for value in row if isinstance(value, str))
                    if len(batch) >= batch_size or (max_bytes and size >= max_bytes):
                        yield batch
                        batch, size = [], 0
            if batch:
                yield batch
        except sqlite3.Error as exc:
            raise CorruptArchive(f"{self.original_path}: reading {table} failed: {exc}") from exc

    # -- objects --------------------------------------------------------------------------------

    def object_sizes(self, keys: Sequence[str]) -> int:
        """The total declared size of the objects ``keys``; ``CorruptArchive`` names a missing one."""
        total = 0
        for key in keys:
            total += self._object_size(key)
        return total

    def _member(self, key: str) -> str:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise CorruptArchive(f"{self.original_path}: {key!r} is not a sha256 repository key")
        return str(check_member_name(f"{REPO_FOLDER}/{key}"))

    def _object_size(self, key: str) -> int:
        name = self._member(key)
        if self._zip is not None:
            info = self._members.get(name)
            if info is None:
                raise CorruptArchive(
                    f"{self.original_path}: object {key} is listed by a node but missing from {REPO_FOLDER}/"
                )
            return info.file_size
        path = self.path / name
        if path.is_symlink() or not path.is_file():
            raise CorruptArchive(
                f"{self.original_path}: object {key} is listed by a node but missing from {REPO_FOLDER}/"
            )
        return path.stat().st_size

    def object_count(self) -> int:
        """How many objects ``repo/`` holds."""
        prefix = f"{REPO_FOLDER}/"
        if self._zip is not None:
            return sum(
                1 for name in self._members if name.startswith(prefix) and len(name) == len(prefix) + 64
            )
        folder = self.path / REPO_FOLDER
        return sum(1 for _ in folder.iterdir()) if folder.is_dir() else 0

    def open_object(self, key: str) -> HashingReader:
        """A stream of object ``key`` that hashes its content as it is read (check with ``hexdigest``)."""
        size = self._object_size(key)
        name = self._member(key)
        try:
            raw: IO[bytes] = self._zip.open(name) if self._zip is not None else (self.path / name).open("rb")
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise CorruptArchive(f"{self.original_path}: cannot read {name}: {exc}") from exc
        return HashingReader(raw, size, name)

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._zip is not None:
            self._zip.close()
            self._zip = None
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
    missing = [name for name in REQUIRED_TABLES if name not in tables]
    if missing:
        connection.close()
        raise CorruptArchive(f"{archive}: {DB_FILENAME} lacks the tables {', '.join(missing)}")
    for table, columns in COLUMNS.items():
        lacking = [column for column in columns if column not in tables[table]]
        if lacking:
            connection.close()
            raise CorruptArchive(f"{archive}: table {table} of {DB_FILENAME} lacks the columns {lacking}")
    return connection
