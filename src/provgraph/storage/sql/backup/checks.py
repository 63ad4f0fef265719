"""The checks a restored storage passes before it is moved into place.

Every row that refers to another row finds it (all foreign keys: links, group members, comments,
logs, ...), every object a node refers to is in the container, the row counts are those the
backup recorded, and the database's own check passes (SQLite's ``quick_check``). PostgreSQL
validated its foreign keys when the dump re-created them; the row checks run on both, so that
one code path says what is wrong, by name.
"""

from __future__ import annotations

from sqlalchemy import Connection, exists, func, select

from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage.sql.backup.database import DatabaseBackup
from provgraph.storage.sql.store import SqlStore
from provgraph.storage.sql.tables import METADATA

__all__ = ["consistency_problems"]


def consistency_problems(
    method: DatabaseBackup,
    store: SqlStore,
    repository: DiskObjectStoreRepository,
    expected_counts: dict[str, int],
) -> list[str]:
    """What is wrong with the storage (an empty list: nothing), one phrase each."""
    with store.connection() as connection:
        problems = method.own_problems(connection) + _dangling_references(connection)
        snapshot = method.snapshot(connection)
    for name, count in snapshot.counts.items():
        if name in expected_counts and expected_counts[name] != count:
            problems.append(f"{count} {name.lower()} where the backup recorded {expected_counts[name]}")
    keys = sorted(snapshot.keys)
    missing = [key for key, present in zip(keys, repository.has_objects(keys), strict=True) if not present]
    if missing:
        problems.append(f"{len(missing)} objects that nodes refer to are missing from the container")
    return problems


def _dangling_references(connection: Connection) -> list[str]:
    """Rows whose foreign key names a row that does not exist, per table and column."""
    problems = []
    for table in METADATA.sorted_tables:
        for foreign_key in table.foreign_keys:
            column, target = foreign_key.parent, foreign_key.column
            dangling = connection.execute(
                select(func.count())
                .select_from(table)
                .where(column.is_not(None), ~exists().where(target == column))
            ).scalar_one()
            if dangling:
                missing = target.table.name
                problems.append(
                    f"{dangling} rows of {table.name} whose {column.name} names a missing {missing} row"
                )
    return problems
