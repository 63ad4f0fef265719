"""Run in spawned processes by test_sql_bulk_writes: multi-row inserts racing on one SQLite file."""

from __future__ import annotations

from typing import Any

from provgraph.config.profile import Profile
from provgraph.storage import EntityTypes
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend


def insert_labelled_nodes(
    profile: Profile, worker: int, user: int, *, batches: int, size: int, start: Any
) -> dict[int, str]:
    """Wait at ``start``, insert ``batches`` batches of nodes; return each returned id's label."""
    storage = SqliteDosBackend(profile)
    returned: dict[int, str] = {}
    try:
        start.wait(60)
        for batch in range(batches):
            labels = [f"w{worker}-b{batch}-{index}" for index in range(size)]
            rows = [{"user_id": user, "label": label} for label in labels]
            ids = storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
            returned.update(zip(ids, labels, strict=True))
    finally:
        storage.close()
    return returned
