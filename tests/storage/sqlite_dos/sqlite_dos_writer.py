"""Run in a spawned process by test_sqlite_dos_concurrency: many small write transactions.

Each transaction reads before it writes, the pattern that fails with "database is locked" when
a read transaction has to upgrade to a write lock; write transactions must queue instead.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from provgraph.config.profile import Profile
from provgraph.storage import EntityTypes
from provgraph.storage.sql.tables import users
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend


def write_users(profile: Profile, worker: int, count: int, start: Any) -> None:
    """Wait at ``start`` (a barrier of all workers), then insert ``count`` users, one transaction each."""
    storage = SqliteDosBackend(profile)
    try:
        start.wait(60)
        for index in range(count):
            with storage.transaction() as connection:
                connection.execute(select(func.count()).select_from(users)).scalar_one()
                storage.bulk_insert(
                    EntityTypes.USER, [{"email": f"w{worker}-{index}@x"}], allow_defaults=True
                )
    finally:
        storage.close()
