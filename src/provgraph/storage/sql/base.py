"""The read half of the storage interface over one SQL database, shared by every SQL backend.

``core.sqlite_dos`` / ``core.psql_dos`` (:class:`~provgraph.storage.sql.backend.SqlDosBackend`)
and the read-only archive backend ``core.sqlite_zip`` read their rows the same way: plain row
reads, link walks, hash look-ups, the QueryBuilder's compiler and the entity summaries all go
through a :class:`SqlStore`. They differ in where that store comes from (opened at once, or
extracted from an archive on first use) and in whether they write, so this class implements
the reads once over the abstract :attr:`SqlBackend.sql` and leaves the rest to subclasses.
"""

from __future__ import annotations

import abc
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Executable

from provgraph.exceptions import InputValidationError, StorageError
from provgraph.storage.abstract import EntityTypes, LinkWalk, RowFilters, StorageBackend
from provgraph.storage.explain import QueryExplanation
from provgraph.storage.sql import graph, hashes, integrity, rows
from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.explain import explanation
from provgraph.storage.sql.indexes import SqlIndexes
from provgraph.storage.sql.querybuilder.compiler import CompiledQuery, QueryCompiler
from provgraph.storage.sql.querybuilder.execution import DriverRows
from provgraph.storage.sql.store import SqlStore, translate_errors

__all__ = ["SqlBackend"]

# Rows per round trip when streaming a query's result and the caller names no batch size.
_DEFAULT_BATCH_SIZE = 1000


def _driver_connection(conn: Connection) -> Any:
    """The driver's connection under ``conn`` (queries run on its cursors: see ``_stream``)."""
    driver = conn.connection.dbapi_connection
    if driver is None:  # pragma: no cover (only an invalidated connection has none)
        raise StorageError("the database connection was lost; open the storage again")
    return driver


def _reading_connection(conn: Connection, shared: bool) -> Any:
    """The driver's connection under ``conn``, for one SELECT.

    Unless the connection is ``shared`` (the storage's transaction), PostgreSQL reads in
    autocommit mode: one statement is its own consistent snapshot, and the connection goes back
    to the pool idle, without a ROLLBACK round trip (the pool restores the mode). SQLite
    connections are in autocommit mode already (provgraph's engine emits BEGIN itself).
    """
    if not shared and dialect_for(conn).autocommit_reads:
        conn.execution_options(isolation_level="AUTOCOMMIT")
    return _driver_connection(conn)


class SqlBackend(StorageBackend):
    """Every read of :class:`StorageBackend` over the store :attr:`sql`; writes are the subclass's."""

    @property
    @abc.abstractmethod
    def sql(self) -> SqlStore:
        """The SQL store (opened on first use by backends that open lazily).

        Raises ``StorageError`` once the storage is closed.
        """

    @cached_property
    def indexes(self) -> SqlIndexes:
        """The declared attribute indexes (none, and none taken, on a read-only storage)."""
        return SqlIndexes(self.sql, read_only=self.read_only)

    @cached_property
    def _queries(self) -> QueryCompiler:
        """The QueryBuilder compiler of this storage's dialect (its LRU lives as long as the storage)."""
        return QueryCompiler(self.sql.engine.dialect)

    # -- transactions ---------------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[Connection]:
        return self.sql.transaction()

    @property
    def in_transaction(self) -> bool:
        return self.sql.in_transaction

    # -- plain row access (reads see the writes of this thread's open transaction) -------------

    def get_rows(
        self,
        entity_type: EntityTypes,
        filters: RowFilters | None = None,
        *,
        columns: Sequence[str] | None = None,
        order_by: Sequence[str] = ("id",),
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[dict[str, Any]]:
        with (
            translate_errors(f"reading {EntityTypes(entity_type).value} rows"),
            self.sql.connection() as conn,
        ):
            return rows.get_rows(
                conn, entity_type, filters, columns=columns, order_by=order_by, limit=limit, offset=offset
            )

    def count_rows(self, entity_type: EntityTypes, filters: RowFilters | None = None) -> int:
        with (
            translate_errors(f"counting {EntityTypes(entity_type).value} rows"),
            self.sql.connection() as conn,
        ):
            return rows.count_rows(conn, entity_type, filters)

    def copy_rows_to_sqlite(
        self,
        entity_type: EntityTypes,
        database: Path,
        *,
        ids: Sequence[int] | None = None,
        id_range: tuple[int, int] | None = None,
    ) -> int:
        return self.sql.copy_rows_to_sqlite(entity_type, database, ids=ids, id_range=id_range)

    def is_reachable(self, source_id: int, target_id: int) -> bool:
        with translate_errors(f"following links from node {source_id}"), self.sql.connection() as conn:
            return graph.is_reachable(conn, source_id, target_id)

    def walk_links(
        self,
        origins: Sequence[int],
        link_types: Sequence[str],
        *,
        backward: bool,
        depth: int | None = None,
        limit: int | None = None,
    ) -> LinkWalk:
        with translate_errors("following links"), self.sql.connection() as conn:
            return graph.walk_links(conn, origins, link_types, backward=backward, depth=depth, limit=limit)

    def find_nodes_by_hash(self, node_type: str, node_hash: str) -> list[int]:
        return hashes.find_nodes_by_hash(self.sql, node_type, node_hash)

    # -- integrity checks: one streamed statement each (see ``sql/integrity.py``) --------------
    #
    # Statements are built at the call, so a bad argument raises there, not at the first row.

    def iter_dangling_links(self) -> Iterator[tuple[int, int, int, bool, bool]]:
        rows = self._stream_statement(integrity.dangling_links(), "finding links to missing nodes")
        return (
            (link, source, target, bool(no_source), bool(no_target))
            for link, source, target, no_source, no_target in rows
        )

    def iter_link_shapes(self) -> Iterator[tuple[str, str, str, bool, int, int]]:
        rows = self._stream_statement(integrity.link_shapes(), "grouping links by the types of their nodes")
        return (
            (kind, source, target, bool(self_link), count, first)
            for kind, source, target, self_link, count, first in rows
        )

    def iter_link_clashes(
        self, groupings: Sequence[tuple[str, Sequence[str]]]
    ) -> Iterator[tuple[int, int, int, int]]:
        statement = integrity.link_clashes(groupings)
        if statement is None:
            return iter(())
        return self._stream_statement(statement, "finding links that break a degree rule")

    def iter_link_ends(self, link_types: Sequence[str]) -> Iterator[tuple[int, int]]:
        return self._stream_statement(integrity.link_ends(link_types), "reading the ends of links")

    def iter_duplicate_uuids(self, entity_type: EntityTypes) -> Iterator[tuple[str, int, int]]:
        statement = integrity.duplicate_uuids(entity_type)
        return self._stream_statement(statement, f"finding duplicate {EntityTypes(entity_type).value} UUIDs")

    def _stream_statement(self, statement: Executable, action: str) -> Generator[Any, None, None]:
        """The rows of a Core statement as tuples, fetched in batches (server-side on PostgreSQL).

        Runs in this thread's open transaction if there is one, else on a connection of its own,
        returned when the generator ends or is closed.
        """
        streamed = statement.execution_options(stream_results=True, yield_per=_DEFAULT_BATCH_SIZE)
        with translate_errors(action), self.sql.connection() as conn:
            result = conn.execute(streamed)
            try:
                for row in result:
                    yield tuple(row)
            finally:
                result.close()

    # -- QueryBuilder ---------------------------------------------------------------------------

    def query_rows(
        self, query: Mapping[str, Any], *, batch_size: int | None = None
    ) -> Generator[tuple[Any, ...], None, None]:
        """Compile now (a bad query raises here, not at the first row), stream rows when iterated.

        Rows arrive ``batch_size`` at a time: through a server-side cursor on PostgreSQL, from
        the lazily stepped statement on SQLite, so a large result never sits in memory whole.
        Inside ``transaction()`` the query runs on its connection and sees its uncommitted rows.
        """
        if batch_size is not None and (
            not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size < 1
        ):
            raise InputValidationError(f"batch_size must be a positive int or None, got {batch_size!r}")
        return self._stream(self._queries.compile(query), batch_size or _DEFAULT_BATCH_SIZE)

    def _stream(self, compiled: CompiledQuery, batch_size: int) -> Generator[tuple[Any, ...], None, None]:
        """The rows of ``compiled``; the connection goes back when the generator ends or is closed.

        The statement runs on the driver's cursor (see ``querybuilder/execution.py``), in
        batches that become result rows column by column (``CompiledQuery.shaper``). A result
        known to fit in one batch (a small limit, aggregates) is read in one go, without
        PostgreSQL's streaming machinery.
        """
        small = compiled.max_rows is not None and compiled.max_rows <= batch_size
        store = self.sql
        shared = store.in_transaction
        with self._driver_errors("running a query"), store.connection() as conn:
            rows = DriverRows(
                _reading_connection(conn, shared),
                compiled.dialect,
                compiled.driver,
                batch_size,
                small=small,
                shared=shared,
            )
            try:
                batches = rows.batches()
                first = next(batches, None)
                if first is None:
                    return
                shape = compiled.shaper(rows.type_codes)
                yield from first if shape is None else shape(first)
                for batch in batches:
                    yield from batch if shape is None else shape(batch)
            finally:
                rows.close()

    def query_count(self, query: Mapping[str, Any]) -> int:
        driver = self._queries.count(query)
        store = self.sql
        with self._driver_errors("counting the rows of a query"), store.connection() as conn:
            cursor = _reading_connection(conn, store.in_transaction).cursor()
            try:
                cursor.execute(driver.sql, driver.parameters)
                count: int = cursor.fetchone()[0]  # a count has one row
            finally:
                cursor.close()
        return count

    @contextmanager
    def _driver_errors(self, action: str) -> Iterator[None]:
        """Errors of the driver (met without SQLAlchemy in between) as ``StorageError``."""
        with translate_errors(action):
            try:
                yield
            except self.sql.engine.dialect.loaded_dbapi.Error as exc:
                raise StorageError(f"{action} failed: {exc}") from exc

    def query_sql(self, query: Mapping[str, Any], *, inline: bool = False) -> str:
        return self._queries.sql(query, inline)

    def database_version(self) -> str | None:
        """``SQLite 3.45.1`` / ``PostgreSQL 15.19``: the dialect's name and the server's version."""
        store = self.sql
        with self._driver_errors("reading the database version"), store.connection() as conn:
            info = conn.dialect.server_version_info or ()
        return f"{store.dialect.display_name} {'.'.join(str(part) for part in info)}".strip()

    def query_plan(self, query: Mapping[str, Any], *, execute: bool = True, verbose: bool = False) -> str:
        """The database's plan for ``query``: PostgreSQL's ``EXPLAIN`` (with ``ANALYZE`` when
        ``execute``, which runs the query), SQLite's ``EXPLAIN QUERY PLAN``."""
        driver = self._queries.compile(query).driver
        store = self.sql
        prefix = store.dialect.explain_prefix(execute=execute, verbose=verbose)
        with self._driver_errors("explaining a query"), store.connection() as conn:
            cursor = _reading_connection(conn, store.in_transaction).cursor()
            try:
                cursor.execute(prefix + driver.sql, driver.parameters)
                rows = cursor.fetchall()
            finally:
                cursor.close()
        return "\n".join(" ".join(str(value) for value in row) for row in rows)

    def explain_query(self, query: Mapping[str, Any]) -> QueryExplanation:
        """The dialect's plan in words (``dialects/plans.py``) and advice on declared indexes
        (``storage/sql/explain.py``). Plans without running the query."""
        driver = self._queries.compile(query).driver
        store = self.sql
        with self._driver_errors("explaining a query"), store.connection() as conn:
            cursor = _reading_connection(conn, store.in_transaction).cursor()
            try:
                summary = store.dialect.plan_summary(cursor, driver.sql, driver.parameters)
            finally:
                cursor.close()
        return explanation(summary, query, store.dialect, store.estimated_node_rows())

    def compiled_query(self, query: Mapping[str, Any]) -> CompiledQuery:
        """The compiled query, from the compiler's LRU for a description seen before."""
        return self._queries.compile(query)

    # -- summaries ------------------------------------------------------------------------------

    def get_entity_counts(self) -> dict[str, int]:
        return self.sql.entity_counts()

    def get_entity_details(self) -> dict[str, Any]:
        return self.sql.entity_details()
