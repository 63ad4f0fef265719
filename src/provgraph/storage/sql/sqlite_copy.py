"""Rows copied between the storage's tables and another SQLite file (an archive's database).

An archive import writes tens of thousands of node rows that already sit in an SQLite file in
nearly the storage's own form, and an archive create writes them into one. Where the storage is
SQLite too, the file is attached to a connection of the storage and one ``INSERT ... SELECT``
moves the rows inside the database engine: no row becomes a Python object. Elsewhere
(PostgreSQL) the rows are streamed through Python in bounded batches, with the same result.

Rows coming in: the query sees the file as the schema ``source``; its values are as SQLite keeps
them: JSON as text (already valid), timestamps as ISO 8601 text where naive means UTC.
Timestamps not already in the storage's own form (``YYYY-MM-DD HH:MM:SS.ffffff``, naive UTC)
are rewritten to it, so that every stored timestamp sorts and compares alike. Rows going out are
written in that same form, which is also the form of AiiDA's archives.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Boolean, Connection, Table
from sqlalchemy.exc import OperationalError

from provgraph.exceptions import InputValidationError, StorageError
from provgraph.storage.abstract import JsonText
from provgraph.storage.sql.dialects import SqlDialect
from provgraph.storage.sql.types import UtcDateTime

__all__ = [
    "ATTACHED_KEY",
    "SOURCE_SCHEMA",
    "TARGET_SCHEMA",
    "copy_out_within_sqlite",
    "copy_within_sqlite",
    "naive_utc_text",
    "register_copy_functions",
    "stream_columns",
    "stream_out",
]

SOURCE_SCHEMA = "source"
"""The schema name under which a query sees the file it copies from."""

TARGET_SCHEMA = "target"
"""The schema name of a file rows are copied out to (attached only for the copy)."""

ATTACHED_KEY = "provgraph_attached_source"
"""Key in a pooled connection's ``info``: the file attached as ``source`` until the connection
goes back to the pool (SQLite refuses to detach a file a transaction has read)."""

# The form the storage writes (``_NaiveUtcText``); anything else is rewritten after the copy.
_CANONICAL_TIME = (
    "[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9] "
    "[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]"
)
# Rows per batch when streaming, and the text size at which a batch ends early (huge JSON).
_BATCH_ROWS = 1000
_BATCH_BYTES = 32 * 1024 * 1024


def naive_utc_text(value: Any) -> str | None:
    """A timestamp in the storage's SQLite form: naive UTC, microseconds (an SQL function).

    >>> naive_utc_text("2024-05-01T12:00:00+02:00")
    '2024-05-01 10:00:00.000000'
    """
    if value is None:
        return None
    moment = _utc(value)
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def register_copy_functions(connection: sqlite3.Connection) -> None:
    """Install ``provgraph_naive_utc`` on one SQLite connection."""
    connection.create_function("provgraph_naive_utc", 1, naive_utc_text, deterministic=True)


def _utc(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = datetime.fromisoformat(value)
    else:
        raise ValueError(f"{value!r} is not a timestamp")
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _source_uri(database: Path) -> str:
    return f"{database.resolve().as_uri()}?mode=ro"


def _column_names(cursor: Any) -> list[str]:
    return [description[0] for description in cursor.description]


def _check_columns(table: Table, names: Sequence[str]) -> None:
    expected = set(table.c.keys()) - {"id"}
    if sorted(names) != sorted(expected):
        raise InputValidationError(
            f"a copy into {table.name} must select exactly its columns {sorted(expected)}, got {list(names)}"
        )


def copy_within_sqlite(
    conn: Connection,
    dialect: SqlDialect,
    table: Table,
    *,
    database: Path,
    query: str,
    parameters: Mapping[str, Any],
) -> list[int] | None:
    """Copy the query's rows into ``table`` with ``INSERT ... SELECT`` on the storage's own connection.

    ``None`` when this cannot be done here (another file is attached already, or the table
    chooses its own ids), so that the caller streams instead. The new rows get the ids SQLite
    gives appended rows, one past the largest, in the query's order: the same ids
    ``reserve_ids`` names beforehand, checked again afterwards.
    """
    info = conn.connection.info
    attached = info.get(ATTACHED_KEY)
    if attached is not None and attached != str(database):
        return None
    if attached is None:
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {SOURCE_SCHEMA}", (_source_uri(database),))
        info[ATTACHED_KEY] = str(database)
    probe = conn.exec_driver_sql(f"SELECT * FROM ({query}) LIMIT 0", dict(parameters))
    names = list(probe.keys())
    probe.close()
    _check_columns(table, names)
    first = dialect.reserve_ids(conn, table, 1)
    if first is None:
        return None
    columns = ", ".join(f'"{name}"' for name in names)
    inserted = conn.exec_driver_sql(
        f'INSERT INTO main."{table.name}" ({columns}) {query}', dict(parameters)
    ).rowcount
    if inserted <= 0:
        return []
    ids = list(range(first[0], first[0] + inserted))
    last = conn.exec_driver_sql(f'SELECT max(id) FROM main."{table.name}"').scalar_one()
    if last != ids[-1]:  # pragma: no cover (the write lock keeps every other writer out)
        raise StorageError(f"copying rows into {table.name} gave ids up to {last}, expected {ids[-1]}")
    for column in table.columns:
        if isinstance(column.type, UtcDateTime):
            try:
                conn.exec_driver_sql(
                    f'UPDATE main."{table.name}" SET "{column.name}" = provgraph_naive_utc("{column.name}") '
                    f'WHERE id >= ? AND "{column.name}" NOT GLOB ?',
                    (ids[0], _CANONICAL_TIME),
                )
            except OperationalError as exc:  # the function refused a value: not a timestamp
                raise InputValidationError(
                    f"a value for {table.name}.{column.name} cannot be stored: it is not a timestamp"
                ) from exc
    return ids


def stream_columns(
    table: Table, database: Path, query: str, parameters: Mapping[str, Any]
) -> Iterator[dict[str, list[Any]]]:
    """The query's rows in batches, column by column, converted to what ``bulk_insert_columns`` takes.

    Batches end at ``_BATCH_ROWS`` rows or once their text reaches ``_BATCH_BYTES``, so memory
    stays bounded whatever the file holds.
    """
    try:
        connection = sqlite3.connect(":memory:")
    except sqlite3.Error as exc:  # pragma: no cover (an in-memory database always opens)
        raise StorageError(f"cannot open an SQLite connection: {exc}") from exc
    try:
        connection.execute(f"ATTACH DATABASE ? AS {SOURCE_SCHEMA}", (_source_uri(database),))
        cursor = connection.execute(query, dict(parameters))
        names = _column_names(cursor)
        _check_columns(table, names)
        converters = [_converter(table, name) for name in names]
        batch: list[tuple[Any, ...]] = []
        size = 0
        for row in cursor:
            batch.append(row)
            size += sum(len(value) for value in row if value.__class__ is str)
            if len(batch) >= _BATCH_ROWS or size >= _BATCH_BYTES:
                yield _as_columns(names, converters, batch)
                batch, size = [], 0
        if batch:
            yield _as_columns(names, converters, batch)
    except sqlite3.Error as exc:
        raise StorageError(f"reading rows to copy from {database} failed: {exc}") from exc
    finally:
        connection.close()


def _converter(table: Table, name: str) -> Any:
    kind = table.c[name].type
    if isinstance(kind, UtcDateTime):
        return lambda value: None if value is None else _utc(value)
    if isinstance(kind, JSON):
        return lambda value: JsonText(value) if isinstance(value, str) else value
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else bool(value)
    return None


def _as_columns(
    names: Sequence[str], converters: Sequence[Any], rows: Sequence[tuple[Any, ...]]
) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for index, (name, convert) in enumerate(zip(names, converters, strict=True)):
        values = [row[index] for row in rows]
        if convert is not None:
            try:
                values = list(map(convert, values))
            except ValueError as exc:
                raise InputValidationError(f"a value for {name} cannot be stored: {exc}") from exc
        columns[name] = values
    return columns


# -- rows going out ------------------------------------------------------------------------------


def _row_conditions(ids: Sequence[int] | None, id_range: tuple[int, int] | None) -> tuple[str, list[Any]]:
    """SQL conditions (SQLite) and their parameters for rows whose id is in ``ids`` and ``id_range``."""
    conditions: list[str] = []
    parameters: list[Any] = []
    if ids is not None:
        conditions.append("id IN (SELECT value FROM json_each(?))")
        parameters.append(json.dumps(list(ids)))
    if id_range is not None:
        conditions.append("id BETWEEN ? AND ?")
        parameters.extend(id_range)
    return (" WHERE " + " AND ".join(conditions)) if conditions else "", parameters


def copy_out_within_sqlite(
    conn: Connection,
    table: Table,
    *,
    database: Path,
    ids: Sequence[int] | None,
    id_range: tuple[int, int] | None,
) -> int:
    """Copy rows of ``table`` into the same table of the SQLite file ``database``; return how many.

    ``conn`` is a connection of its own, outside any transaction: the file is attached, written
    in one transaction of its own (the storage's file is only read) and detached again.
    """
    columns = [column.name for column in table.columns]
    selected = ", ".join(
        f'CASE WHEN "{name}" GLOB \'{_CANONICAL_TIME}\' THEN "{name}" ELSE provgraph_naive_utc("{name}") END'
        if isinstance(table.c[name].type, UtcDateTime)
        else f'"{name}"'
        for name in columns
    )
    where, parameters = _row_conditions(ids, id_range)
    names = ", ".join(f'"{name}"' for name in columns)
    # attached and detached outside any transaction, on the driver's connection (autocommit)
    driver = conn.connection.driver_connection
    if driver is None:  # pragma: no cover (only an invalidated connection has none)
        raise StorageError("the database connection was lost; open the storage again")
    driver.execute(f"ATTACH DATABASE ? AS {TARGET_SCHEMA}", (f"{database.resolve().as_uri()}?mode=rw",))
    try:
        with conn.begin():
            copied = conn.exec_driver_sql(
                f'INSERT INTO {TARGET_SCHEMA}."{table.name}" ({names}) '
                f'SELECT {selected} FROM main."{table.name}"{where} ORDER BY id',
                tuple(parameters),
            ).rowcount
    finally:
        driver.execute(f"DETACH DATABASE {TARGET_SCHEMA}")
    return max(copied, 0)


def stream_out(conn: Connection, table: Table, *, database: Path, statement: Any) -> int:
    """Write the rows ``statement`` selects (every column of ``table``, JSON cast to text) into the
    same table of the SQLite file ``database``, in batches; return how many.

    Values are converted to the archive's forms: timestamps to naive UTC text with microseconds,
    booleans to 0 and 1; JSON arrives as text already.
    """
    converters = [_outgoing(column.type) for column in table.columns]
    names = ", ".join(f'"{column.name}"' for column in table.columns)
    insert = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" for _ in table.columns)})'
    target = sqlite3.connect(database, isolation_level=None)
    copied = 0
    try:
        target.execute("BEGIN")
        result = conn.execution_options(stream_results=True, yield_per=_BATCH_ROWS).execute(statement)
        for rows in result.partitions():
            columns = [
                values if convert is None else list(map(convert, values))
                for convert, values in zip(converters, zip(*rows, strict=True), strict=True)
            ]
            target.executemany(insert, list(zip(*columns, strict=True)))
            copied += len(rows)
        target.execute("COMMIT")
    except sqlite3.Error as exc:
        raise StorageError(f"writing rows of {table.name} into {database} failed: {exc}") from exc
    finally:
        target.close()
    return copied


def _outgoing(kind: Any) -> Any:
    if isinstance(kind, UtcDateTime):
        return lambda value: None if value is None else naive_utc_text(value)
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else int(bool(value))
    return None
