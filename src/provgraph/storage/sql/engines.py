"""SQLAlchemy engines for the two SQL dialects, configured the way the storage needs them.

SQLite: several processes may write one file, so every connection uses WAL, a busy timeout,
enforced foreign keys, case-sensitive ``LIKE`` (as AiiDA) and the QueryBuilder's JSON functions
(``querybuilder/sqlite_functions.py``), and transactions are begun by us
(SQLAlchemy's pysqlite recipe) so that a write transaction can start with ``BEGIN IMMEDIATE``:
it takes the write lock up front and waits on the busy timeout, instead of failing with
"database is locked" when a read transaction later tries to upgrade. PostgreSQL: psycopg 3 with
a small pre-pinged pool. Both refuse NaN and infinities in JSON, which JSON cannot represent.
Each engine's dialect object (``storage/sql/dialects``) is chosen here, as the engine is made.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.json_text import json_dumps
from provgraph.storage.sql.sqlite_copy import ATTACHED_KEY, SOURCE_SCHEMA, register_copy_functions

__all__ = [
    "SQLITE_SYNCHRONOUS_MODES",
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

    ``read_only`` opens the file unwritable and leaves its journal mode alone (e.g. an archive).
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
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
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
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    dialect_for(engine)  # the engine's dialect object, chosen now: see storage/sql/dialects
    return engine


def postgresql_engine(url: URL, connect_timeout: int = 5, pool_size: int = 5) -> Engine:
    """An engine on a PostgreSQL database through psycopg 3; ``connect_timeout`` makes failures quick."""
    engine = create_engine(
        url.set(drivername="postgresql+psycopg"),
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=2 * pool_size,
        connect_args={"connect_timeout": connect_timeout},
        json_serializer=json_dumps,
        json_deserializer=json.loads,
    )
    dialect_for(engine)  # the engine's dialect object, chosen now: see storage/sql/dialects
    return engine


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
