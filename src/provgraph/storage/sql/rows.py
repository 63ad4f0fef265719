"""Plain row reads and deletions for the ORM: one statement per request (or per chunk of ids).

Deletion checks the restricting foreign keys itself before touching anything. The database
would refuse too, but AiiDA declares every foreign key ``DEFERRABLE INITIALLY DEFERRED``, so
its refusal only arrives at the outermost commit, possibly long after the call, and names a
constraint instead of the entity; the explicit check gives the caller a precise error at the
call and leaves an enclosing transaction usable. The foreign keys remain the backstop against
a concurrent writer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, Connection, Table, Text, delete, func, select, type_coerce

from provgraph.exceptions import InputValidationError
from provgraph.storage.abstract import EntityTypes
from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.filters import column_of, compile_filters, order_clauses
from provgraph.storage.sql.lazy_rows import LazyRow, decode_json, decode_sqlite_datetime
from provgraph.storage.sql.tables import ENTITY_TABLES, METADATA, group_nodes, groups, users
from provgraph.storage.sql.types import UtcDateTime

__all__ = ["count_rows", "delete_rows", "get_rows", "lazy_rows"]

# Ids per DELETE / reference check, well below the bound-parameter limits of both dialects.
_CHUNK = 5000

# The column that names a row in error messages, where there is a better one than the pk.
_NAMED_BY = {"db_dbuser": "email", "db_dbcomputer": "label", "db_dbgroup": "label"}

# Table name -> entity name ("db_dbnode" -> "node"), for messages.
_ENTITY_OF = {table.name: kind.value for kind, table in ENTITY_TABLES.items()}


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _table(entity_type: EntityTypes) -> Table:
    return ENTITY_TABLES[EntityTypes(entity_type)]


def _check_window(limit: int | None, offset: int | None) -> None:
    for name, value in (("limit", limit), ("offset", offset)):
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise InputValidationError(f"{name} must be a non-negative int or None, got {value!r}")


def get_rows(
    conn: Connection,
    entity_type: EntityTypes,
    filters: Mapping[str, Any] | None,
    *,
    columns: Sequence[str] | None,
    order_by: Sequence[str],
    limit: int | None,
    offset: int | None,
) -> list[dict[str, Any]]:
    """Rows of ``entity_type`` matching every filter, as column dicts in ``order_by`` order."""
    table = _table(entity_type)
    _check_window(limit, offset)
    selected = list(table.c) if columns is None else [column_of(table, name) for name in columns]
    dialect = dialect_for(conn)
    lazy = dialect.lazy_row_decoding and any(column.name in _LAZY_DECODERS for column in selected)
    statement = (
        select(*(_raw(column) for column in selected) if lazy else selected)
        .where(*compile_filters(table, filters, dialect))
        .order_by(*order_clauses(table, order_by))
        .limit(limit)
        .offset(offset)
    )
    result = conn.execute(statement)
    keys = tuple(result.keys())
    if lazy:
        return list(lazy_rows(keys, result))
    # zip over plain rows: RowMapping objects cost more than the rest of the conversion together
    return [dict(zip(keys, row, strict=True)) for row in result]


# Columns SQLite returns as text that cost real time to convert: left raw until read (LazyRow),
# where the dialect says so (``SqlDialect.lazy_row_decoding``).
_LAZY_DECODERS: dict[str, Callable[[Any], Any]] = {
    "attributes": decode_json,
    "extras": decode_json,
    "repository_metadata": decode_json,
    "metadata": decode_json,
    "auth_params": decode_json,
    "ctime": decode_sqlite_datetime,
    "mtime": decode_sqlite_datetime,
    "time": decode_sqlite_datetime,
}


def _raw(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as SQLite stores it, skipping SQLAlchemy's conversion (done lazily instead)."""
    name = getattr(column, "name", None)
    if name in _LAZY_DECODERS and isinstance(column.type, (JSON, UtcDateTime)):
        return type_coerce(column, Text).label(name)
    return column


def lazy_rows(keys: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[LazyRow]:
    """Rows whose JSON and time columns (given raw, as SQLite stores them) convert on first read.

    The split into ready and pending columns is worked out once for all rows, so each row costs
    two dicts built in C.
    """
    lazy_positions = [index for index, key in enumerate(keys) if key in _LAZY_DECODERS]
    ready_positions = [index for index in range(len(keys)) if index not in lazy_positions]
    lazy_keys = tuple(keys[index] for index in lazy_positions)
    ready_keys = tuple(keys[index] for index in ready_positions)
    take_lazy = _picker(lazy_positions)
    take_ready = _picker(ready_positions)
    for row in rows:
        pending = dict(zip(lazy_keys, take_lazy(row), strict=True))
        yield LazyRow.of(zip(ready_keys, take_ready(row), strict=True), pending, _LAZY_DECODERS)


def _picker(positions: Sequence[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """Select ``positions`` of a row as a tuple (``itemgetter`` returns a bare item for one position)."""
    if not positions:
        return lambda row: ()
    if len(positions) == 1:
        (position,) = positions
        return lambda row: (row[position],)
    getter: Callable[[Sequence[Any]], Sequence[Any]] = itemgetter(*positions)
    return getter


def count_rows(conn: Connection, entity_type: EntityTypes, filters: Mapping[str, Any] | None) -> int:
    """How many rows of ``entity_type`` match every filter."""
    table = _table(entity_type)
    statement = (
        select(func.count()).select_from(table).where(*compile_filters(table, filters, dialect_for(conn)))
    )
    count: int = conn.execute(statement).scalar_one()
    return count


def _restricting_columns(table: Table) -> list[Column[Any]]:
    """Foreign-key columns elsewhere that keep a row of ``table`` from being deleted.

    Cascading keys delete their rows along; memberships are removed with their group.
    """
    found = []
    for other in METADATA.sorted_tables:
        for key in other.foreign_keys:
            if (
                key.column.table is not table
                or key.ondelete == "CASCADE"
                or key.parent is group_nodes.c.dbgroup_id
            ):
                continue
            found.append(key.parent)
    return found


def _describe(conn: Connection, table: Table, pk: int) -> str:
    entity = _ENTITY_OF[table.name]
    name_column = _NAMED_BY.get(table.name)
    if name_column is None:
        return f"{entity} with pk {pk}"
    name = conn.execute(select(table.c[name_column]).where(table.c.id == pk)).scalar_one_or_none()
    return f"{entity} {name!r} (pk {pk})"


def _check_unreferenced(conn: Connection, table: Table, ids: Sequence[int]) -> None:
    """Raise ``InputValidationError`` naming the first row that other rows still point to."""
    for column in _restricting_columns(table):
        referrer = _ENTITY_OF[column.table.name]
        for chunk in _chunks(ids):
            statement = (
                select(column, func.count()).where(column.in_(chunk)).group_by(column).order_by(column)
            )
            counts = conn.execute(statement).all()
            if counts:
                pk, count = counts[0]
                more = f" (and {len(counts) - 1} more of the rows to delete)" if len(counts) > 1 else ""
                raise InputValidationError(
                    f"{_describe(conn, table, pk)} is still referenced by {count} {referrer}s{more}; "
                    f"delete those {referrer}s first"
                )


def _delete_memberships(conn: Connection, table: Table, ids: Sequence[int]) -> None:
    """Remove the memberships of groups about to go: deleted groups, or groups of deleted users."""
    for chunk in _chunks(ids):
        if table is groups:
            doomed: Any = chunk
        elif table is users:
            doomed = select(groups.c.id).where(groups.c.user_id.in_(chunk)).scalar_subquery()
        else:
            return
        conn.execute(delete(group_nodes).where(group_nodes.c.dbgroup_id.in_(doomed)))


def delete_rows(conn: Connection, entity_type: EntityTypes, ids: Sequence[int]) -> None:
    """Delete rows by id after checking that nothing restricting still refers to them.

    Run inside a transaction (or savepoint) of its own, so that a refusal by the database
    itself rolls back every statement of the call.
    """
    kind = EntityTypes(entity_type)
    if kind is EntityTypes.NODE:
        raise InputValidationError(
            "nodes cannot be deleted as plain rows; use delete_nodes_and_connections() so that "
            "their links and group memberships go too"
        )
    for pk in ids:
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise InputValidationError(f"ids to delete must be ints, got {pk!r}")
    unique = list(dict.fromkeys(ids))
    if not unique:
        return
    table = _table(kind)
    _check_unreferenced(conn, table, unique)
    _delete_memberships(conn, table, unique)
    for chunk in _chunks(unique):
        conn.execute(delete(table).where(table.c.id.in_(chunk)))
