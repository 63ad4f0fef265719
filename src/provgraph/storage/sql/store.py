"""The SQL half of a storage: transactions, bulk row operations and settings over one engine.

Both SQL backends compose one :class:`SqlStore`. Transactions are per thread: the outermost
``transaction()`` holds a connection (``BEGIN``, or ``BEGIN IMMEDIATE`` on SQLite) that every
nested level and every operation of the same thread reuses; inner levels are savepoints, so an
error rolls back only its own level unless it escapes further.

The write operations are the hot path of storing nodes, so they avoid round trips that buy
nothing (see :meth:`SqlStore._atomic` for savepoints, :meth:`SqlStore._insert` for ids).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    Engine,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError, StatementError
from sqlalchemy.sql.dml import ReturningInsert

from provgraph.common.maintenance import MaintenanceStep
from provgraph.exceptions import InputValidationError, InvalidOperation, ProvgraphError, StorageError
from provgraph.storage.abstract import EntityTypes
from provgraph.storage.sql import sqlite_copy, summary
from provgraph.storage.sql.dialects import SqlDialect, dialect_for
from provgraph.storage.sql.engines import read_transaction, write_transaction
from provgraph.storage.sql.tables import (
    ENTITY_TABLES,
    TABLES_CLEAR_ORDER,
    group_nodes,
    links,
    nodes,
    settings,
)

__all__ = ["SqlStore", "translate_errors"]

LOGGER = logging.getLogger(__name__)

# Keeps each IN (...) list well below the bound-parameter limits of both dialects.
_CHUNK = 5000

# The columns a row to insert must give (all but the key), per table.
_INSERT_COLUMNS = {table: frozenset(table.c.keys()) - {"id"} for table in ENTITY_TABLES.values()}


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Re-raise driver errors met while doing ``action`` as provgraph errors."""
    try:
        yield
    except IntegrityError as exc:
        raise InputValidationError(f"{action} violates a database constraint: {exc.orig}") from exc
    except StatementError as exc:
        if isinstance(exc.orig, ProvgraphError):
            raise exc.orig from exc
        if isinstance(exc.orig, (ValueError, TypeError)):
            raise InputValidationError(f"{action}: a value cannot be stored: {exc.orig}") from exc
        raise StorageError(f"{action} failed: {exc.orig}") from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"{action} failed: {exc}") from exc


class _ThreadState(threading.local):
    connection: Connection | None = None


class _StatisticsDebt:
    """Node rows added since the planner's statistics were last refreshed by this process."""

    MIN_ROWS = 10_000
    SHARE = 0.1

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = 0
        self._rows_then: int | None = None  # node rows at the last refresh (None: not known yet)

    def add(self, table: Table, count: int) -> None:
        if table is nodes:
            with self._lock:
                self._pending += count

    def due(self, estimate_rows: Callable[[], int]) -> bool:
        with self._lock:
            pending = self._pending
        if pending < self.MIN_ROWS:
            return False
        if self._rows_then is None:
            self._rows_then = max(0, estimate_rows() - pending)
        return pending >= self.SHARE * self._rows_then

    def refreshed(self, rows: int) -> None:
        with self._lock:
            self._pending = 0
            self._rows_then = rows


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _column_default(table: Table, name: str) -> Any:
    """The value AiiDA's model would fill in for a column the caller left out."""
    column = table.c[name]
    default = column.default
    if default is None:
        if not column.nullable:
            raise InputValidationError(f"a row for {table.name} needs {name!r}: the column has no default")
        return None
    if default.is_callable:
        return default.arg(None)  # type: ignore[attr-defined]
    return default.arg  # type: ignore[attr-defined]


@cache
def _insert_returning_id(table: Table) -> ReturningInsert[int]:
    return insert(table).returning(table.c.id, sort_by_parameter_order=True)


@cache
def _plain_insert(table: Table, dialect: Dialect) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """``INSERT INTO table (all columns) VALUES (?, ...)`` in the driver's own parameter style,
    with each column's bind processor (the conversion SQLAlchemy would apply to its values)."""
    quote = dialect.identifier_preparer.quote
    names = tuple(column.name for column in table.columns)
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
        f"VALUES ({', '.join(placeholder for _ in names)})"
    )
    processors = tuple((column.name, column.type._cached_bind_processor(dialect)) for column in table.columns)
    return sql, processors


def _executemany(
    conn: Connection, table: Table, values_of: Mapping[str, Sequence[Any]], ids: Sequence[int]
) -> None:
    """Insert complete rows, given column by column (``id`` from ``ids``), with one driver ``executemany``.

    The same statement and value conversions as SQLAlchemy's ``execute(insert(table), rows)``,
    but the values are converted column by column instead of row by row through SQLAlchemy's
    per-row parameter machinery, which cost more than the database's own work for large batches.
    Errors come out as SQLAlchemy would raise them, so ``translate_errors`` reads them alike.
    """
    dialect = conn.dialect
    sql, processors = _plain_insert(table, dialect)
    columns: list[Sequence[Any]] = []
    for name, process in processors:
        values: Sequence[Any] = ids if name == "id" else values_of[name]
        if process is not None:
            try:
                values = list(map(process, values))
            except (ValueError, TypeError) as exc:
                raise InputValidationError(
                    f"a value for {table.name}.{name} cannot be stored: {exc}"
                ) from exc
        columns.append(values)
    parameters = list(zip(*columns, strict=True))
    driver = conn.connection.dbapi_connection
    if driver is None:  # pragma: no cover (only an invalidated connection has none)
        raise StorageError("the database connection was lost; open the storage again")
    cursor = driver.cursor()
    # Listeners of SQLAlchemy's cursor events (logging, statement counters) still see the statement.
    for listener in conn.dispatch.before_cursor_execute:
        listener(conn, cursor, sql, parameters, None, True)
    try:
        cursor.executemany(sql, parameters)
    except dialect.loaded_dbapi.IntegrityError as exc:
        raise IntegrityError(sql, None, exc) from exc
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError(sql, None, exc) from exc
    finally:
        cursor.close()


class SqlStore:
    """Transactions and row operations on the AiiDA tables behind ``engine``."""

    def __init__(self, engine: Engine, *, read_only: bool = False) -> None:
        """``read_only``: the database is only read (an archive), so :meth:`transaction` only reads."""
        self._engine = engine
        self._read_only = read_only
        self._dialect = dialect_for(engine)
        self._state = _ThreadState()
        self._closed = False
        self._statistics = _StatisticsDebt()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> SqlDialect:
        """The engine's dialect object: every difference between the databases goes through it."""
        return self._dialect

    @property
    def is_closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Close every pooled connection; the store cannot be used afterwards."""
        self._closed = True
        self._engine.dispose()

    def _require_open(self) -> None:
        if self._closed:
            raise StorageError(f"the storage at {self._engine.url!r} is closed; open it again to use it")

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All or nothing; nestable (inner levels are savepoints). Yields the connection."""
        self._require_open()
        state = self._state
        if state.connection is not None:
            with state.connection.begin_nested():
                yield state.connection
            return
        begin = read_transaction if self._read_only else write_transaction
        with translate_errors("the transaction"), begin(self._engine) as connection:
            state.connection = connection
            try:
                yield connection
            finally:
                state.connection = None
        self._refresh_statistics_if_due()

    @property
    def in_transaction(self) -> bool:
        return self._state.connection is not None

    @contextmanager
    def _atomic(self, executions: int, savepoint: bool = True) -> Iterator[Connection]:
        """A scope in which a write of ``executions`` statement executions is all or nothing.

        Outside a transaction it is a transaction of its own; inside one a savepoint, as
        :meth:`transaction`, but not for a single statement where a failed statement leaves the
        transaction usable (SQLite undoes it by itself): the savepoint's two extra statements
        would buy nothing. Where a failed statement aborts the whole transaction (PostgreSQL),
        the savepoint is what lets a caller catch the error and carry on (see
        ``SqlDialect.failed_statement_keeps_transaction``). Each row of an ``executemany``
        counts: SQLite runs them as separate statements. Without
        ``savepoint`` an open transaction is used as it is: for callers that let any error end
        (and roll back) the whole transaction anyway.
        """
        connection = self._state.connection
        if connection is not None and (
            not savepoint or (executions <= 1 and self._dialect.failed_statement_keeps_transaction)
        ):
            self._require_open()
            yield connection
            return
        with self.transaction() as connection:
            yield connection

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """The current transaction's connection, or else a fresh one for reading.

        A fresh connection's implicit transaction is rolled back when the block ends; write
        through :meth:`transaction` instead.
        """
        self._require_open()
        if self._state.connection is not None:
            yield self._state.connection
            return
        with self._engine.connect() as connection:
            yield connection

    # -- rows -----------------------------------------------------------------------------------

    def bulk_insert(
        self,
        entity_type: EntityTypes,
        rows: Sequence[Mapping[str, Any]],
        allow_defaults: bool = False,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        """Insert rows, all or nothing, and return their ids in the order of ``rows``."""
        table = ENTITY_TABLES[EntityTypes(entity_type)]
        if not rows:
            return []
        columns = _INSERT_COLUMNS[table]
        prepared = [self._complete(table, columns, row, allow_defaults) for row in rows]
        with (
            translate_errors(f"inserting {len(rows)} rows into {table.name}"),
            self._atomic(len(prepared), savepoint) as conn,
        ):
            ids = self._insert(conn, table, prepared)
        self._inserted(table, len(ids))
        return ids

    def bulk_insert_columns(
        self, entity_type: EntityTypes, columns: Mapping[str, Sequence[Any]], *, savepoint: bool = True
    ) -> list[int]:
        """Insert rows given column by column, all or nothing; return their ids in order."""
        table = ENTITY_TABLES[EntityTypes(entity_type)]
        expected = _INSERT_COLUMNS[table]
        if columns.keys() != expected:
            raise InputValidationError(
                f"columns for {table.name} must be exactly {sorted(expected)}, got {sorted(columns)}"
            )
        lengths = {len(values) for values in columns.values()}
        if len(lengths) != 1:
            raise InputValidationError(f"columns for {table.name} have unequal lengths {sorted(lengths)}")
        (count,) = lengths
        if count == 0:
            return []
        with (
            translate_errors(f"inserting {count} rows into {table.name}"),
            self._atomic(count, savepoint) as conn,
        ):
            ids = self._dialect.reserve_ids(conn, table, count) if count > 1 else None
            if ids is None:  # no ids to reserve here: the row path asks RETURNING for them
                names = list(columns)
                rows = [
                    dict(zip(names, values, strict=True)) for values in zip(*columns.values(), strict=True)
                ]
                ids = self._insert(conn, table, list(rows))
            else:
                _executemany(conn, table, columns, ids)
        self._inserted(table, count)
        return ids

    def bulk_insert_from_sqlite(
        self,
        entity_type: EntityTypes,
        database: Path,
        query: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        """Insert the rows ``query`` selects from the SQLite file ``database``; return their ids in order.

        See :meth:`StorageBackend.bulk_insert_from_sqlite`; how it is done is ``sqlite_copy``'s.
        """
        table = ENTITY_TABLES[EntityTypes(entity_type)]
        values = dict(parameters or {})
        with translate_errors(f"copying rows into {table.name}"), self._atomic(2, savepoint) as conn:
            if self._dialect.copies_within_sqlite:
                ids = sqlite_copy.copy_within_sqlite(
                    conn, self._dialect, table, database=database, query=query, parameters=values
                )
                if ids is not None:
                    self._statistics.add(table, len(ids))
                    return ids
            copied: list[int] = []
            for columns in sqlite_copy.stream_columns(table, database, query, values):
                copied.extend(self.bulk_insert_columns(entity_type, columns, savepoint=False))
            return copied

    def copy_rows_to_sqlite(
        self,
        entity_type: EntityTypes,
        database: Path,
        *,
        ids: Sequence[int] | None = None,
        id_range: tuple[int, int] | None = None,
    ) -> int:
        """Write the rows whose id is in ``ids`` and ``id_range`` into the SQLite file ``database``.

        See :meth:`StorageBackend.copy_rows_to_sqlite`; how it is done is ``sqlite_copy``'s.
        """
        table = ENTITY_TABLES[EntityTypes(entity_type)]
        self._require_open()
        with translate_errors(f"copying rows of {table.name} to {database}"), self._engine.connect() as conn:
            if self._dialect.copies_within_sqlite:
                return sqlite_copy.copy_out_within_sqlite(
                    conn, table, database=database, ids=ids, id_range=id_range
                )
            columns = [
                cast(column, Text) if isinstance(column.type, JSON) else column for column in table.columns
            ]
            statement = select(*columns).order_by(table.c.id)
            if ids is not None:
                statement = statement.where(table.c.id.in_(list(ids)))
            if id_range is not None:
                statement = statement.where(table.c.id.between(*id_range))
            return sqlite_copy.stream_out(conn, table, database=database, statement=statement)

    # -- planner statistics ------------------------------------------------------------------------

    def _inserted(self, table: Table, count: int) -> None:
        """Count rows a batch added; outside a transaction, refresh the statistics if they are due."""
        self._statistics.add(table, count)
        if self._state.connection is None:
            self._refresh_statistics_if_due()

    def _refresh_statistics_if_due(self) -> None:
        """Refresh the planner's statistics once the node table grew by a tenth (and by at least
        10,000 rows) since the last refresh: a planner that still believes the table is small
        scans where an index would answer (``SqlDialect.refresh_statistics``: sampled, fast).
        A failure is logged, never raised: the rows are committed already."""
        if self._closed or self._read_only or not self._statistics.due(self.estimated_node_rows):
            return
        try:
            with self._engine.connect() as conn:
                self._dialect.refresh_statistics(conn)
        except (SQLAlchemyError, sqlite3.Error) as exc:
            LOGGER.warning("could not refresh the planner's statistics after a large batch: %s", exc)
        self._statistics.refreshed(self.estimated_node_rows())

    def estimated_node_rows(self) -> int:
        """The largest node id: the number of node rows, cheaply, give or take deletions."""
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(nodes.c.id), 0))).scalar_one())

    def _insert(self, conn: Connection, table: Table, rows: list[Mapping[str, Any]]) -> list[int]:
        """Insert ``rows`` (complete but for ``id``) in as few statements as the dialect allows.

        One row is one ``INSERT ... RETURNING``. For more, SQLAlchemy batches ``RETURNING`` only
        where it can match returned rows to input rows: on PostgreSQL by the sequence-backed key,
        on SQLite not at all (it sends one statement per row). Where the dialect can reserve
        the ids first (``SqlDialect.reserve_ids``: always on SQLite, for large batches on
        PostgreSQL), the rows are inserted with them in one ``executemany``: the returned ids
        are the rows' by construction.
        """
        if len(rows) == 1:
            return [conn.execute(_insert_returning_id(table), rows[0]).scalar_one()]
        ids = self._dialect.reserve_ids(conn, table, len(rows))
        if ids is None:
            return list(conn.execute(_insert_returning_id(table), rows).scalars())
        _executemany(conn, table, {name: [row[name] for row in rows] for name in rows[0]}, ids)
        return ids

    @staticmethod
    def _complete(
        table: Table, columns: frozenset[str], row: Mapping[str, Any], allow_defaults: bool
    ) -> Mapping[str, Any]:
        """Check a row's keys against the table; with ``allow_defaults`` fill in the rest.

        A complete row is returned as it is (nothing downstream changes it)."""
        keys = row.keys()
        if keys == columns:
            return row
        extra = sorted(set(keys) - columns)
        if extra:
            raise InputValidationError(
                f"a row for {table.name} has unknown keys {extra}; its columns are {sorted(columns)}"
            )
        missing = sorted(columns - set(keys))
        if not allow_defaults:
            raise InputValidationError(
                f"a row for {table.name} lacks keys {missing}; give every column or pass allow_defaults=True"
            )
        completed = dict(row)
        for name in missing:
            completed[name] = _column_default(table, name)
        return completed

    def bulk_update(self, entity_type: EntityTypes, rows: Sequence[Mapping[str, Any]]) -> None:
        """Update rows by ``id``; rows naming the same columns share one statement."""
        table = ENTITY_TABLES[EntityTypes(entity_type)]
        columns = frozenset(table.c.keys())
        batches: dict[frozenset[str], list[dict[str, Any]]] = {}
        for row in rows:
            if "id" not in row:
                raise InputValidationError(f"a row to update in {table.name} has no 'id': {sorted(row)}")
            fields = frozenset(row) - {"id"}
            if not fields <= columns:
                raise InputValidationError(
                    f"a row to update in {table.name} has unknown keys {sorted(fields - columns)}"
                )
            if fields:
                params = {f"new_{name}": row[name] for name in fields}
                batches.setdefault(fields, []).append({"target_id": row["id"], **params})
        executions = sum(len(batch) for batch in batches.values())
        with translate_errors(f"updating rows of {table.name}"), self._atomic(executions) as conn:
            for fields, batch in batches.items():
                statement = (
                    update(table)
                    .where(table.c.id == bindparam("target_id"))
                    .values({name: bindparam(f"new_{name}") for name in fields})
                )
                conn.execute(statement, batch)

    def delete_nodes_and_connections(self, pks: Iterable[int]) -> None:
        """Delete nodes, their group memberships and their links (both directions).

        Comments and logs follow through ``ON DELETE CASCADE``. Must run inside a transaction so
        that the caller's graph rules and this deletion commit together.
        """
        if not self.in_transaction:
            raise InvalidOperation("delete_nodes_and_connections must run inside storage.transaction()")
        ids = list(dict.fromkeys(pks))
        with translate_errors(f"deleting {len(ids)} nodes"), self.transaction() as conn:
            for chunk in _chunks(ids):
                conn.execute(delete(group_nodes).where(group_nodes.c.dbnode_id.in_(chunk)))
                conn.execute(
                    delete(links).where(or_(links.c.input_id.in_(chunk), links.c.output_id.in_(chunk)))
                )
            for chunk in _chunks(ids):
                conn.execute(delete(nodes).where(nodes.c.id.in_(chunk)))

    def clear(self) -> None:
        """Delete every entity row; settings (``db_dbsetting``) and the schema revision stay."""
        with translate_errors("clearing the storage"), self.transaction() as conn:
            for table in TABLES_CLEAR_ORDER:
                conn.execute(delete(table))

    # -- maintenance ----------------------------------------------------------------------------

    def maintain_database(self, *, full: bool, dry_run: bool) -> MaintenanceStep:
        """The database's share of ``maintain``: statistics, and with ``full`` free space (dialect's)."""
        self._require_open()
        if self.in_transaction:
            raise InvalidOperation("maintenance cannot run inside a transaction")
        with translate_errors("maintaining the database"), self._engine.connect() as conn:
            return self._dialect.maintain_database(conn, full=full, dry_run=dry_run)

    # -- settings -------------------------------------------------------------------------------

    def get_global_variable(self, key: str) -> Any:
        """The JSON value stored under ``key`` in ``db_dbsetting``; ``KeyError`` if absent."""
        with translate_errors(f"reading global variable {key!r}"), self.connection() as conn:
            row = conn.execute(select(settings.c.val).where(settings.c.key == key)).first()
        if row is None:
            raise KeyError(f"no global variable {key!r} in this storage")
        return row[0]

    def set_global_variable(
        self, key: str, value: Any, description: str | None = None, overwrite: bool = True
    ) -> None:
        """Insert or (with ``overwrite``) replace a value; ``ValueError`` if it exists otherwise."""
        with translate_errors(f"writing global variable {key!r}"), self.transaction() as conn:
            exists = conn.execute(select(settings.c.id).where(settings.c.key == key)).first() is not None
            if exists and not overwrite:
                raise ValueError(f"global variable {key!r} exists already; pass overwrite=True to replace it")
            if exists:
                values: dict[str, Any] = {"val": value}
                if description is not None:
                    values["description"] = description
                conn.execute(update(settings).where(settings.c.key == key).values(values))
            else:
                conn.execute(insert(settings).values(key=key, val=value, description=description or ""))

    # -- summaries ------------------------------------------------------------------------------

    def entity_counts(self) -> dict[str, int]:
        with translate_errors("counting entities"), self.connection() as conn:
            return summary.entity_counts(conn)

    def entity_details(self) -> dict[str, Any]:
        with translate_errors("summarising entities"), self.connection() as conn:
            return summary.entity_details(conn)
