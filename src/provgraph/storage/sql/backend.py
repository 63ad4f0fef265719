"""The :class:`StorageBackend` of every SQL database + disk-objectstore pairing.

``core.sqlite_dos`` and ``core.psql_dos`` behave identically once connected; they differ only
in where the data lives, which each supplies as a :class:`DosLocation`. Everything else is
composed from a :class:`SqlStore` (rows, transactions) and a
:class:`DiskObjectStoreRepository` (file contents); the reads are :class:`SqlBackend`'s, shared
with the read-only archive backend.
"""

from __future__ import annotations

import abc
import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, ClassVar, NoReturn

from provgraph.common.backup_manifest import BackupSummary, ProgressCallback, RestoreSummary
from provgraph.common.maintenance import MaintenanceProgress, MaintenanceReport, MaintenanceStep
from provgraph.config.profile import Profile
from provgraph.exceptions import CorruptStorage, ReadOnlyStorageError, StorageError
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage.abstract import EntityTypes, StoragePart
from provgraph.storage.sql import dos, graph, removal, revisions, rows
from provgraph.storage.sql.backup import run as backups
from provgraph.storage.sql.backup.database import DatabaseBackup
from provgraph.storage.sql.base import SqlBackend
from provgraph.storage.sql.location import DosLocation
from provgraph.storage.sql.store import SqlStore, translate_errors

__all__ = ["SqlDosBackend"]

LOGGER = logging.getLogger(__name__)


class _ReadOnlyContainer(DiskObjectStoreRepository):
    """The container of a storage opened read-only: read as usual, every write refused up front."""

    def _refuse(self, action: str) -> NoReturn:
        raise ReadOnlyStorageError(
            f"cannot {action} in the container {self.path}: the storage is open read-only; "
            "open it for writing to change it"
        )

    def initialise(self, **kwargs: Any) -> None:
        self._refuse("create or change the container")

    def erase(self) -> None:
        self._refuse("erase the objects")

    def put_object_from_filelike(self, handle: BinaryIO) -> str:
        self._refuse("write an object")

    def put_objects_from_streams(self, streams: Sequence[BinaryIO]) -> list[str]:
        self._refuse("write objects")

    def delete_objects(self, keys: Iterable[str]) -> None:
        self._refuse("delete objects")

    def maintain(self, dry_run: bool = False, live: bool = True, **kwargs: Any) -> list[MaintenanceStep]:
        self._refuse("pack or clean the objects")


class SqlDosBackend(SqlBackend):
    """A SQL database paired with a disk-objectstore container; subclasses say where they live."""

    label: ClassVar[str] = "SQL storage"

    @classmethod
    @abc.abstractmethod
    def location(cls, profile: Profile, *, read_only: bool = False) -> DosLocation:
        """Where ``profile``'s storage lives (validates the storage config).

        ``read_only``: its engine opens the database so that the database refuses every write.
        """

    @classmethod
    @abc.abstractmethod
    def database_backup(cls, profile: Profile) -> DatabaseBackup:
        """How the database of ``profile``'s storage is backed up and restored."""

    # -- lifecycle without an open storage ------------------------------------------------------

    @classmethod
    def version_head(cls) -> str:
        return revisions.HEAD

    @classmethod
    def version_profile(cls, profile: Profile) -> str | None:
        return dos.version_profile(cls.location(profile))

    @classmethod
    def initialise(cls, profile: Profile, reset: bool = False) -> bool:
        return dos.initialise(cls.location(profile), reset=reset)

    @classmethod
    def migrate(cls, profile: Profile) -> None:
        """Migrate the schema, then build any declared index the migration dropped (a SQLite
        migration that rebuilds a table loses the expression indexes on it)."""
        dos.migrate(cls.location(profile))
        storage = cls(profile)
        try:
            storage.indexes.ensure()
        finally:
            storage.close()

    @classmethod
    def storage_parts(cls, profile: Profile) -> list[StoragePart]:
        return removal.storage_parts(cls.location(profile))

    @classmethod
    def existing_parts(cls, profile: Profile) -> frozenset[str]:
        return removal.existing_parts(cls.location(profile))

    @classmethod
    def destroy(
        cls,
        profile: Profile,
        keys: Collection[str] | None = None,
        *,
        keep_going: bool = False,
        require_empty: bool = False,
    ) -> None:
        removal.destroy(cls.location(profile), keys, keep_going=keep_going, require_empty=require_empty)

    # -- an open storage ------------------------------------------------------------------------

    def __init__(self, profile: Profile, *, read_only: bool = False) -> None:
        """Open the profile's storage; ``read_only`` opens its database so that it refuses writes.

        Read-only, every write that reaches the database raises ``ReadOnlyStorageError`` (see
        ``storage/sql/engines.py``), and so does every write to the container, before it begins
        (storing a node writes its files first: they would be left behind unreferenced).
        """
        self._profile = profile
        self._location = self.location(profile, read_only=read_only)
        self._store, repository = dos.open_storage(self._location)
        self._repository = _ReadOnlyContainer(repository.path) if read_only else repository
        self.indexes.load()  # the compiler writes filters on declared paths as their indexes

    @classmethod
    def open_read_only(cls, profile: Profile) -> SqlDosBackend:
        return cls(profile, read_only=True)

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
        removal.destroy(self._location)
        LOGGER.info("deleted the storage at %s", self._location.describe())

    # -- writes ------------------------------------------------------------------------------

    def bulk_insert(
        self,
        entity_type: EntityTypes,
        rows: Sequence[Mapping[str, Any]],
        allow_defaults: bool = False,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        return self._store.bulk_insert(entity_type, rows, allow_defaults, savepoint=savepoint)

    def bulk_insert_columns(
        self, entity_type: EntityTypes, columns: Mapping[str, Sequence[Any]], *, savepoint: bool = True
    ) -> list[int]:
        return self._store.bulk_insert_columns(entity_type, columns, savepoint=savepoint)

    def bulk_insert_from_sqlite(
        self,
        entity_type: EntityTypes,
        database: Path,
        query: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        return self._store.bulk_insert_from_sqlite(
            entity_type, database, query, parameters, savepoint=savepoint
        )

    def bulk_update(self, entity_type: EntityTypes, rows: Sequence[Mapping[str, Any]]) -> None:
        self._store.bulk_update(entity_type, rows)

    def delete_nodes_and_connections(self, pks_to_delete: Sequence[int]) -> None:
        self._store.delete_nodes_and_connections(pks_to_delete)

    def delete_rows(self, entity_type: EntityTypes, ids: Sequence[int]) -> None:
        with (
            translate_errors(f"deleting {EntityTypes(entity_type).value} rows"),
            self._store.transaction() as conn,
        ):
            rows.delete_rows(conn, entity_type, ids)

    def add_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        with translate_errors(f"adding nodes to group {group_id}"), self._store.transaction() as conn:
            graph.add_group_nodes(conn, group_id, node_ids)

    def remove_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        with translate_errors(f"removing nodes from group {group_id}"), self._store.transaction() as conn:
            graph.remove_group_nodes(conn, group_id, node_ids)

    # -- repository, settings, maintenance ------------------------------------------------------

    def get_repository(self) -> DiskObjectStoreRepository:
        return self._repository

    def set_global_variable(
        self, key: str, value: Any, description: str | None = None, overwrite: bool = True
    ) -> None:
        self._store.set_global_variable(key, value, description, overwrite)

    def get_global_variable(self, key: str) -> Any:
        return self._store.get_global_variable(key)

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

    def maintain(
        self,
        full: bool = False,
        dry_run: bool = False,
        progress: MaintenanceProgress | None = None,
        **kwargs: Any,
    ) -> MaintenanceReport:
        """Quick: pack loose objects, clean the container, refresh the database's statistics.
        Full: first delete the objects no node refers to, then also repack and vacuum.

        Unreferenced objects are deleted only in a full maintenance: a process storing a node
        writes its objects before the row that refers to them, so while other processes work an
        object may be unreferenced for a moment and still be needed. ``full`` needs the
        profile's exclusive lock, which the caller holds (see :meth:`StorageBackend.maintain`):
        taking it here would make storage import the access records of the layer above it.
        """
        report = MaintenanceReport(full=full, dry_run=dry_run)
        unreferenced = self.get_unreferenced_keyset()  # CorruptStorage (before any change) if one is missing
        size = self._repository.total_size(unreferenced)
        if full:
            verb = "would be deleted" if dry_run else "deleted"
            freed = None
            if not dry_run and unreferenced:
                LOGGER.info("deleting %d unreferenced objects", len(unreferenced))
                self._repository.delete_objects(sorted(unreferenced))
                freed = size
            report.add(
                "unreferenced objects", f"{len(unreferenced):,} objects ({size:,} bytes) {verb}", freed
            )
        else:
            report.unreferenced_left, report.unreferenced_left_bytes = len(unreferenced), size
        report.extend(self._repository.maintain(dry_run=dry_run, live=not full, progress=progress, **kwargs))
        indexes_step = self._declared_indexes_step(dry_run)
        if indexes_step is not None:
            report.steps.append(indexes_step)
        report.steps.append(self._store.maintain_database(full=full, dry_run=dry_run))
        return report

    def _declared_indexes_step(self, dry_run: bool) -> MaintenanceStep | None:
        """Build the declared indexes the database lacks (a restore of an older backup, a failed
        build): maintenance leaves the storage as its declarations say. None if none is declared."""
        statuses = self.indexes.status()
        if not statuses:
            return None
        missing = [status.declaration for status in statuses if not status.present]
        names = ", ".join(item.describe() for item in missing)
        if not missing:
            return MaintenanceStep("declared indexes", f"all {len(statuses)} present")
        if dry_run:
            return MaintenanceStep("declared indexes", f"would build {len(missing)} missing: {names}")
        self.indexes.ensure()
        return MaintenanceStep(
            "declared indexes",
            f"built {len(missing)} missing: {names}",
            -sum(status.size_bytes or 0 for status in self.indexes.status() if status.declaration in missing),
        )

    # -- backups ---------------------------------------------------------------------------------

    def backup(
        self, dest: Path | str, keep: int | None = None, *, progress: ProgressCallback | None = None
    ) -> BackupSummary:
        """Back up the database (one snapshot), then the container; see ``storage/sql/backup/run.py``."""
        if self.is_closed:
            raise StorageError(f"{self} is closed; open it again to back it up")
        method = self.database_backup(self._profile)
        return backups.back_up(
            self._profile, self._store.engine, method, Path(dest), keep=keep, progress=progress
        )

    @classmethod
    def restore_backup(
        cls, source: Path | str, profile: Profile, *, progress: ProgressCallback | None = None
    ) -> RestoreSummary:
        summary = backups.restore(Path(source), cls.database_backup(profile), profile, progress)
        storage = cls(profile)
        try:  # a restored PostgreSQL database has no planner statistics; a declared index may be missing
            storage.indexes.ensure()
            storage.refresh_statistics()
        finally:
            storage.close()
        return summary

    def refresh_statistics(self) -> None:
        """Refresh the planner's statistics of the node and link tables now (``SqlDialect``'s way)."""
        with translate_errors("refreshing the planner's statistics"), self._store.engine.connect() as conn:
            self._store.dialect.refresh_statistics(conn)
