"""SQLAlchemy engines for the two SQL dialects, configured the way the storage needs them.

SQLite: several processes may write one file, so every connection uses WAL, a busy timeout,
enforced foreign keys, case-sensitive ``LIKE`` (as AiiDA) and the QueryBuilder's JSON functions
(``querybuilder/sqlite_functions.py``), and transactions are begun by us
(SQLAlchemy's pysqlite recipe) so that a write transaction can start with ``BEGIN IMMEDIATE``:
it takes the write lock up front and waits on the busy timeout, instead of failing with
"database is locked" when a read transaction later tries to upgrade. PostgreSQL: psycopg 3 with
a small pre-pinged pool. Both refuse NaN and infinities in JSON, which JSON cannot represent.
Each engine's dialect object (``storage/sql/dialects``) is chosen here, as the engine is made.

Either engine can be made ``read_only``, and then the database itself refuses every write (see
:func:`sqlite_engine` and :func:`postgresql_engine` for how); the refusal reaches the caller as
:class:`~provgraph.exceptions.ReadOnlyStorageError`, not as the driver's error.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from provgraph.exceptions import ReadOnlyStorageError
from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.json_text import json_dumps
from provgraph.storage.sql.sqlite_copy import ATTACHED_KEY, SOURCE_SCHEMA, register_copy_functions

__all__ = [
    "SQLITE_SYNCHRONOUS_MODES",
    "SqliteReadOnlyRefusal",
    "postgresql_engine",
    "read_transaction",
    "schema_transaction",
    "sqlite_engine",
    "write_transaction",
]

LOGGER = logging.getLogger(__name__)

SQLITE_SYNCHRONOUS_MODES = ("NORMAL", "FULL")
"""``NORMAL`` is consistent after any crash in WAL mode; ``FULL`` also survives power loss."""

# Execution option read by the SQLite ``begin`` hook: start the transaction as a writer.
_WRITE_OPTION = "provgraph_write"


def sqlite_engine(
    database: Path, synchronous: str = "NORMAL", busy_timeout_ms: int = 60_000, *, read_only: bool = False
) -> Engine:
    """An engine on an existing SQLite file (a missing file is an error, never silently created).

    ``read_only`` opens the file unwritable and leaves its journal mode alone (an archive, or a
    profile's database opened by the explorer). It is SQLite's ``mode=ro``, not ``PRAGMA
    query_only``: the file is opened with the operating system's read-only access, so no
    statement (not even ``PRAGMA query_only = OFF``) can write it, and closing the last
    connection never checkpoints the write-ahead log into the file, which a read-write
    connection does. A WAL database opened so still sees what other processes commit (each
    transaction reads the log up to its latest commit) and still shares the ``-shm`` index
    with them; if there was no ``-wal``/``-shm`` file yet it creates them empty, as any reader
    does, and leaves them for the next writer (tests/storage/test_read_only_storage.py). A write
    transaction starts with a plain ``BEGIN``, and a write raises ``ReadOnlyStorageError``
    from the driver's cursor (:func:`_read_only_connection_class`).
    """
    if synchronous not in SQLITE_SYNCHRONOUS_MODES:
        raise ValueError(f"synchronous must be one of {SQLITE_SYNCHRONOUS_MODES}, got {synchronous!r}")
    url = URL.create(
        "sqlite+pysqlite",
        database=f"file:{quote(str(database.resolve()))}",
        query={"mode": "ro" if read_only else "rw", "uri": "true"},
    )
    engine = create_engine(
        url,
        poolclass=QueuePool,
        pool_size=5,
        max_overflow=10,
        connect_args={
            "timeout": busy_timeout_ms / 1000,
            "check_same_thread": False,
            **({"factory": _read_only_connection_class(database)} if read_only else {}),
        },
        json_serializer=json_dumps,
        json_deserializer=json.loads,
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see _begin)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if not read_only and cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA case_sensitive_like = ON")
        finally:
            cursor.close()
        # imported here: the query compiler's package sits above this module
        from provgraph.storage.sql.querybuilder.sqlite_functions import register_functions

        register_functions(dbapi_connection)  # PostgreSQL's JSON semantics for the QueryBuilder
        register_copy_functions(dbapi_connection)

    @event.listens_for(engine, "checkin")
    def _detach(dbapi_connection: sqlite3.Connection | None, record: ConnectionPoolEntry) -> None:
        # A file attached for a copy stays until its transaction has ended (SQLite refuses to detach
        # what a transaction read); the connection goes back to the pool without it.
        if record.info.pop(ATTACHED_KEY, None) is None or dbapi_connection is None:
            return
        try:
            dbapi_connection.execute(f"DETACH DATABASE {SOURCE_SCHEMA}")
        except sqlite3.Error as exc:
            LOGGER.warning("could not detach a copied-from database (%s); dropping the connection", exc)
            record.invalidate(exc)

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = not read_only and connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    dialect_for(engine)  # the engine's dialect object, chosen now: see storage/sql/dialects
    return engine


def postgresql_engine(
    url: URL, connect_timeout: int = 5, pool_size: int = 5, *, read_only: bool = False
) -> Engine:
    """An engine on a PostgreSQL database through psycopg 3; ``connect_timeout`` makes failures quick.

    ``read_only``: every session starts with ``default_transaction_read_only`` on (a libpq
    startup option, so it holds from the first statement of each connection, pre-ping included),
    and the server refuses any write in its transactions; a write raises ``ReadOnlyStorageError``.
    """
    connect_args: dict[str, Any] = {"connect_timeout": connect_timeout}
    if read_only:
        connect_args["options"] = "-c default_transaction_read_only=on"
    engine = create_engine(
        url.set(drivername="postgresql+psycopg"),
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        connect_args=connect_args,
        json_serializer=json_dumps,
        json_deserializer=json.loads,
    )
    if read_only:
        where = url.set(drivername="postgresql").render_as_string(hide_password=True)
        _refuse_writes_as_read_only(engine, f"PostgreSQL database {where}")
    dialect_for(engine)  # the engine's dialect object, chosen now: see storage/sql/dialects
    return engine


# SQLite's SQLITE_READONLY (its extended codes, e.g. _RECOVERY, are reads that failed, not writes);
# PostgreSQL's SQLSTATE read_only_sql_transaction.
_SQLITE_READONLY = 8
_POSTGRES_READ_ONLY_TRANSACTION = "25006"


def _refusal_message(where: str, error: BaseException) -> str:
    return (
        f"cannot write to the {where}: the storage is open read-only and the database refused the "
        f"change ({error}); open it for writing to change it"
    )


class SqliteReadOnlyRefusal(ReadOnlyStorageError, sqlite3.OperationalError):
    """SQLite refused a write to a file opened ``mode=ro``.

    A ``ReadOnlyStorageError`` for provgraph's callers, and still the driver's
    ``OperationalError`` for SQLAlchemy, which wraps and handles it as any driver error (the
    storage's ``translate_errors`` unwraps provgraph's errors again).
    """


def _read_only_connection_class(database: Path) -> type[sqlite3.Connection]:
    """The driver connection of a SQLite file opened ``mode=ro``, whose refused writes raise
    :class:`SqliteReadOnlyRefusal`.

    At the cursor, not in SQLAlchemy's ``handle_error``: the bulk writer runs the driver's
    ``executemany`` itself (``storage/sql/store.py``), and its errors never pass SQLAlchemy's hooks.
    """
    where = f"SQLite database {database}"

    def refused(error: sqlite3.OperationalError) -> bool:
        return getattr(error, "sqlite_errorcode", None) == _SQLITE_READONLY

    class ReadOnlyCursor(sqlite3.Cursor):
        def execute(self, sql: str, parameters: Any = (), /) -> ReadOnlyCursor:
            try:
                return super().execute(sql, parameters)
            except sqlite3.OperationalError as error:
                if refused(error):
                    raise SqliteReadOnlyRefusal(_refusal_message(where, error)) from error
                raise

        def executemany(self, sql: str, parameters: Any, /) -> ReadOnlyCursor:
            try:
                return super().executemany(sql, parameters)
            except sqlite3.OperationalError as error:
                if refused(error):
                    raise SqliteReadOnlyRefusal(_refusal_message(where, error)) from error
                raise

    class ReadOnlyConnection(sqlite3.Connection):
        def cursor(self, factory: Any = None) -> Any:
            return super().cursor(factory or ReadOnlyCursor)

    return ReadOnlyConnection


def _refuse_writes_as_read_only(engine: Engine, where: str) -> None:
    """Raise PostgreSQL's refusal of a write in a read-only transaction as ``ReadOnlyStorageError``.

    Through SQLAlchemy's ``handle_error``: every statement psycopg runs for us passes through it
    (the bulk writer's own ``executemany`` is SQLite's only; PostgreSQL reserves ids first).
    """

    @event.listens_for(engine, "handle_error")
    def _translate(context: ExceptionContext) -> None:
        error = context.original_exception
        if getattr(error, "sqlstate", None) == _POSTGRES_READ_ONLY_TRANSACTION:
            raise ReadOnlyStorageError(_refusal_message(where, error)) from context.sqlalchemy_exception


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A new connection inside a transaction that will write (``BEGIN IMMEDIATE`` on SQLite).

    Commits when the block ends, rolls back if it raises; the connection is closed either way.
    """
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction for a migration, prepared by the dialect (``SqlDialect.schema_change``).

    Like :func:`write_transaction`; on SQLite foreign keys are off while it runs (set before
    ``BEGIN``, restored after the end), and the block must check them itself before it ends.
    """
    with engine.connect() as connection, dialect_for(connection).schema_change(connection):
        connection.execution_options(**{_WRITE_OPTION: True})
        with connection.begin():
            yield connection


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A new connection inside a plain (deferred) transaction, for a storage that is only read.

    A read-only database must not take SQLite's write lock (``BEGIN IMMEDIATE``) just because
    a caller groups its reads: other readers of the same file would queue behind it.
    """
    with engine.connect() as connection, connection.begin():
        yield connection
