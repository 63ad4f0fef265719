"""Maintenance beside real processes: writers keep every file, a killed maintenance leaves a sound storage.

Writers and maintenances run in spawned child processes on the registered test profile, on both
SQL backends.
"""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

import pytest
from tests.child_processes import kill_child, spawn_child, wait_for_rows
from tests.orm.concurrent_store import NODES_PER_CHAIN, store_chains
from tests.storage.maintain_child import run_maintenance

from provgraph.access import ProfileAccessManager
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.tools.integrity import check_integrity


def _storage() -> SqlDosBackend:
    storage = get_manager().get_profile_storage()
    assert isinstance(storage, SqlDosBackend)
    return storage


def _assert_every_file_is_there(storage: SqlDosBackend) -> int:
    """Every object a node refers to exists and holds content hashing to its key; returns how many."""
    storage.get_unreferenced_keyset(check_consistency=True)  # raises CorruptStorage for a missing one
    keys: list[str] = []
    for row in storage.get_rows(EntityTypes.NODE, columns=["repository_metadata"]):
        stack = [row["repository_metadata"]]
        while stack:
            entry = stack.pop()
            if "k" in entry:
                keys.append(entry["k"])
            stack.extend(entry.get("o", {}).values())
    repository = storage.get_repository()
    for key, stream in repository.iter_object_streams(keys):
        assert hashlib.sha256(stream.read()).hexdigest() == key
    return len(keys)


def test_quick_maintenance_beside_a_writer_loses_nothing(registered_profile: Profile) -> None:
    storage = _storage()
    chains = 150
    writer = spawn_child(store_chains, registered_profile.name, 0, chains, None, True)
    try:
        wait_for_rows(lambda: storage.count_rows(EntityTypes.NODE), 40, writer, "writer")
        rounds = 0
        while writer.is_alive() or rounds < 2:
            storage.maintain()  # packs the writer's loose files while it writes more
            rounds += 1
            time.sleep(0.05)
    finally:
        writer.join(120)
    assert writer.exitcode == 0
    assert rounds >= 2
    assert storage.count_rows(EntityTypes.NODE) == chains * NODES_PER_CHAIN
    assert _assert_every_file_is_there(storage) == chains * 3  # two inputs and the output have a file
    storage.maintain()
    assert storage.get_repository().get_info()["Objects"]["loose"] == 0


def _wait_for_a_pack_writer(storage: SqlDosBackend, child: object, timeout: float = 60.0) -> bool:
    """Wait until the child writes a pack (its lock file exists); False if it ended first."""
    folder = _container_folder(storage) / "packs"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(folder.glob("*.lock")):
            return True
        if not child.is_alive():  # type: ignore[attr-defined]
            return False
        time.sleep(0.001)
    raise AssertionError("the maintenance neither packed nor ended in time")


def _container_folder(storage: SqlDosBackend) -> Path:
    return Path(type(storage).location(storage.profile).container_path)


@pytest.mark.parametrize("full", [False, True])
def test_a_killed_maintenance_leaves_a_sound_storage(registered_profile: Profile, full: bool) -> None:
    """Killed while it writes a pack (a moment later each round): the storage stays sound, and
    the lock file the killed pack writer leaves is cleared by the next full maintenance."""
    storage = _storage()
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "k@x"}], allow_defaults=True)[0]
    killed_while_packing = 0
    for round_, delay in enumerate((0.0, 0.02, 0.1)):
        repository = storage.get_repository()
        keys = [
            repository.put_object_from_filelike(io.BytesIO(f"{round_} {index} ".encode() * 200))
            for index in range(1500)
        ]
        rows = [{"user_id": user, "repository_metadata": {"o": {"f": {"k": key}}}} for key in keys[:1000]]
        storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)  # 500 objects stay unreferenced
        get_manager().reset_profile_storage()  # this process lets go, so that a full one may lock
        child = spawn_child(run_maintenance, registered_profile.name, full)
        if _wait_for_a_pack_writer(storage, child):
            time.sleep(delay)
            if child.is_alive():
                kill_child(child)
                killed_while_packing += 1
        child.join(60)
        assert child.exitcode in (0, -9), "the maintenance failed on its own"
        storage = _storage()
        assert _assert_every_file_is_there(storage) >= 1000 * (round_ + 1)
        integrity = check_integrity(storage, read_objects=True, hash_sample=None)
        assert integrity.is_clean, integrity.summary()
        if any((_container_folder(storage) / "packs").glob("*.lock")):
            # a quick maintenance cannot know the lock is stale: it skips packing and says so
            report = storage.maintain()
            assert "a full maintenance clears it" in report.steps[0].detail
    assert killed_while_packing >= 1
    get_manager().reset_profile_storage()
    with ProfileAccessManager(registered_profile).lock():  # the killed one's lock went with it
        storage = _storage()
        storage.maintain(full=True)
    assert not any((_container_folder(storage) / "packs").glob("*.lock"))
    assert storage.get_unreferenced_keyset() == set()
    assert _assert_every_file_is_there(storage) == 3000
    assert storage.get_repository().get_info()["Objects"]["loose"] == 0
