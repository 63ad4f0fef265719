"""``core.sqlite_zip``: an AiiDA archive opened as a read-only storage, without importing it.

An archive at the head version (``main_0001``) holds AiiDA's tables in ``db.sqlite3`` and the
file contents under ``repo/``, so everything that reads a profile (the ORM, the QueryBuilder,
the CLI) can read an archive too. Storage config: ``{"filepath": "<archive path>"}``.

Where the data is read:

* The database of a zip cannot be opened inside the zip, so on the first read it is inflated
  into a private temporary file, opened read-only, and removed on
  :meth:`SqliteZipBackend.close` or, if nobody closes the storage, when it is garbage collected
  or the interpreter exits; the file is named with the PID (``common/scratch.py``), so that the
  copy of a killed process is swept by the next one. Opening the storage itself inflates
  nothing: asking a profile for its version or info should not cost a copy of a large database.
* An unzipped folder's ``db.sqlite3`` is opened in place, read-only.
* File contents are read straight out of the archive (:class:`ArchiveRepository`).

Every write raises ``ReadOnlyStorageError`` before it reaches the database; the database is
opened read-only as well, as a backstop. ``transaction()`` is allowed as a block of consistent
reads, since the ORM groups reads in transactions too.
"""

from __future__ import annotations

import copy
import logging
import os
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, NoReturn

from provgraph.common.archive_format import (
    DB_FILENAME,
    HEAD_VERSION,
    archive_container,
    check_version,
    extract_database,
    probe_database,
    read_metadata,
)
from provgraph.common.scratch import scratch_file
from provgraph.config.profile import Profile
from provgraph.exceptions import (
    ArchiveError,
    ConfigurationError,
    CorruptStorage,
    IncompatibleArchiveVersionError,
    IncompatibleStorageSchema,
    ReadOnlyStorageError,
    StorageError,
    UnreachableStorage,
)
from provgraph.repository.archive import ArchiveRepository
from provgraph.storage.abstract import EntityTypes
from provgraph.storage.sql.base import SqlBackend
from provgraph.storage.sql.engines import sqlite_engine
from provgraph.storage.sql.store import SqlStore

__all__ = ["STARTING_SET_PREVIEW", "SqliteZipBackend", "archive_path", "summarise_metadata"]

LOGGER = logging.getLogger(__name__)

#: How many entries of each starting-set list ``get_info`` shows unless asked for details.
STARTING_SET_PREVIEW = 5


def archive_path(profile: Profile) -> Path:
    """The archive a ``core.sqlite_zip`` profile reads (``ConfigurationError`` if not named)."""
    filepath = profile.storage_config.get("filepath")
    if not isinstance(filepath, str) or not filepath:
        raise ConfigurationError(
            f"profile {profile.name!r}: core.sqlite_zip needs the archive's path in 'filepath', "
            f"got {filepath!r}"
        )
    return Path(filepath).expanduser().absolute()


@contextmanager
def _as_storage_errors() -> Iterator[None]:
    """Archive errors as the storage errors the :class:`StorageBackend` contract names.

    The message stays the archive's (it says what is wrong with which file); only the type
    changes, so that callers handling storage errors handle archives too.
    """
    try:
        yield
    except IncompatibleArchiveVersionError as exc:
        raise IncompatibleStorageSchema(str(exc)) from exc
    except ArchiveError as exc:
        raise CorruptStorage(str(exc)) from exc


def _validate(path: Path) -> dict[str, Any]:
    """The archive's metadata, after checking it can be read as a storage at all.

    Cheap on purpose (metadata.json and the first bytes of ``db.sqlite3``): the database's
    tables are checked when it is first opened.
    """
    if not path.exists():
        raise UnreachableStorage(f"there is no archive at {path}; check the profile's storage 'filepath'")
    with _as_storage_errors():
        metadata = read_metadata(path)
        version = check_version(metadata.get("export_version"), path)
        if version != HEAD_VERSION:
            raise IncompatibleStorageSchema(
                f"archive {path} is at version {version!r} but reading it as a storage needs "
                f"{HEAD_VERSION!r}; run `provgraph archive migrate {path} OUTPUT` and open OUTPUT instead"
            )
        probe_database(path)
    return metadata


def summarise_metadata(metadata: Mapping[str, Any], detailed: bool) -> dict[str, Any]:
    """``metadata`` for ``storage info``: each starting-set list cut to a few entries unless ``detailed``.

    An export of thousands of nodes names each of them in its starting set; a summary that
    prints them all is no summary.
    """
    summary = copy.deepcopy(dict(metadata))
    if detailed:
        return summary
    starting_set = (summary.get("creation_parameters") or {}).get("entities_starting_set")
    if isinstance(starting_set, dict):
        for name, values in starting_set.items():
            if isinstance(values, list) and len(values) > STARTING_SET_PREVIEW:
                rest = len(values) - STARTING_SET_PREVIEW
                starting_set[name] = [*values[:STARTING_SET_PREVIEW], f"... and {rest} more"]
    return summary


def _remove_file(path: Path) -> None:
    """Remove an extracted database (run by ``close`` or by the finaliser, at most once)."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # pragma: no cover - e.g. the temp folder vanished
        LOGGER.warning("could not remove the temporary archive database %s: %s", path, exc)


class SqliteZipBackend(SqlBackend):
    """An AiiDA archive (zip or folder, version ``main_0001``) read as a storage; never written."""

    read_only: ClassVar[bool] = True
    label: ClassVar[str] = "AiiDA archive (read-only)"

    # -- lifecycle without an open storage ------------------------------------------------------

    @classmethod
    def version_head(cls) -> str:
        """The archive version this backend reads: the current export format."""
        return HEAD_VERSION

    @classmethod
    def version_profile(cls, profile: Profile) -> str | None:
        """The archive's ``export_version`` (None if there is no file at the profile's path)."""
        path = archive_path(profile)
        if not path.exists():
            return None
        with _as_storage_errors():
            return check_version(read_metadata(path).get("export_version"), path)

    @classmethod
    def initialise(cls, profile: Profile, reset: bool = False) -> bool:
        """Refused: an archive is written by ``provgraph archive create``, not by a storage."""
        raise ReadOnlyStorageError(
            f"core.sqlite_zip cannot create or reset a storage: it only reads the existing archive "
            f"{archive_path(profile)} (write archives with `provgraph archive create`)"
        )

    @classmethod
    def migrate(cls, profile: Profile) -> None:
        """Nothing to do at head; an older archive is migrated into a new file, never in place here."""
        path = archive_path(profile)
        version = cls.version_profile(profile)
        if version == HEAD_VERSION:
            return
        if version is None:
            raise UnreachableStorage(f"there is no archive at {path} to migrate")
        raise ReadOnlyStorageError(
            f"archive {path} is at version {version!r} and a read-only storage cannot migrate it; run "
            f"`provgraph archive migrate {path} OUTPUT` and point the profile at OUTPUT"
        )

    # -- an open storage ------------------------------------------------------------------------

    def __init__(self, profile: Profile) -> None:
        """Validate the archive (exists, version at head, metadata and database readable).

        The database is not extracted yet: see the module docstring.
        """
        self._profile = profile
        self._path = archive_path(profile)
        self._metadata = _validate(self._path)
        with _as_storage_errors():
            self._zipped = archive_container(self._path) == "zip"
            self._repository = ArchiveRepository(self._path)
        self._lock = threading.Lock()
        self._store: SqlStore | None = None
        self._closed = False
        self._cleanup: weakref.finalize[[Path], SqliteZipBackend] | None = None

    def __str__(self) -> str:
        state = "closed" if self.is_closed else "open"
        return f"{self.label} [{state}] @ {self._path}"

    @property
    def profile(self) -> Profile:
        return self._profile

    @property
    def filepath(self) -> Path:
        """The archive this storage reads."""
        return self._path

    @property
    def metadata(self) -> dict[str, Any]:
        """The archive's ``metadata.json`` (a copy)."""
        return copy.deepcopy(self._metadata)

    @property
    def sql(self) -> SqlStore:
        """The archive's database, extracted (zip) or opened in place (folder) on first use."""
        with self._lock:
            if self._closed:
                raise StorageError(f"the storage of archive {self._path} is closed; open it again to use it")
            if self._store is None:
                self._store = self._open_database()
            return self._store

    def _open_database(self) -> SqlStore:
        if self._zipped:
            descriptor, destination = scratch_file("provgraph-archive-", ".sqlite3")
            os.close(descriptor)
            # Removes the copy when this storage is collected or the interpreter exits unclosed.
            self._cleanup = weakref.finalize(self, _remove_file, destination)
            LOGGER.debug("extracting the database of %s into %s", self._path, destination)
        else:
            destination = self._path / DB_FILENAME  # a folder's database is used where it is
        try:
            with _as_storage_errors():
                database = extract_database(self._path, destination)
            return SqlStore(sqlite_engine(database, read_only=True), read_only=True)
        except BaseException:
            self._remove_extracted()
            raise

    def _remove_extracted(self) -> None:
        cleanup, self._cleanup = self._cleanup, None
        if cleanup is not None:
            cleanup()

    def close(self) -> None:
        """Close the database and the archive and remove the extracted database, if any."""
        with self._lock:
            self._closed = True
            store, self._store = self._store, None
            try:
                if store is not None:
                    store.close()
                self._repository.close()
            finally:
                self._remove_extracted()

    @property
    def is_closed(self) -> bool:
        return self._closed

    def delete(self) -> None:
        """Refused: the archive is the user's file, which a storage must never remove."""
        raise NotImplementedError(
            f"provgraph does not delete the archive {self._path} behind a core.sqlite_zip storage; "
            "remove the file yourself if you no longer need it"
        )

    # -- writes: refused ------------------------------------------------------------------------

    def _refuse(self, action: str) -> NoReturn:
        raise ReadOnlyStorageError(
            f"cannot {action}: the storage of archive {self._path} is read-only; import it with "
            "`provgraph archive import` to change it"
        )

    def _clear(self) -> None:
        self._refuse("clear the storage")

    def bulk_insert(
        self,
        entity_type: EntityTypes,
        rows: Sequence[Mapping[str, Any]],
        allow_defaults: bool = False,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        self._refuse(f"insert {EntityTypes(entity_type).value} rows")

    def bulk_insert_from_sqlite(
        self,
        entity_type: EntityTypes,
        database: Path,
        query: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        savepoint: bool = True,
    ) -> list[int]:
        self._refuse(f"insert {EntityTypes(entity_type).value} rows")

    def bulk_update(self, entity_type: EntityTypes, rows: Sequence[Mapping[str, Any]]) -> None:
        self._refuse(f"update {EntityTypes(entity_type).value} rows")

    def delete_nodes_and_connections(self, pks_to_delete: Sequence[int]) -> None:
        self._refuse("delete nodes")

    def delete_rows(self, entity_type: EntityTypes, ids: Sequence[int]) -> None:
        self._refuse(f"delete {EntityTypes(entity_type).value} rows")

    def add_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        self._refuse(f"add nodes to group {group_id}")

    def remove_group_nodes(self, group_id: int, node_ids: Sequence[int]) -> None:
        self._refuse(f"remove nodes from group {group_id}")

    def set_global_variable(
        self, key: str, value: Any, description: str | None = None, overwrite: bool = True
    ) -> None:
        self._refuse(f"set global variable {key!r}")

    # -- repository, settings, summary ----------------------------------------------------------

    def get_repository(self) -> ArchiveRepository:
        return self._repository

    def get_global_variable(self, key: str) -> Any:
        """Always ``KeyError``: an archive carries no settings (``db_dbsetting`` is left empty)."""
        raise KeyError(f"archive {self._path} has no global variable {key!r} (archives keep no settings)")

    def get_info(self, detailed: bool = False) -> dict[str, Any]:
        """The archive's metadata (long starting sets cut unless ``detailed``), entities, repository."""
        return {"metadata": summarise_metadata(self._metadata, detailed), **super().get_info(detailed)}
