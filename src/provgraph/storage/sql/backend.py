"""The :class:`StorageBackend` of every SQL database + disk-objectstore pairing.

``core.sqlite_dos`` and ``core.psql_dos`` behave identically once connected; they differ only
in where the data lives, which each supplies as a :class:`DosLocation`. Everything else is
composed from a :class:`SqlStore` (rows, transactions) and a
:class:`DiskObjectStoreRepository` (file contents).
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar

from sqlalchemy import Connection

from provgraph.config.profile import Profile
from provgraph.exceptions import CorruptStorage, InputValidationError, StorageError
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage.abstract import EntityTypes, RowFilters, StorageBackend
from provgraph.storage.sql import dos, graph, hashes, rows
from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.location import DosLocation
from provgraph.storage.sql.migrator import Migrator
from provgraph.storage.sql.querybuilder.compiler import CompiledQuery, QueryCompiler
from provgraph.storage.sql.querybuilder.execution import DriverRows
from provgraph.storage.sql.store import SqlStore, translate_errors

__all__ = ["SqlDosBackend"]

LOGGER = logging.getLogger(__name__)

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


class SqlDosBackend(StorageBackend):
    """A SQL database paired with a disk-objectstore container; subclasses say where they live."""

    label: ClassVar[str] = "SQL storage"

    @classmethod
    @abc.abstractmethod
    def location(cls, profile: Profile) -> DosLocation:
        """Where ``profile``'s storage lives (validates the storage config)."""

    # -- lifecycle without an open storage ------------------------------------------------------

    @classmethod
    def version_head(cls) -> str:
        return Migrator.head()

    @classmethod
    def version_profile(cls, profile: Profile) -> str | None:
        return dos.version_profile(cls.location(profile))

    @classmethod
    def initialise(cls, profile: Profile, reset: bool = False) -> bool:
        return dos.initialise(cls.location(profile), reset=reset)

    @classmethod
    def migrate(cls, profile: Profile) -> None:
        dos.migrate(cls.location(profile))

    # -- an open storage ------------------------------------------------------------------------

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._location = self.location(profile)
        self._store, self._repository = dos.open_storage(self._location)
        self._queries = QueryCompiler(self._store.engine.dialect)

    def __str__(self) -> str:
        state = "closed" if self.is_closed else "open"
        return f"{self.label} [{state}] @ {self._location.describe()}"

    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def sql(self) -> SqlStore:
        """The SQL store, for the entity collections and the query compiler."""
        return self._store

    def close(self) -> None:
        if not self._store.is_closed:
            self._store.close()

    @property
    def is_closed(self) -> bool:
        return self._store.is_closed

    def _clear(self) -> None:
        """Delete all rows but settings, and start a new (empty) container paired with the database."""
        with self._store.transaction() as connection:
            self._store.clear()
            self._repository.erase()
            self._repository.initialise()
            dos.write_repository_uuid(connection, self._repository.uuid)

    def delete(self) -> None:
        self.close()
        self._location.destroy()
        LOGGER.info("deleted the storage at %s", self._location.describe())

    # -- transactions and rows ------------------------------------------------------------------

    def transaction(self) -> AbstractContextManager[Connection]:
        return self._store.transaction()

    @property
    def in_transaction(self) -> bool:
        return self._store.in_transaction

    def bulk_insert(
        self,
        entity_type: EntityTypes,
        rows: Sequence[Mapping[str, Any]],
        allow_defaults: bool = False,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        return self._store.bulk_insert(entity_type, rows, allow_defaults, savepoint=savepoint)

    def bulk_update(self, entity_type: EntityTypes, rows: Sequence[Mapping[str, Any]]) -> None:
        self._store.bulk_update(entity_type, rows)

    def delete_nodes_and_connections(self, pks_to_delete: Sequence[int]) -> None:
        self._store.delete_nodes_and_connections(pks_to_delete)

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
            self._store.connection() as conn,
        ):
            return rows.get_rows(
                conn, entity_type, filters, columns=columns, order_by=order_by, limit=limit, offset=offset
            )

    def count_rows(self, entity_type: EntityTypes, filters: RowFilters | None = None) -> int:
        with (
            translate_errors(f"counting {EntityTypes(entity_type).value} rows"),
            self._store.connection() as conn,
        ):
            return rows.count_rows(conn, entity_type, filters)

    def delete_rows(self, entity_type: EntityTypes, ids: Sequence[int]) -> None:
        with (
            translate_errors(f"deleting {EntityTypes(entity_type).value} rows"),
            self._store.transaction() as conn,
        ):
            rows.delete_rows(conn, entity_type, ids)

    def is_reachable(self, source_id: int, target_id: int) -> bool:
        with translate_errors(f"following links from node {source_id}"), self._store.connection() as conn:
            return graph.is_reachable(conn, source_id, target_id)

    def find_nodes_by_hash(self, node_type: str, node_hash: str) -> list[int]:
        return hashes.find_nodes_by_hash(self._store, node_type, node_hash)

    def add_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        with translate_errors(f"adding nodes to group {group_id}"), self._store.transaction() as conn:
            graph.add_group_nodes(conn, group_id, node_ids)

    def remove_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        with translate_errors(f"removing nodes from group {group_id}"), self._store.transaction() as conn:
            graph.remove_group_nodes(conn, group_id, node_ids)

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
        shared = self._store.in_transaction
        with self._driver_errors("running a query"), self._store.connection() as conn:
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
        with self._driver_errors("counting the rows of a query"), self._store.connection() as conn:
            cursor = _reading_connection(conn, self._store.in_transaction).cursor()
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
            except self._store.engine.dialect.loaded_dbapi.Error as exc:
                raise StorageError(f"{action} failed: {exc}") from exc

    def query_sql(self, query: Mapping[str, Any], *, inline: bool = False) -> str:
        return self._queries.sql(query, inline)

    # -- repository, settings, maintenance ------------------------------------------------------

    def get_repository(self) -> DiskObjectStoreRepository:
        return self._repository

    def set_global_variable(
        self, key: str, value: Any, description: str | None = None, overwrite: bool = True
    ) -> None:
        self._store.set_global_variable(key, value, description, overwrite)

    def get_global_variable(self, key: str) -> Any:
        return self._store.get_global_variable(key)

    def get_entity_counts(self) -> dict[str, int]:
        return self._store.entity_counts()

    def get_entity_details(self) -> dict[str, Any]:
        return self._store.entity_details()

    def get_unreferenced_keyset(self, check_consistency: bool = True) -> set[str]:
        """Keys in the container that no node refers to (left behind by deletions).

        With ``check_consistency`` a node referring to a missing object raises ``CorruptStorage``.
        """
        with translate_errors("listing the objects nodes refer to"), self._store.connection() as connection:
            referenced = dos.referenced_keys(connection)
        stored = set(self._repository.list_objects())
        missing = referenced - stored
        if check_consistency and missing:
            raise CorruptStorage(
                f"{len(missing)} objects referenced by nodes are missing from {self._repository}, "
                f"e.g. {sorted(missing)[:3]}; restore the container from a backup"
            )
        return stored - referenced

    def maintain(self, full: bool = False, dry_run: bool = False, **kwargs: Any) -> None:
        """Delete unreferenced objects, then pack (and with ``full``, repack) the container.

        ``full`` needs the profile's exclusive lock, which the caller holds (see
        :meth:`StorageBackend.maintain`): taking it here would make storage import the access
        records of the layer above it.
        """
        unreferenced = self.get_unreferenced_keyset()
        LOGGER.info("deleting %d unreferenced objects", len(unreferenced))
        if not dry_run and unreferenced:
            self._repository.delete_objects(unreferenced)
        self._repository.maintain(dry_run=dry_run, live=not full, **kwargs)
