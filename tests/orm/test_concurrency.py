"""Several processes storing linked nodes into one profile; a killed writer leaves no half node."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from concurrent_store import LINKS_PER_CHAIN, NODES_PER_CHAIN, store_chains
from tests.child_processes import kill_child, spawn_child, wait_for_rows, worker_pool

from provgraph.config.profile import Profile
from provgraph.storage.abstract import EntityTypes, StorageBackend

WORKERS = 4
CHAINS = 500  # 2,000 nodes per worker


def test_concurrent_writers_store_everything(loaded_profile: Profile, backend: StorageBackend) -> None:
    with worker_pool(WORKERS) as (pool, start):
        futures = [
            pool.submit(store_chains, loaded_profile.name, worker, CHAINS, start) for worker in range(WORKERS)
        ]
        results = [future.result(timeout=300) for future in futures]
    assert results == [CHAINS * NODES_PER_CHAIN] * WORKERS
    assert backend.count_rows(EntityTypes.NODE) == WORKERS * CHAINS * NODES_PER_CHAIN
    assert backend.count_rows(EntityTypes.LINK) == WORKERS * CHAINS * LINKS_PER_CHAIN
    _check_consistent(backend)
    labels = {
        row["label"]
        for row in backend.get_rows(EntityTypes.NODE, {"node_type": "data.Data."}, columns=["label"])
    }
    assert len(labels) == WORKERS * CHAINS * 3


def test_killed_writer_leaves_no_half_stored_node(loaded_profile: Profile, backend: StorageBackend) -> None:
    """Kill a writer three times at different moments; the storage stays consistent each time."""
    for round_, pause in enumerate((0.0, 0.007, 0.013)):
        before = backend.count_rows(EntityTypes.NODE)
        process = spawn_child(store_chains, loaded_profile.name, round_, 100_000, None, True)
        try:
            wait_for_rows(lambda: backend.count_rows(EntityTypes.NODE), before + 60, process, "writer")
            time.sleep(pause)  # land somewhere inside a store, not right after our count
        finally:
            kill_child(process)
        _check_consistent(backend)
    from provgraph.orm.nodes.data.data import Data

    Data().store()  # the storage still takes writes after the crashes


def _check_consistent(backend: StorageBackend) -> None:
    """Every calc has both inputs, every output its creator, every file its object."""
    nodes = backend.get_rows(EntityTypes.NODE, columns=["id", "node_type", "label", "repository_metadata"])
    links = backend.get_rows(EntityTypes.LINK, columns=["input_id", "output_id", "type"])
    incoming: Counter[tuple[int, str]] = Counter((link["output_id"], link["type"]) for link in links)
    ids = {node["id"] for node in nodes}
    assert all(link["input_id"] in ids and link["output_id"] in ids for link in links)
    keys: list[str] = []
    for node in nodes:
        if node["node_type"].startswith("process.calculation.calcfunction."):
            assert incoming[(node["id"], "input_calc")] == 2, node
        elif node["label"].endswith("-out"):
            assert incoming[(node["id"], "create")] == 1, node
        keys.extend(_keys(node["repository_metadata"]))
    assert all(backend.get_repository().has_objects(keys))


def _keys(metadata: dict[str, Any]) -> list[str]:
    if "k" in metadata:
        return [metadata["k"]]
    return [key for child in metadata.get("o", {}).values() for key in _keys(child)]
