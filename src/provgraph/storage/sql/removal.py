"""The parts of a SQL + disk-objectstore storage, which exist now, and removing them one by one.

A storage is four parts, removed in this order: the database (or, where the database is not
the storage's own, just provgraph's tables in it: the schema), the repository container and the
folder holding it (only if nothing else is left in it). Each is removed on its own and a missing
one counts as removed, so that a half-created storage (a database without tables, a container
without a database) goes as well as a whole one, and a removal that failed can be run again.

Nothing here opens the storage: a half-created one cannot be opened.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, MetaData, Table, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from provgraph.exceptions import StorageDeletionError, StorageError, UnreachableStorage
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage.abstract import StoragePart
from provgraph.storage.sql.engines import write_transaction
from provgraph.storage.sql.location import DosLocation, remove_path, shell_quote
from provgraph.storage.sql.tables import METADATA, users

__all__ = ["CONTAINER", "DATABASE", "FOLDER", "SCHEMA", "destroy", "existing_parts", "storage_parts"]

LOGGER = logging.getLogger(__name__)

DATABASE = "database"
SCHEMA = "schema"
CONTAINER = "container"
FOLDER = "folder"

ALEMBIC_TABLE = "alembic_version"

# Tables whose rows are data: a storage with a row in any of them is not a fresh, empty one.
_DATA_TABLES = (
    "db_dbnode",
    "db_dblink",
    "db_dbgroup",
    "db_dbgroup_dbnodes",
    "db_dbcomment",
    "db_dblog",
    "db_dbcomputer",
    "db_dbauthinfo",
)


def _our_tables() -> set[str]:
    return {*METADATA.tables, ALEMBIC_TABLE}


def storage_parts(location: DosLocation) -> list[StoragePart]:
    """The four parts of the storage at ``location``, in removal order (nothing is checked)."""
    tables = ", ".join(sorted(_our_tables()))
    return [
        StoragePart(DATABASE, location.describe_database(), location.database_removal_hint()),
        StoragePart(
            SCHEMA,
            f"provgraph's tables in {location.describe_database()}",
            location.sql_command_hint(f"DROP TABLE {tables}"),
        ),
        StoragePart(
            CONTAINER,
            f"repository container {location.container_path}",
            f"rm -r {shell_quote(location.container_path)}",
        ),
        StoragePart(FOLDER, f"folder {location.folder}", f"rmdir {shell_quote(location.folder)}"),
    ]


@contextlib.contextmanager
def _engine(location: DosLocation) -> Iterator[Engine]:
    engine = location.create_engine()
    try:
        yield engine
    finally:
        engine.dispose()


def _table_names(location: DosLocation) -> set[str]:
    """The tables in the (existing) database; ``UnreachableStorage`` if it cannot be read."""
    try:
        with _engine(location) as engine:
            return set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        reason = location.mask(" ".join(str(getattr(exc, "orig", exc)).split()))
        raise UnreachableStorage(
            f"cannot read {location.describe_database()}: {reason}; {location.unreachable_hint}"
        ) from exc


def existing_parts(location: DosLocation) -> frozenset[str]:
    """Which parts exist now; ``UnreachableStorage`` if the database cannot be checked."""
    found = set()
    if location.database_exists():
        found.add(DATABASE)
        if _table_names(location) & _our_tables():
            found.add(SCHEMA)
    if location.container_path.exists():
        found.add(CONTAINER)
    if location.folder.exists():
        found.add(FOLDER)
    return frozenset(found)


def destroy(
    location: DosLocation,
    keys: Collection[str] | None = None,
    *,
    keep_going: bool = False,
    require_empty: bool = False,
) -> None:
    """Remove the parts named by ``keys`` (default: all); see ``StorageBackend.destroy``."""
    parts = {part.key: part for part in storage_parts(location)}
    wanted = set(parts) if keys is None else set(keys) & set(parts)
    if require_empty:
        _refuse_data(location, wanted, parts)
    plan = _removal_steps(location, wanted, parts)
    removed: list[str] = []
    left: list[str] = []
    failures: list[str] = []
    for part, remove in plan:
        if failures and not keep_going:
            if _may_exist(location, part.key):
                left.append(
                    f"{part.description} (kept, since the removal stopped); remove it by hand: "
                    f"{part.removal_hint}"
                )
            continue
        try:
            kept = remove() is False
        except (OSError, StorageError) as exc:
            reason = location.mask(" ".join(str(exc).split()))
            failures.append(f"{part.description}: {reason}")
            left.append(f"{part.description} ({reason}); remove it by hand: {part.removal_hint}")
        else:
            if not kept:
                removed.append(part.description)
                LOGGER.info("removed %s", part.description)
    if failures:
        raise StorageDeletionError(f"could not remove {'; '.join(failures)}", removed=removed, left=left)


def _removal_steps(
    location: DosLocation, wanted: set[str], parts: dict[str, StoragePart]
) -> list[tuple[StoragePart, Callable[[], object]]]:
    """What to remove, in order; a step returning False kept its part on purpose."""
    steps: list[tuple[StoragePart, Callable[[], object]]] = []
    if DATABASE in wanted:
        steps.append((parts[DATABASE], location.drop_database))  # the schema goes with it
    elif SCHEMA in wanted:
        steps.append((parts[SCHEMA], lambda: _drop_schema(location)))
    if CONTAINER in wanted:
        steps.append((parts[CONTAINER], lambda: remove_path(location.container_path)))
    if FOLDER in wanted:
        steps.append((parts[FOLDER], lambda: _remove_if_empty(location)))
    return steps


def _may_exist(location: DosLocation, key: str) -> bool:
    """Whether a part not removed is (or may be) still there; unknown counts as there."""
    if key == CONTAINER:
        return location.container_path.exists()
    if key == FOLDER:
        return False  # only ever removed when empty: nothing is lost by keeping it
    try:
        return key in existing_parts(location)
    except StorageError:
        return True


def _remove_if_empty(location: DosLocation) -> bool:
    """Remove the folder unless something is left in it (False): what is not the storage's stays."""
    try:
        if any(location.folder.iterdir()):
            LOGGER.info("kept folder %s: it holds files that are not the storage's", location.folder)
            return False
        location.folder.rmdir()
    except FileNotFoundError:
        return False
    return True


def _drop_schema(location: DosLocation) -> None:
    """Drop provgraph's tables (and only those) from a database that is not the storage's own."""
    if not location.database_exists():
        return
    present = _table_names(location) & _our_tables()
    if not present:
        return
    try:
        with _engine(location) as engine, write_transaction(engine) as connection:
            METADATA.drop_all(connection, checkfirst=True)
            Table(ALEMBIC_TABLE, MetaData()).drop(connection, checkfirst=True)
    except SQLAlchemyError as exc:
        reason = location.mask(" ".join(str(getattr(exc, "orig", exc)).split()))
        raise StorageError(f"cannot drop the tables: {reason}") from exc


@dataclass(frozen=True)
class _Finding:
    part: StoragePart
    what: str


def _refuse_data(location: DosLocation, wanted: set[str], parts: dict[str, StoragePart]) -> None:
    """Raise before removing anything if a wanted part holds data (or cannot be checked)."""
    findings = [*_database_findings(location, wanted, parts), *_container_findings(location, wanted, parts)]
    if not findings:
        return
    details = "; ".join(f"{finding.part.description} {finding.what}" for finding in findings)
    left = [
        f"{finding.part.description} ({finding.what}); left alone: remove it by hand if it is yours: "
        f"{finding.part.removal_hint}"
        for finding in findings
    ]
    raise StorageDeletionError(
        f"nothing was removed: {details}, so it is not an empty storage made by provgraph", left=left
    )


def _database_findings(
    location: DosLocation, wanted: set[str], parts: dict[str, StoragePart]
) -> list[_Finding]:
    if not wanted & {DATABASE, SCHEMA}:
        return []
    part = parts[DATABASE] if DATABASE in wanted else parts[SCHEMA]
    try:
        if not location.database_exists():
            return []
        tables = _table_names(location)
    except StorageError as exc:
        return [_Finding(part, f"cannot be checked ({exc})")]
    findings = []
    foreign = sorted(tables - _our_tables())
    if DATABASE in wanted and foreign:
        findings.append(_Finding(part, f"has tables that are not provgraph's ({', '.join(foreign[:5])})"))
    try:
        rows = _data_rows(location, tables)
    except SQLAlchemyError as exc:
        return [*findings, _Finding(part, f"cannot be checked ({' '.join(str(exc).split())})")]
    if rows:
        findings.append(_Finding(part, f"holds data ({rows})"))
    return findings


def _data_rows(location: DosLocation, tables: set[str]) -> str:
    """Which data tables have rows, e.g. ``"3 db_dbnode rows"``; empty if none (one user is allowed)."""
    found = []
    with _engine(location) as engine, engine.connect() as connection:
        for name in _DATA_TABLES:
            if name in tables:
                table = METADATA.tables[name]
                count = connection.execute(select(func.count()).select_from(table)).scalar_one()
                if count:
                    found.append(f"{count} {name} rows")
        if users.name in tables:
            count = connection.execute(select(func.count()).select_from(users)).scalar_one()
            if count > 1:
                found.append(f"{count} users")
    return ", ".join(found)


def _container_findings(
    location: DosLocation, wanted: set[str], parts: dict[str, StoragePart]
) -> list[_Finding]:
    if CONTAINER not in wanted or not location.container_path.exists():
        return []
    repository = DiskObjectStoreRepository(location.container_path)
    try:
        if not repository.is_initialised:
            return []  # a folder that never became a container (setup stopped while creating it)
        has_objects = next(iter(repository.list_objects()), None) is not None
    except Exception as exc:  # any failure to read it means: not provably empty
        return [_Finding(parts[CONTAINER], f"cannot be checked ({exc})")]
    return [_Finding(parts[CONTAINER], "holds objects")] if has_objects else []
