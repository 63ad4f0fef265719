"""Migrating an AiiDA archive of any supported older format to the current one (``verdi archive migrate``).

>>> from provgraph.tools.archive.migrate import migrate_archive
>>> migrate_archive("old.aiida", "new.aiida")  # doctest: +SKIP

Versions ``0.4`` ... ``0.13`` (zip or tar, ``data.json`` + per-node files) go through the JSON
steps, are converted to an SQLite archive database plus content-addressed files (``main_0000``),
then through the SQLite steps up to ``main_0001``; see :mod:`provgraph.tools.archive.migrations`.

The source is only read. The result is built in a temporary file beside the destination and
renamed into place when complete, so the destination is either untouched or the whole new
archive. Migrating in place (destination = source) needs ``force`` and replaces the file the same
way. An archive already at the target version is copied unchanged (nothing to do in place).

Errors are provgraph exceptions with one-line messages: ``CorruptArchive`` (not an archive,
damaged, hostile), ``IncompatibleArchiveVersionError`` (0.1-0.3, unknown, backwards or legacy
target) and ``ArchiveMigrationError`` (content aiida-core refuses too, such as a link to a node the
archive lacks; or the destination cannot be written).
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from provgraph.common.archive_format import (
    ALL_VERSIONS,
    DB_FILENAME,
    HEAD_VERSION,
    KEY_FORMAT,
    LEGACY_VERSIONS,
    MAIN_VERSIONS,
    REPO_FOLDER,
    REQUIRED_TABLES,
    archive_container,
    check_member_name,
    read_metadata,
    read_version,
)
from provgraph.common.scratch import scratch_folder
from provgraph.exceptions import (
    ArchiveError,
    ArchiveMigrationError,
    CorruptArchive,
    IncompatibleArchiveVersionError,
)
from provgraph.tools.archive.migrations import legacy_reader
from provgraph.tools.archive.migrations.legacy_reader import READ_ERRORS, LegacyReader
from provgraph.tools.archive.migrations.legacy_steps import legacy_pathway, run_step
from provgraph.tools.archive.migrations.legacy_to_main import LEGACY_TO_MAIN_VERSION, convert_legacy
from provgraph.tools.archive.migrations.main_steps import main_pathway
from provgraph.tools.archive.migrations.metadata import record_conversion
from provgraph.tools.archive.migrations.output_file import check_destination, staged_output
from provgraph.tools.archive.migrations.zip_output import CHUNK_BYTES, ArchiveZipWriter

__all__ = ["ProgressCallback", "migrate", "migrate_archive"]

LOGGER = logging.getLogger(__name__)

#: ``progress(stage, done, total)``: ``stage`` names the current step in words; ``total`` is None
#: while unknown (files of a tar archive). Called often; keep it cheap.
ProgressCallback = Callable[[str, int, int | None], None]

_REPO_KEY = re.compile(r"[0-9a-f]{64}")
_DEFAULT_COMPRESSION = 6


def _silent(stage: str, done: int, total: int | None) -> None:
    """The progress callback when the caller gives none."""


def _check_target(version: str) -> str:
    """The target version, if migrating to it is supported."""
    if version in MAIN_VERSIONS:
        return version
    if version in LEGACY_VERSIONS:
        raise IncompatibleArchiveVersionError(
            f"migrating to the legacy archive version {version} is not supported; "
            f"choose one of {', '.join(MAIN_VERSIONS)}"
        )
    raise IncompatibleArchiveVersionError(
        f"unknown target archive version {version!r}; choose one of {', '.join(MAIN_VERSIONS)}"
    )


def _same_file(source: Path, destination: Path) -> bool:
    try:
        return destination.exists() and source.exists() and source.samefile(destination)
    except OSError:
        return False


def migrate_archive(
    source: Path | str,
    destination: Path | str,
    *,
    version: str = HEAD_VERSION,
    force: bool = False,
    progress: ProgressCallback | None = None,
    compression: int = _DEFAULT_COMPRESSION,
) -> None:
    """Write ``source`` migrated to archive ``version`` (default: the current one) at ``destination``.

    ``force`` allows overwriting an existing destination, including the source itself (in place).
    ``progress`` is told what is happening (see :data:`ProgressCallback`); warnings (such as
    unknown group members dropped) go to this module's logger.
    """
    source, destination = Path(source), Path(destination)
    report = progress or _silent
    target = _check_target(version)
    if not (isinstance(compression, int) and 0 <= compression <= 9):
        raise ArchiveMigrationError(f"compression must be a zlib level from 0 to 9, not {compression!r}")
    in_place = _same_file(source, destination)
    if in_place and not force:
        raise ArchiveMigrationError(f"{destination} is the source archive; use force to migrate it in place")
    check_destination(destination, force)
    current = read_version(source)
    container = archive_container(source)
    if container == "folder":
        raise ArchiveMigrationError(
            f"{source}: migrating an unpacked archive folder is not supported; zip it first"
        )
    if ALL_VERSIONS.index(current) > ALL_VERSIONS.index(target):
        raise IncompatibleArchiveVersionError(
            f"{source}: archive version {current} is newer than {target}; "
            "archives cannot be migrated backwards"
        )
    if current == target:
        LOGGER.info("%s is already at archive version %s: copied unchanged", source, target)
        report(f"Archive is already at version {target}", 1, 1)
        if not in_place:
            with staged_output(destination, force) as staged:
                shutil.copyfile(source, staged)
        return
    try:
        _migrate(
            source,
            container,
            destination=destination,
            current=current,
            target=target,
            force=force,
            report=report,
            compression=compression,
        )
    except ArchiveError as exc:
        raise _one_line(exc, source) from exc
    except sqlite3.Error as exc:
        raise ArchiveMigrationError(f"{source}: archive database error: {exc}") from exc


def migrate(
    inpath: Path | str, outpath: Path | str, version: str, *, force: bool = False, compression: int = 6
) -> None:
    """aiida-core's name and signature (``sqlite_zip.migrator.migrate``) for :func:`migrate_archive`."""
    migrate_archive(inpath, outpath, version=version, force=force, compression=compression)


def _one_line(exc: ArchiveError, source: Path) -> ArchiveError:
    """The same error, naming the source archive once and on one line."""
    message = " ".join(str(exc).split())
    if not message.startswith(str(source)):
        message = f"{source}: {message}"
    return type(exc)(message)


def _migrate(
    source: Path,
    container: str,
    *,
    destination: Path,
    current: str,
    target: str,
    force: bool,
    report: ProgressCallback,
    compression: int,
) -> None:
    if current in MAIN_VERSIONS and container != "zip":
        raise CorruptArchive(f"archive version {current} must be a zip file, found a {container} file")
    metadata = read_metadata(source)
    metadata["mtime"] = datetime.now().isoformat()
    metadata["compression"] = compression
    metadata.setdefault("key_format", KEY_FORMAT)  # archives of aiida-core 2.0 pre-releases lack it
    work = scratch_folder("provgraph-migrate-")
    try:
        with staged_output(destination, force) as staged, _zip_writer(staged, work, compression) as writer:
            if current in LEGACY_VERSIONS:
                database = _legacy_to_main(
                    source, container, metadata=metadata, writer=writer, work=work, report=report
                )
                current = LEGACY_TO_MAIN_VERSION
                database = _main_steps(database, current, target, metadata=metadata, work=work, report=report)
            else:
                database = _extract_database(source, work)
                database = _main_steps(database, current, target, metadata=metadata, work=work, report=report)
                _copy_repository(source, writer, report)
            report("Writing the archive", 0, 1)
            writer.finish(database, metadata)
            report("Writing the archive", 1, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextmanager
def _zip_writer(path: Path, work: Path, compression: int) -> Iterator[ArchiveZipWriter]:
    """The output zip; closed (unfinished) if the migration fails, so the file can be discarded."""
    writer = ArchiveZipWriter(path, work / "spool", compression)
    try:
        yield writer
    except BaseException:
        with suppress(OSError, ValueError):  # the file is discarded; keep the original error
            writer.close()
        raise


def _legacy_to_main(
    source: Path,
    container: str,
    *,
    metadata: dict[str, Any],
    writer: ArchiveZipWriter,
    work: Path,
    report: ProgressCallback,
) -> Path:
    """The legacy JSON steps, then the conversion; returns the ``main_0000`` database."""
    reader = LegacyReader(source, container)
    report("Reading data.json", 0, 1)
    data = reader.read_data()
    report("Reading data.json", 1, 1)
    steps = legacy_pathway(metadata["export_version"])
    for done, (from_version, to_version, step) in enumerate(steps):
        stage = f"Migrating data.json {from_version} -> {to_version}"
        report(stage, done, len(steps))
        try:
            run_step(metadata, data, from_version, to_version, step)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise CorruptArchive(
                f"data.json does not have the layout of version {from_version} ({type(exc).__name__}: {exc})"
            ) from exc
    database = work / DB_FILENAME
    stage = f"Converting {metadata['export_version']} to {LEGACY_TO_MAIN_VERSION} (copying repository files)"
    try:
        convert_legacy(
            reader,
            metadata=metadata,
            data=data,
            writer=writer,
            database=database,
            on_file=lambda done, total: report(stage, done, total),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise CorruptArchive(f"data.json is malformed ({type(exc).__name__}: {exc})") from exc
    return database


def _main_steps(
    database: Path,
    current: str,
    target: str,
    *,
    metadata: dict[str, Any],
    work: Path,
    report: ProgressCallback,
) -> Path:
    """The SQLite steps from ``current`` to ``target``; returns the database to write."""
    steps = main_pathway(current, target)
    for done, (from_version, to_version, step) in enumerate(steps):
        report(f"Migrating database {from_version} -> {to_version}", done, len(steps))
        database = step(database, work)
    if steps:
        record_conversion(metadata, target)
    return database


def _extract_database(source: Path, work: Path) -> Path:
    """``db.sqlite3`` of a main-version zip, streamed into the working folder and checked."""
    database = work / DB_FILENAME
    try:
        with zipfile.ZipFile(source) as archive:
            try:
                info = archive.getinfo(DB_FILENAME)
            except KeyError:
                raise CorruptArchive(f"required file `{DB_FILENAME}` is not included") from None
            if info.file_size > legacy_reader.MAX_MEMBER_BYTES:
                raise CorruptArchive(f"{DB_FILENAME} claims {info.file_size:,} bytes; refusing it")
            with archive.open(info) as stream, database.open("wb") as target:
                shutil.copyfileobj(stream, target, CHUNK_BYTES)
    except READ_ERRORS as exc:
        raise CorruptArchive(f"cannot read {DB_FILENAME}: {exc}") from exc
    _check_database(database)
    return database


def _check_database(database: Path) -> None:
    """Refuse a ``db.sqlite3`` that is not an SQLite file with AiiDA's tables."""
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        try:
            tables = {
                row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise CorruptArchive(f"{DB_FILENAME} is not an SQLite database ({exc})") from exc
    missing = sorted(set(REQUIRED_TABLES) - tables)
    if missing:
        raise CorruptArchive(f"{DB_FILENAME} lacks the tables {', '.join(missing)}")


def _copy_repository(source: Path, writer: ArchiveZipWriter, report: ProgressCallback) -> None:
    """Stream every ``repo/<sha256>`` member of a main-version zip into the new archive, checking keys."""
    stage = "Copying repository files"
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
            for done, info in enumerate(members, start=1):
                report(stage, done, len(members))
                parts = check_member_name(info.filename).parts
                if not parts or parts[0] != REPO_FOLDER or info.is_dir():
                    continue
                if legacy_reader.is_zip_symlink(info):
                    raise CorruptArchive(f"member {info.filename!r} is a symbolic link; refusing it")
                if len(parts) != 2 or not _REPO_KEY.fullmatch(parts[1]):
                    raise CorruptArchive(f"member {info.filename!r} is not named repo/<sha256>")
                if info.file_size > legacy_reader.MAX_MEMBER_BYTES:
                    raise CorruptArchive(
                        f"member {info.filename!r} claims {info.file_size:,} bytes; refusing it"
                    )
                with archive.open(info) as stream:
                    writer.add_named(parts[1], stream, info.file_size, f"member {info.filename}", READ_ERRORS)
    except READ_ERRORS as exc:
        raise CorruptArchive(f"cannot read the repository files: {exc}") from exc
