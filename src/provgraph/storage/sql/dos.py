"""Create, migrate, open and validate a SQL database paired with a disk-objectstore container.

The pairing is recorded in ``db_dbsetting`` under ``repository|uuid`` (AiiDA's key): the
container's ``container_id``. Opening checks the schema revision and this pairing, so a profile
pointed at the wrong container is refused instead of silently losing file contents.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, delete, insert, select
from sqlalchemy.exc import DBAPIError

from provgraph.common.pause import pause_point
from provgraph.exceptions import CorruptStorage, IncompatibleStorageSchema, UnreachableStorage
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage.sql import removal, revisions
from provgraph.storage.sql.location import DosLocation
from provgraph.storage.sql.store import SqlStore
from provgraph.storage.sql.tables import nodes, settings

if TYPE_CHECKING:
    from provgraph.storage.sql.migrator import Migrator

__all__ = [
    "REPOSITORY_UUID_KEY",
    "initialise",
    "migrate",
    "open_storage",
    "referenced_keys",
    "version_profile",
]

LOGGER = logging.getLogger(__name__)

REPOSITORY_UUID_KEY = "repository|uuid"


@contextmanager
def _engine(location: DosLocation) -> Iterator[Engine]:
    engine = location.create_engine()
    try:
        yield engine
    finally:
        engine.dispose()


def _current_revision(engine: Engine, location: DosLocation) -> str | None:
    """The schema revision, turning a failure to connect into ``UnreachableStorage``."""
    try:
        return revisions.current_revision(engine)
    except DBAPIError as exc:
        reason = location.mask(" ".join(str(exc.orig).split()))
        raise UnreachableStorage(
            f"cannot reach the storage at {location.describe()}: {reason}; {location.unreachable_hint}"
        ) from exc


def version_profile(location: DosLocation) -> str | None:
    """The schema revision at ``location``, None if there is no initialised database."""
    if not location.database_exists():
        return None
    with _engine(location) as engine:
        return _current_revision(engine, location)


def initialise(location: DosLocation, reset: bool = False) -> bool:
    """Create the storage at head; migrate it instead (returning False) if it exists."""
    if reset:
        LOGGER.warning("destroying the storage at %s to create it anew", location.describe())
        removal.destroy(location)
    if not location.database_exists():
        location.create_database()
        pause_point("database-created")
    with _engine(location) as engine:
        if _current_revision(engine, location) is not None:
            _upgrade(engine, location)
            return False
        _create_schema(engine, location)
    return True


def migrate(location: DosLocation) -> None:
    """Bring the storage to head (creating the schema of an empty database); all or nothing."""
    if not location.database_exists():
        raise UnreachableStorage(f"there is no storage at {location.describe()}; {location.unreachable_hint}")
    with _engine(location) as engine:
        if _current_revision(engine, location) is None:
            _create_schema(engine, location)
        else:
            _upgrade(engine, location)


def _upgrade(engine: Engine, location: DosLocation) -> None:
    if revisions.current_revision(engine) == revisions.HEAD:
        LOGGER.info("the storage at %s is already at schema revision %s", location.describe(), revisions.HEAD)
        return
    _migrator(engine, location).upgrade()


def _migrator(engine: Engine, location: DosLocation) -> Migrator:
    """The schema changer, imported only here: alembic is not needed to open a storage."""
    from provgraph.storage.sql.migrator import Migrator

    return Migrator(engine, location.describe())


def _create_schema(engine: Engine, location: DosLocation) -> None:
    """Create the container, then the schema and the pairing record in one transaction."""
    repository = DiskObjectStoreRepository(location.container_path)
    repository.initialise()
    pause_point("container-created")
    container_id = repository.uuid

    def record_pairing(connection: Connection) -> None:
        write_repository_uuid(connection, container_id)

    _migrator(engine, location).upgrade(then=record_pairing)
    LOGGER.info("created the storage at %s", location.describe())
    pause_point("schema-created")


def write_repository_uuid(connection: Connection, container_id: str | None) -> None:
    """Record which container belongs to this database (inside the caller's transaction)."""
    connection.execute(delete(settings).where(settings.c.key == REPOSITORY_UUID_KEY))
    connection.execute(
        insert(settings).values(key=REPOSITORY_UUID_KEY, val=container_id, description="Repository UUID")
    )


def open_storage(location: DosLocation) -> tuple[SqlStore, DiskObjectStoreRepository]:
    """Connect and validate: schema at head, container present and paired with the database."""
    engine = location.create_engine()
    try:
        _check_revision(_current_revision(engine, location), location)
        store = SqlStore(engine)
        repository = DiskObjectStoreRepository(location.container_path)
        _check_pairing(store, repository, location)
    except BaseException:
        engine.dispose()
        raise
    return store, repository


def _check_revision(revision: str | None, location: DosLocation) -> None:
    head = revisions.HEAD
    where = location.describe()
    if revision == head:
        return
    if revision is None:
        raise IncompatibleStorageSchema(
            f"the storage at {where} is not initialised (no schema revision found, this code needs "
            f"{head!r}); run `provgraph storage migrate` to initialise it"
        )
    if not revisions.is_known(revision):
        raise IncompatibleStorageSchema(
            f"the storage at {where} has schema revision {revision!r}, written by a newer version than "
            f"this one (which knows up to {head!r}); it is refused: upgrade provgraph to use it"
        )
    raise IncompatibleStorageSchema(
        f"the storage at {where} has schema revision {revision!r} but this code needs {head!r}; "
        "back it up, then run `provgraph storage migrate`"
    )


def _check_pairing(store: SqlStore, repository: DiskObjectStoreRepository, location: DosLocation) -> None:
    where = location.describe()
    if not repository.is_initialised:
        raise CorruptStorage(
            f"the repository container of the storage at {where} is missing at {repository.path}; "
            "restore it from a backup or fix the profile's repository location"
        )
    try:
        expected = store.get_global_variable(REPOSITORY_UUID_KEY)
    except KeyError:
        raise CorruptStorage(
            f"the database at {where} does not record its repository ({REPOSITORY_UUID_KEY!r} missing)"
        ) from None
    if expected != repository.uuid:
        raise CorruptStorage(
            f"the database at {where} belongs to container {expected!r} but {repository.path} holds "
            f"container {repository.uuid!r}; point the profile at the right repository"
        )


def referenced_keys(connection: Connection) -> set[str]:
    """Repository keys named by any node's ``repository_metadata`` (files are ``{"k": key}``)."""
    keys: set[str] = set()
    rows = connection.execute(select(nodes.c.repository_metadata).execution_options(yield_per=1000))
    for (metadata,) in rows:
        _collect_keys(metadata, keys)
    return keys


def _collect_keys(entry: Any, keys: set[str]) -> None:
    stack = [entry]
    while stack:
        item = stack.pop()
        if not isinstance(item, dict):
            continue
        if "k" in item:
            keys.add(item["k"])
        stack.extend(item.get("o", {}).values())
