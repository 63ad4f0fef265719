"""AiiDA's archive file format: names, versions, the archive database schema, safe reading.

An archive (``.aiida``) is a zip file holding ``metadata.json`` (first, stored), ``db.sqlite3``
(the rows, in AiiDA's tables) and ``repo/<sha256>`` (one member per file content). Older
formats (``0.4`` ... ``0.13``) are zip or tar files holding ``data.json`` and per-node folders.
Both the read-only ``core.sqlite_zip`` storage and the archive tools (create, import, migrate)
need these facts, so they live here, below both, with no knowledge of either.

Everything that reads an archive member goes through :func:`read_member_bytes` /
:func:`check_member_name`, which bound what a hostile archive can make us read or write.

>>> from provgraph.common.archive_format import HEAD_VERSION, is_supported_version
>>> HEAD_VERSION, is_supported_version("0.4"), is_supported_version("0.3")
('main_0001', True, False)
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any

from provgraph.exceptions import CorruptArchive, IncompatibleArchiveVersionError

__all__ = [
    "AIIDA_FORMAT_VERSION",
    "ALL_VERSIONS",
    "ARCHIVE_SCHEMA",
    "DB_FILENAME",
    "HEAD_VERSION",
    "KEY_FORMAT",
    "LEGACY_VERSIONS",
    "MAIN_VERSIONS",
    "MAX_DATABASE_BYTES",
    "MAX_METADATA_BYTES",
    "META_FILENAME",
    "REPO_FOLDER",
    "REQUIRED_TABLES",
    "UNSUPPORTED_VERSIONS",
    "archive_container",
    "check_database_file",
    "check_member_name",
    "check_version",
    "create_archive_database",
    "extract_database",
    "is_supported_version",
    "probe_database",
    "read_member_bytes",
    "read_metadata",
    "read_version",
]

META_FILENAME = "metadata.json"
DB_FILENAME = "db.sqlite3"
REPO_FOLDER = "repo"
KEY_FORMAT = "sha256"

#: The version every archive is written in, and the only one that can be read as a storage.
HEAD_VERSION = "main_0001"
#: The aiida-core release whose archives ours match; written as ``aiida_version`` in metadata.json,
#: which aiida-core reads as the writer's version.
AIIDA_FORMAT_VERSION = "2.9.4"
#: JSON-based formats (``data.json`` + ``nodes/``), migratable step by step.
LEGACY_VERSIONS = ("0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13")
#: SQLite-based formats, migrated by small schema steps.
MAIN_VERSIONS = ("main_0000", "main_0000a", "main_0000b", HEAD_VERSION)
ALL_VERSIONS = LEGACY_VERSIONS + MAIN_VERSIONS
#: Versions aiida-core v2 refuses too: they need aiida-core v1's migrations first.
UNSUPPORTED_VERSIONS = ("0.1", "0.2", "0.3")

#: metadata.json is small (starting sets of large exports are a few MB); anything bigger is hostile.
MAX_METADATA_BYTES = 256 * 1024 * 1024
#: The largest db.sqlite3 we inflate out of a zip: far above any real archive (AiiDA's largest
#: public databases are a few GB), low enough that a lying member header cannot fill a disk.
MAX_DATABASE_BYTES = 64 * 1024**3
# Every SQLite 3 file starts with these 16 bytes (https://sqlite.org/fileformat.html).
_SQLITE_HEADER = b"SQLite format 3\x00"
# Inflate the database in pieces of this size: never the whole member in memory.
_COPY_CHUNK = 1 << 20

# The archive database, as aiida-core 2.9 writes it (SQLite flavour of AiiDA's tables; no
# alembic_version: the version lives in metadata.json). Column order matters to nobody, names and
# constraints do: aiida-core reads these files back.
_FK = "DEFERRABLE INITIALLY DEFERRED"
ARCHIVE_SCHEMA: tuple[str, ...] = (
    """CREATE TABLE db_dbcomputer (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, label VARCHAR(255) NOT NULL,
    hostname VARCHAR(255) NOT NULL, description TEXT NOT NULL, scheduler_type VARCHAR(255) NOT NULL,
    transport_type VARCHAR(255) NOT NULL, metadata JSON NOT NULL,
    CONSTRAINT db_dbcomputer_pkey PRIMARY KEY (id),
    CONSTRAINT uq_db_dbcomputer_uuid UNIQUE (uuid),
    CONSTRAINT uq_db_dbcomputer_label UNIQUE (label))""",
    """CREATE TABLE db_dbsetting (
    id INTEGER NOT NULL, "key" VARCHAR(1024) NOT NULL, val JSON, description TEXT NOT NULL,
    time DATETIME NOT NULL,
    CONSTRAINT db_dbsetting_pkey PRIMARY KEY (id),
    CONSTRAINT uq_db_dbsetting_key UNIQUE ("key"))""",
    """CREATE TABLE db_dbuser (
    id INTEGER NOT NULL, email VARCHAR(254) NOT NULL, first_name VARCHAR(254) NOT NULL,
    last_name VARCHAR(254) NOT NULL, institution VARCHAR(254) NOT NULL,
    CONSTRAINT db_dbuser_pkey PRIMARY KEY (id),
    CONSTRAINT uq_db_dbuser_email UNIQUE (email))""",
    f"""CREATE TABLE db_dbauthinfo (
    id INTEGER NOT NULL, aiidauser_id INTEGER NOT NULL, dbcomputer_id INTEGER NOT NULL,
    metadata JSON NOT NULL, auth_params JSON NOT NULL, enabled BOOLEAN NOT NULL,
    CONSTRAINT db_dbauthinfo_pkey PRIMARY KEY (id),
    CONSTRAINT uq_db_dbauthinfo_aiidauser_id_dbcomputer_id UNIQUE (aiidauser_id, dbcomputer_id),
    CONSTRAINT fk_db_dbauthinfo_aiidauser_id_db_dbuser FOREIGN KEY(aiidauser_id)
        REFERENCES db_dbuser (id) ON DELETE CASCADE {_FK},
    CONSTRAINT fk_db_dbauthinfo_dbcomputer_id_db_dbcomputer FOREIGN KEY(dbcomputer_id)
        REFERENCES db_dbcomputer (id) ON DELETE CASCADE {_FK})""",
    "CREATE INDEX ix_db_dbauthinfo_db_dbauthinfo_dbcomputer_id ON db_dbauthinfo (dbcomputer_id)",
    "CREATE INDEX ix_db_dbauthinfo_db_dbauthinfo_aiidauser_id ON db_dbauthinfo (aiidauser_id)",
    f"""CREATE TABLE db_dbgroup (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, label VARCHAR(255) NOT NULL,
    type_string VARCHAR(255) NOT NULL, time DATETIME NOT NULL, description TEXT NOT NULL,
    extras JSON NOT NULL, user_id INTEGER NOT NULL,
    CONSTRAINT db_dbgroup_pkey PRIMARY KEY (id),
    CONSTRAINT uq_db_dbgroup_uuid UNIQUE (uuid),
    CONSTRAINT uq_db_dbgroup_label_type_string UNIQUE (label, type_string),
    CONSTRAINT fk_db_dbgroup_user_id_db_dbuser FOREIGN KEY(user_id)
        REFERENCES db_dbuser (id) ON DELETE CASCADE {_FK})""",
    "CREATE INDEX ix_db_dbgroup_db_dbgroup_user_id ON db_dbgroup (user_id)",
    "CREATE INDEX ix_db_dbgroup_db_dbgroup_type_string ON db_dbgroup (type_string)",
    "CREATE INDEX ix_db_dbgroup_db_dbgroup_label ON db_dbgroup (label)",
    f"""CREATE TABLE db_dbnode (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, node_type VARCHAR(255) NOT NULL,
    process_type VARCHAR(255), label VARCHAR(255) NOT NULL, description TEXT NOT NULL,
    ctime DATETIME NOT NULL, mtime DATETIME NOT NULL, attributes JSON, extras JSON,
    repository_metadata JSON NOT NULL, dbcomputer_id INTEGER, user_id INTEGER NOT NULL,
    CONSTRAINT db_dbnode_pkey PRIMARY KEY (id),
    CONSTRAINT uq_db_dbnode_uuid UNIQUE (uuid),
    CONSTRAINT fk_db_dbnode_dbcomputer_id_db_dbcomputer FOREIGN KEY(dbcomputer_id)
        REFERENCES db_dbcomputer (id) ON DELETE RESTRICT {_FK},
    CONSTRAINT fk_db_dbnode_user_id_db_dbuser FOREIGN KEY(user_id)
        REFERENCES db_dbuser (id) ON DELETE RESTRICT {_FK})""",
    "CREATE INDEX ix_db_dbnode_db_dbnode_user_id ON db_dbnode (user_id)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_ctime ON db_dbnode (ctime)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_node_type ON db_dbnode (node_type)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_dbcomputer_id ON db_dbnode (dbcomputer_id)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_label ON db_dbnode (label)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_process_type ON db_dbnode (process_type)",
    "CREATE INDEX ix_db_dbnode_db_dbnode_mtime ON db_dbnode (mtime)",
    f"""CREATE TABLE db_dbcomment (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, dbnode_id INTEGER NOT NULL,
    ctime DATETIME NOT NULL, mtime DATETIME NOT NULL, user_id INTEGER NOT NULL, content TEXT NOT NULL,
    CONSTRAINT db_dbcomment_pkey PRIMARY KEY (id),
    CONSTRAINT uq_db_dbcomment_uuid UNIQUE (uuid),
    CONSTRAINT fk_db_dbcomment_user_id_db_dbuser FOREIGN KEY(user_id)
        REFERENCES db_dbuser (id) ON DELETE CASCADE {_FK},
    CONSTRAINT fk_db_dbcomment_dbnode_id_db_dbnode FOREIGN KEY(dbnode_id)
        REFERENCES db_dbnode (id) ON DELETE CASCADE {_FK})""",
    "CREATE INDEX ix_db_dbcomment_db_dbcomment_dbnode_id ON db_dbcomment (dbnode_id)",
    "CREATE INDEX ix_db_dbcomment_db_dbcomment_user_id ON db_dbcomment (user_id)",
    f"""CREATE TABLE db_dbgroup_dbnodes (
    id INTEGER NOT NULL, dbnode_id INTEGER NOT NULL, dbgroup_id INTEGER NOT NULL,
    CONSTRAINT db_dbgroup_dbnodes_pkey PRIMARY KEY (id),
    CONSTRAINT fk_db_dbgroup_dbnodes_dbnode_id_db_dbnode FOREIGN KEY(dbnode_id)
        REFERENCES db_dbnode (id) {_FK},
    CONSTRAINT fk_db_dbgroup_dbnodes_dbgroup_id_db_dbgroup FOREIGN KEY(dbgroup_id)
        REFERENCES db_dbgroup (id) {_FK},
    CONSTRAINT uq_db_dbgroup_dbnodes_dbgroup_id_dbnode_id UNIQUE (dbgroup_id, dbnode_id))""",
    "CREATE INDEX ix_db_dbgroup_dbnodes_db_dbgroup_dbnodes_dbnode_id ON db_dbgroup_dbnodes (dbnode_id)",
    "CREATE INDEX ix_db_dbgroup_dbnodes_db_dbgroup_dbnodes_dbgroup_id ON db_dbgroup_dbnodes (dbgroup_id)",
    f"""CREATE TABLE db_dblink (
    id INTEGER NOT NULL, input_id INTEGER NOT NULL, output_id INTEGER NOT NULL,
    label VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL,
    CONSTRAINT db_dblink_pkey PRIMARY KEY (id),
    CONSTRAINT fk_db_dblink_input_id_db_dbnode FOREIGN KEY(input_id) REFERENCES db_dbnode (id) {_FK},
    CONSTRAINT fk_db_dblink_output_id_db_dbnode FOREIGN KEY(output_id)
        REFERENCES db_dbnode (id) ON DELETE CASCADE {_FK})""",
    "CREATE INDEX ix_db_dblink_db_dblink_output_id ON db_dblink (output_id)",
    "CREATE INDEX ix_db_dblink_db_dblink_type ON db_dblink (type)",
    "CREATE INDEX ix_db_dblink_db_dblink_input_id ON db_dblink (input_id)",
    "CREATE INDEX ix_db_dblink_db_dblink_label ON db_dblink (label)",
    f"""CREATE TABLE db_dblog (
    id INTEGER NOT NULL, uuid VARCHAR(32) NOT NULL, time DATETIME NOT NULL,
    loggername VARCHAR(255) NOT NULL, levelname VARCHAR(50) NOT NULL, dbnode_id INTEGER NOT NULL,
    message TEXT NOT NULL, metadata JSON NOT NULL,
    CONSTRAINT db_dblog_pkey PRIMARY KEY (id),
    CONSTRAINT uq_db_dblog_uuid UNIQUE (uuid),
    CONSTRAINT fk_db_dblog_dbnode_id_db_dbnode FOREIGN KEY(dbnode_id)
        REFERENCES db_dbnode (id) ON DELETE CASCADE {_FK})""",
    "CREATE INDEX ix_db_dblog_db_dblog_loggername ON db_dblog (loggername)",
    "CREATE INDEX ix_db_dblog_db_dblog_dbnode_id ON db_dblog (dbnode_id)",
    "CREATE INDEX ix_db_dblog_db_dblog_levelname ON db_dblog (levelname)",
)

#: The tables every head-version archive database must have (db_dbsetting is optional).
REQUIRED_TABLES = (
    "db_dbuser",
    "db_dbcomputer",
    "db_dbauthinfo",
    "db_dbgroup",
    "db_dbnode",
    "db_dbcomment",
    "db_dbgroup_dbnodes",
    "db_dblink",
    "db_dblog",
)


def create_archive_database(path: Path, schema: Sequence[str] = ARCHIVE_SCHEMA) -> sqlite3.Connection:
    """Create an empty archive database at ``path`` (which must not exist) and return it open.

    ``schema`` is the head version's unless a migration builds an older one.

    The connection is tuned for one writer building a file nobody reads yet: no journal, no
    fsync until the caller closes it (a crash leaves only a temporary file behind).
    """
    if path.exists():
        raise FileExistsError(f"{path} exists already")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=OFF")
    connection.execute("PRAGMA synchronous=OFF")
    connection.execute("BEGIN")
    for statement in schema:
        connection.execute(statement)
    connection.execute("COMMIT")
    return connection


def is_supported_version(version: str) -> bool:
    """Whether an archive of ``version`` can be read (directly or after migration)."""
    return version in ALL_VERSIONS


def check_version(version: object, path: Path | str) -> str:
    """``version`` if it is one provgraph can migrate or read, else one clear error naming it."""
    if not isinstance(version, str):
        raise CorruptArchive(f"{path}: metadata.json has no valid export_version (found {version!r})")
    if version in UNSUPPORTED_VERSIONS:
        raise IncompatibleArchiveVersionError(
            f"{path}: archive version {version} is too old: migrating from {version!r} is not supported "
            "(as in aiida-core v2); first migrate it to 0.4 or newer with aiida-core v1"
        )
    if version not in ALL_VERSIONS:
        raise IncompatibleArchiveVersionError(
            f"{path}: unknown archive version {version!r} (this provgraph reads {ALL_VERSIONS[0]} to "
            f"{HEAD_VERSION}); it may come from a newer release: upgrade provgraph"
        )
    return version


def check_member_name(name: str) -> PurePosixPath:
    """The relative path of an archive member, refusing names that would escape its folder.

    Archives come from strangers: a member named ``../x``, ``/etc/x`` or ``C:\\x`` must never
    be written anywhere, so every reader of member names goes through this check first.
    """
    if not name or "\x00" in name or "\\" in name:
        raise CorruptArchive(f"archive member name {name!r} is not a plain relative path")
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise CorruptArchive(f"archive member {name!r} points outside the archive; refusing it")
    return path


def archive_container(path: Path) -> str:
    """``folder``, ``zip`` or ``tar``: how the archive at ``path`` is packed.

    Raises ``CorruptArchive`` for a missing file or one that is neither (a truncated zip reads
    as neither: its central directory is gone).
    """
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise CorruptArchive(f"{path}: no such archive file")
    if zipfile.is_zipfile(path):
        return "zip"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except OSError as exc:  # pragma: no cover (an unreadable file: permissions)
        raise CorruptArchive(f"{path}: cannot read the file: {exc}") from exc
    raise CorruptArchive(f"{path}: not an AiiDA archive (neither a zip nor a tar file, or truncated)")


def read_member_bytes(stream: IO[bytes], limit: int, what: str) -> bytes:
    """Read a whole member, refusing one that inflates beyond ``limit`` bytes (a zip bomb)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise CorruptArchive(f"{what} is larger than {limit:,} bytes; refusing it")
    return data


@contextmanager
def _open_member(path: Path, container: str, name: str) -> Iterator[IO[bytes]]:
    """An open stream of member ``name`` of the archive; ``CorruptArchive`` if it is missing."""
    missing = CorruptArchive(f"{path}: required file `{name}` is not included; not an AiiDA archive")
    if container == "folder":
        member = path / name
        if member.is_symlink() or not member.is_file():
            raise missing
        with member.open("rb") as stream:
            yield stream
        return
    try:
        if container == "zip":
            with zipfile.ZipFile(path) as archive:
                try:
                    info = archive.getinfo(name)
                except KeyError:
                    raise missing from None
                with archive.open(info) as stream:
                    yield stream
        else:
            with tarfile.open(path) as archive:
                member_info = next(
                    (m for m in archive if m.name in (name, f"./{name}")),
                    None,
                )
                if member_info is None or not member_info.isfile():
                    raise missing
                extracted = archive.extractfile(member_info)
                if extracted is None:  # pragma: no cover (isfile() was checked)
                    raise missing
                with extracted as stream:
                    yield stream
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise CorruptArchive(f"{path}: cannot read `{name}`: {exc}") from exc


def read_metadata(path: Path | str) -> dict[str, Any]:
    """The parsed ``metadata.json`` of the archive (zip, tar or folder) at ``path``.

    Raises ``CorruptArchive`` with one line saying what is wrong: no such file, not an
    archive, no metadata.json, metadata.json not JSON (or not an object, or huge).
    """
    path = Path(path)
    container = archive_container(path)
    with _open_member(path, container, META_FILENAME) as stream:
        try:
            raw = read_member_bytes(stream, MAX_METADATA_BYTES, f"{path}: metadata.json")
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise CorruptArchive(f"{path}: cannot read metadata.json: {exc}") from exc
    try:
        metadata = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CorruptArchive(f"{path}: metadata.json is not valid JSON ({exc})") from exc
    if not isinstance(metadata, dict):
        raise CorruptArchive(f"{path}: metadata.json is not a JSON object")
    return metadata


def read_version(path: Path | str) -> str:
    """The archive's ``export_version``, checked to be one provgraph knows (see :func:`check_version`)."""
    return check_version(read_metadata(path).get("export_version"), path)


def _zip_database_info(path: Path, archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    """The ``db.sqlite3`` member of an open zip archive, checked to be a plausible size."""
    try:
        info = archive.getinfo(DB_FILENAME)
    except KeyError:
        raise CorruptArchive(
            f"{path}: no {DB_FILENAME} in the archive; it is not a readable AiiDA archive"
        ) from None
    if info.is_dir() or info.file_size > MAX_DATABASE_BYTES:
        raise CorruptArchive(
            f"{path}: {DB_FILENAME} claims {info.file_size:,} bytes, more than the {MAX_DATABASE_BYTES:,} "
            "this reader inflates; refusing it"
        )
    return info


def _folder_database(path: Path) -> Path:
    """``<folder>/db.sqlite3`` of an unzipped archive: a regular file, never a symbolic link."""
    database = path / DB_FILENAME
    if database.is_symlink():
        raise CorruptArchive(f"{path}: {DB_FILENAME} is a symbolic link; refusing it")
    if not database.is_file():
        raise CorruptArchive(
            f"{path}: no {DB_FILENAME} in the archive folder; it is not a readable AiiDA archive"
        )
    return database


def _check_header(header: bytes, where: str) -> None:
    if not header.startswith(_SQLITE_HEADER):
        raise CorruptArchive(f"{where}: {DB_FILENAME} is not an SQLite database")


def check_database_file(database: Path, where: str | Path) -> None:
    """Check that ``database`` is an SQLite file holding every table of :data:`REQUIRED_TABLES`.

    Opened read-only (and ``immutable``: nothing is written next to it, no journal is replayed),
    so checking a file in a user's folder never changes it. ``where`` names the archive in the
    one-line ``CorruptArchive`` message.
    """
    try:
        with database.open("rb") as stream:
            header = stream.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise CorruptArchive(f"{where}: cannot read {DB_FILENAME}: {exc.strerror or exc}") from exc
    _check_header(header, str(where))
    uri = f"{database.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        connection = sqlite3.connect(uri, uri=True)
        try:
            names = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise CorruptArchive(f"{where}: {DB_FILENAME} cannot be read as an SQLite database ({exc})") from exc
    missing = [table for table in REQUIRED_TABLES if table not in names]
    if missing:
        raise CorruptArchive(f"{where}: {DB_FILENAME} lacks tables: {', '.join(missing)}")


def probe_database(archive_path: Path | str) -> None:
    """A cheap check that the archive has an SQLite ``db.sqlite3``, without extracting it.

    For a zip only the member's header is inflated (the full check of its tables happens in
    :func:`extract_database`); a folder's database is checked completely, in place. Refuses tar
    files: only the legacy formats come as tar, and they have no database to read.
    """
    path = Path(archive_path)
    container = archive_container(path)
    if container == "folder":
        check_database_file(_folder_database(path), path)
        return
    if container != "zip":
        raise CorruptArchive(f"{path}: a tar archive holds a legacy format without {DB_FILENAME}")
    try:
        with zipfile.ZipFile(path) as archive:
            info = _zip_database_info(path, archive)
            with archive.open(info) as stream:
                header = stream.read(len(_SQLITE_HEADER))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise CorruptArchive(f"{path}: cannot read {DB_FILENAME}: {exc}") from exc
    _check_header(header, str(path))


def extract_database(archive_path: Path | str, destination: Path) -> Path:
    """The path of the archive's database, copied out to ``destination`` if it is zipped.

    A zip member is inflated in chunks into ``destination`` (an existing file is overwritten),
    refusing a member that claims more than :data:`MAX_DATABASE_BYTES` or more than the free
    space where ``destination`` lives, then checked as :func:`check_database_file` does; on any
    failure ``destination`` is removed again. A folder archive's database is used in place:
    its path is returned and ``destination`` is left alone. Every failure is one line of
    ``CorruptArchive``.
    """
    path = Path(archive_path)
    container = archive_container(path)
    if container == "folder":
        database = _folder_database(path)
        check_database_file(database, path)
        return database
    if container != "zip":
        raise CorruptArchive(f"{path}: a tar archive holds a legacy format without {DB_FILENAME}")
    try:
        _inflate_database(path, destination)
        check_database_file(destination, path)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
    return destination


def _inflate_database(path: Path, destination: Path) -> None:
    """Stream ``db.sqlite3`` of the zip at ``path`` into ``destination``, bounded in size."""
    try:
        with zipfile.ZipFile(path) as archive:
            info = _zip_database_info(path, archive)
            free = shutil.disk_usage(destination.parent).free
            if info.file_size > free:
                raise CorruptArchive(
                    f"{path}: {DB_FILENAME} needs {info.file_size:,} bytes but {destination.parent} has only "
                    f"{free:,} free; free some space or set TMPDIR to a larger disk"
                )
            written = 0
            with archive.open(info) as source, destination.open("wb") as target:
                _check_header(source.read(len(_SQLITE_HEADER)), str(path))
                target.write(_SQLITE_HEADER)
                written = len(_SQLITE_HEADER)
                while chunk := source.read(_COPY_CHUNK):
                    written += len(chunk)
                    if written > info.file_size:  # zipfile stops at the declared size; never trust it
                        raise CorruptArchive(f"{path}: {DB_FILENAME} inflates beyond its declared size")
                    target.write(chunk)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise CorruptArchive(f"{path}: cannot read {DB_FILENAME}: {exc}") from exc
    except OSError as exc:
        raise CorruptArchive(f"{path}: cannot extract {DB_FILENAME}: {exc.strerror or exc}") from exc
