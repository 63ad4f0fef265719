"""Backing up and restoring the PostgreSQL database of a ``core.psql_dos`` storage.

``pg_dump`` reads the database in one transaction, so its dump is one consistent snapshot while
other clients write. We export that snapshot from a transaction of our own and hand it to
``pg_dump --snapshot``, so that the rows we count and the repository keys we collect for the
manifest are those of the very same snapshot as the dump. The dump is plain SQL (``db.psql``,
aiida-core's name and format) without owners or privileges, so that any role may restore it.

A restore loads the dump with ``psql --single-transaction`` into a new staging database and,
once it is complete and checked, renames that database to the name asked for (PostgreSQL's
``ALTER DATABASE ... RENAME``): a database of that name only ever appears complete. Passwords
reach ``pg_dump`` and ``psql`` through their environment, never their command line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, ClassVar

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy import Connection, Engine, text

from provgraph.common.backup_manifest import FileEntry, ProgressCallback
from provgraph.exceptions import StorageBackupError, StorageError, StorageRestoreError
from provgraph.storage.psql_dos.location import CONNECT_TIMEOUT, PsqlDosLocation
from provgraph.storage.sql.backup.database import DatabaseBackup, DatabaseSnapshot
from provgraph.storage.sql.backup.files import FileWriter

__all__ = ["PostgresDatabaseBackup"]

_CHUNK = 1024 * 1024
# PostgreSQL truncates identifiers to 63 bytes; the staging name must stay unique within them.
_MAX_NAME = 63


def _tool(name: str, error: type[StorageError]) -> str:
    found = shutil.which(name)
    if found is None:
        raise error(
            f"{name} is not on the PATH; install PostgreSQL's client programs (the server's version or newer)"
        )
    return found


def _last_line(errors: IO[bytes]) -> str:
    errors.seek(0)
    lines = [line.strip() for line in errors.read().decode(errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


class PostgresDatabaseBackup(DatabaseBackup):
    """``db.psql`` written by ``pg_dump`` in one snapshot; restored with ``psql`` into a new database."""

    filename: ClassVar[str] = "db.psql"

    def __init__(self, location: PsqlDosLocation) -> None:
        self._location = location

    @property
    def location(self) -> PsqlDosLocation:
        return self._location

    def _conninfo(self, database: str) -> str:
        location = self._location
        return make_conninfo(
            host=location.hostname,
            port=location.port,
            user=location.username or None,
            dbname=database,
            connect_timeout=CONNECT_TIMEOUT,
        )

    def _environment(self) -> dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
        if self._location.password:
            environment["PGPASSWORD"] = self._location.password
        return environment

    # -- backing up ------------------------------------------------------------------------------

    def dump(self, engine: Engine, writer: FileWriter, progress: ProgressCallback | None) -> DatabaseSnapshot:
        pg_dump = _tool("pg_dump", StorageBackupError)
        with engine.connect() as pooled:
            connection = pooled.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot_id = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                snapshot = self.snapshot(connection)
                self._run_pg_dump(pg_dump, str(snapshot_id), writer, progress)
        return snapshot

    def referenced_keys(self, connection: Connection) -> frozenset[str]:
        # ``strict``: in lax mode ``.**`` may also visit array elements twice (PostgreSQL's docs)
        rows = connection.execute(
            text(
                "SELECT DISTINCT jsonb_path_query(repository_metadata, "
                "'strict $.**.k ? (@.type() == \"string\")') #>> '{}' FROM db_dbnode"
            )
        )
        return frozenset(key for (key,) in rows)

    def _run_pg_dump(
        self, pg_dump: str, snapshot_id: str, writer: FileWriter, progress: ProgressCallback | None
    ) -> None:
        command = [
            pg_dump,
            "--format=plain",
            "--no-owner",
            "--no-privileges",
            "--no-password",
            f"--snapshot={snapshot_id}",
            f"--dbname={self._conninfo(self._location.database)}",
        ]
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=errors, env=self._environment()
            )
            try:
                assert process.stdout is not None
                writer.write_chunks(_chunks(process.stdout, progress), self.filename)
            except BaseException:
                process.kill()
                process.wait()
                raise
            finally:
                if process.stdout is not None:
                    process.stdout.close()
            code = process.wait()
            if code != 0:
                where = self._location.display_url()
                raise StorageBackupError(
                    f"pg_dump of {where} failed (exit code {code}): {_last_line(errors)}"
                )

    # -- restoring -------------------------------------------------------------------------------

    def check_free(self) -> None:
        location = self._location
        if location.database_exists():
            raise StorageRestoreError(
                f"the database {location.describe()} exists already; a restore never overwrites: "
                "choose another database name"
            )
        if location.container_path.exists():
            raise StorageRestoreError(
                f"{location.container_path} exists already; a restore never overwrites: "
                "choose another repository folder"
            )

    def _staging_database(self, token: str) -> str:
        suffix = f"_restoring_{token}"
        return self._location.database.encode()[: _MAX_NAME - len(suffix)].decode(errors="ignore") + suffix

    def _staging_at(self, folder: Path, database: str) -> PostgresDatabaseBackup:
        return PostgresDatabaseBackup(
            dataclasses.replace(self._location, database=database, repository=folder)
        )

    @property
    def _staging_name(self) -> str:
        return self._location.database

    @property
    def container_root(self) -> Path:
        return self._location.repository

    def load(
        self, dump: Path, entry: FileEntry, writer: FileWriter, progress: ProgressCallback | None
    ) -> None:
        psql = _tool("psql", StorageRestoreError)
        self._location.create_database()
        command = [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--no-password",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            "--file=-",
            f"--dbname={self._conninfo(self._location.database)}",
        ]
        with tempfile.TemporaryFile() as errors:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                env=self._environment(),
            )
            assert process.stdin is not None
            try:
                size, digest = _feed(dump, process.stdin, entry.size, progress)
            except BaseException:
                process.kill()
                process.wait()
                raise
            code = process.wait()
            if (size, digest) != (entry.size, entry.sha256):
                raise ValueError(
                    f"{dump} has {size:,} bytes with sha256 {digest[:12]}..., the manifest says "
                    f"{entry.size:,} bytes with sha256 {entry.sha256[:12]}..."
                )
            if code != 0:
                raise StorageRestoreError(
                    f"psql could not load {dump} (exit code {code}): {_last_line(errors)}"
                )

    def _move_to(self, final: DatabaseBackup) -> None:
        assert isinstance(final, PostgresDatabaseBackup)
        self._rename_database(self._location.database, final.location.database)
        try:
            final.location.repository.mkdir(parents=True, exist_ok=True)
            os.rename(self._location.container_path, final.location.container_path)
        except BaseException:
            self._rename_database(final.location.database, self._location.database)
            raise
        self._location.repository.rmdir()

    def _rename_database(self, old: str, new: str) -> None:
        statement = sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new))
        conninfo = self._conninfo("postgres")
        try:
            with psycopg.connect(
                conninfo, autocommit=True, password=self._location.password or None
            ) as connection:
                connection.execute(statement)
        except psycopg.Error as exc:
            message = self._location.mask(" ".join(str(exc).split()))
            raise StorageRestoreError(
                f"renaming the restored database {old!r} to {new!r} failed: {message}"
            ) from exc


def _chunks(stream: IO[bytes], progress: ProgressCallback | None) -> Iterator[bytes]:
    done = 0
    while chunk := stream.read(_CHUNK):
        done += len(chunk)
        if progress is not None:
            progress("database dump (bytes)", done, None)
        yield chunk


def _feed(dump: Path, stdin: IO[bytes], expected: int, progress: ProgressCallback | None) -> tuple[int, str]:
    """Send the dump to psql, hashing all of it even if psql stops reading (its error says why)."""
    digest = hashlib.sha256()
    size = 0
    feeding = True
    with dump.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if feeding:
                try:
                    stdin.write(chunk)
                except BrokenPipeError:
                    feeding = False
            if progress is not None:
                progress("database (bytes)", size, max(expected, size))
    with contextlib.suppress(BrokenPipeError):
        stdin.close()
    return size, digest.hexdigest()
