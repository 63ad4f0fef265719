"""Several processes writing one sqlite_dos storage at once lose nothing and never see "locked"."""

from __future__ import annotations

from collections.abc import Callable

from sqlite_dos_writer import write_users
from tests.child_processes import worker_pool

from provgraph.config.profile import Profile
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend

WORKERS = 4
TRANSACTIONS = 50


def test_concurrent_writers_all_succeed(make_profile: Callable[..., Profile]) -> None:
    profile = make_profile("core.sqlite_dos", busy_timeout_ms=30_000)
    SqliteDosBackend.initialise(profile)
    with worker_pool(WORKERS) as (pool, start):
        futures = [
            pool.submit(write_users, profile, worker, TRANSACTIONS, start) for worker in range(WORKERS)
        ]
        errors = [future.exception(timeout=120) for future in futures]
    assert errors == [None] * WORKERS
    with SqliteDosBackend(profile) as storage:
        emails = set(storage.get_entity_details()["Users"]["emails"])
    assert emails == {f"w{worker}-{index}@x" for worker in range(WORKERS) for index in range(TRANSACTIONS)}
