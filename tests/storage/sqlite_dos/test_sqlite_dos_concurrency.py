"""Several processes writing one sqlite_dos storage at once lose nothing and never see "locked"."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from sqlite_dos_writer import write_users

from provgraph.config.profile import Profile
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend

WORKERS = 4
TRANSACTIONS = 50


def test_concurrent_writers_all_succeed(make_profile: Callable[..., Profile]) -> None:
    profile = make_profile("core.sqlite_dos", busy_timeout_ms=30_000)
    SqliteDosBackend.initialise(profile)
    context = multiprocessing.get_context("spawn")
    manager = context.Manager()
    try:
        start = manager.Barrier(WORKERS)
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
            futures = [
                pool.submit(write_users, profile, worker, TRANSACTIONS, start) for worker in range(WORKERS)
            ]
            errors = [future.exception(timeout=120) for future in futures]
    finally:
        manager.shutdown()
    assert errors == [None] * WORKERS
    with SqliteDosBackend(profile) as storage:
        emails = set(storage.get_entity_details()["Users"]["emails"])
    assert emails == {f"w{worker}-{index}@x" for worker in range(WORKERS) for index in range(TRANSACTIONS)}
