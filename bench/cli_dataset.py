"""The dataset of bench/cli.py: a profile of N nodes (1,000,000 by default), built once and cached.

Run by bench/cli.py as a child process (it prints one JSON line describing the profile), or by
hand to (re)build a cache entry:

    python bench/cli_dataset.py --nodes 100000 [--backend core.sqlite_dos] [--folder DIR]

The mix, in blocks of 8 nodes: a calcfunction record (process_state, exit_status, process_label,
function_name, sealed; two INPUT_CALC links from Ints of the block, one CREATE link to the Int
it returned), 5 Ints and 2 Dicts (10 keys). Of the calcfunctions 90% finished [0], 5% finished
[1], 3% excepted, 2% running (so the default `process list` has something to show; sealed all the same, since
an archive, the way to aiida-core's copy, refuses unsealed processes). The
first 100,000 data nodes (N / 10 with fewer nodes) join the group ``bench-members``; one more
FolderData holds 10,000 files (N / 100) at its top level. Nodes go in through ``orm.store_many`` in
batches of 10,000, the batch path of bench/store.py.

The cache key (``DATASET_VERSION``) changes whenever the mix changes, so an old cache entry is
never mistaken for the current dataset.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DATASET_VERSION = "cli-2"
PROFILE = "bench-cli"
GROUP = "bench-members"
BATCH = 10_000
BLOCK = 8


def cache_root() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "provgraph" / "bench-cli"


def _state(index: int) -> dict[str, Any]:
    """The process attributes of the ``index``-th calcfunction (a fixed, realistic mix)."""
    bucket = index % 100
    if bucket < 90:
        return {"process_state": "finished", "exit_status": 0}
    if bucket < 95:
        return {"process_state": "finished", "exit_status": 1}
    if bucket < 98:
        return {"process_state": "excepted", "exception": "ValueError: bench"}
    return {"process_state": "running"}


def _block(orm: Any, link_type: Any, index: int) -> list[Any]:
    """The 8 nodes of block ``index``: a calcfunction with its inputs and output, and more data."""
    x, y = orm.Int(index), orm.Int(index + 1)
    calc = orm.CalcFunctionNode()
    calc.process_type = "bench.functions.add"
    calc.label = "add"
    calc.base.links.add_incoming(x, link_type.INPUT_CALC, "x")
    calc.base.links.add_incoming(y, link_type.INPUT_CALC, "y")
    attributes = {"process_label": "add", "function_name": "add"} | _state(index)
    calc.base.attributes.set_many(attributes)
    nodes = [x, y, calc]
    if attributes["process_state"] == "finished":
        result = orm.Int(2 * index + 1)
        result.base.links.add_incoming(calc, link_type.CREATE, "result")
        nodes.append(result)
    else:
        nodes.append(orm.Int(-index))
    # sealed after its CREATE link (a sealed process takes none); the running ones too, because an
    # archive (the way to aiida-core's copy) takes sealed processes only
    calc.base.attributes.set("sealed", True)
    nodes.append(orm.Int(index * 3))
    nodes.append(orm.Dict({f"k{key}": index * 10 + key for key in range(10)}))
    nodes.append(orm.Dict({"name": f"dict-{index}", "values": [index, index + 1], "ok": index % 2 == 0}))
    nodes.append(orm.Int(index * 5))
    return nodes


def build(backend: str, n_nodes: int, folder: Path, database: str | None) -> dict[str, Any]:
    """Create the profile under ``folder`` and fill it; returns what bench/cli.py needs to know."""
    os.environ["PROVGRAPH_PATH"] = str(folder / "config")
    from provgraph import orm
    from provgraph.manager import get_manager
    from provgraph.orm.nodes.link_types import LinkType
    from provgraph.profiles import create_profile

    if backend == "core.sqlite_dos":
        storage_config: dict[str, Any] = {"filepath": str(folder / "storage")}
    else:
        from provgraph.storage import get_storage_class

        assert database is not None
        postgres = os.environ.get("PROVGRAPH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
        storage_cls: Any = get_storage_class(backend)
        storage_config = storage_cls.config_from_url(
            postgres.rsplit("/", 1)[0] + f"/{database}", folder / "repo"
        )
    create_profile(PROFILE, backend, storage_config, "bench@localhost", set_default=True)
    manager = get_manager()
    manager.load_profile(PROFILE)

    start = time.perf_counter()
    n_members = max(1, n_nodes // 10)
    n_files = max(1, n_nodes // 100)
    group = orm.Group(label=GROUP).store()
    members = 0
    stored = 0
    block = 0
    while stored < n_nodes - 1:  # the FolderData is the last node
        nodes: list[Any] = []
        while len(nodes) < BATCH and stored + len(nodes) < n_nodes - 1:
            nodes.extend(_block(orm, LinkType, block))
            block += 1
        nodes = nodes[: n_nodes - 1 - stored]
        # a cut block may have lost a calculation's source or output: keep only complete links
        kept = {id(node) for node in nodes}
        nodes = [node for node in nodes if _links_inside(node, kept)]
        orm.store_many(nodes)
        stored += len(nodes)
        if members < n_members:
            data = [node for node in nodes if not isinstance(node, orm.CalcFunctionNode)][
                : n_members - members
            ]
            group.add_nodes(data)
            members += len(data)
    with tempfile.TemporaryDirectory(prefix="pg-bench-files-") as tree:
        for i in range(n_files):
            Path(tree, f"file-{i:05d}.txt").write_bytes(f"content of file {i}\n".encode())
        files = orm.FolderData()
        files.put_object_from_tree(tree)
        files.label = "bench-files"
        files.store()
    seconds = time.perf_counter() - start
    total = orm.QueryBuilder().append(orm.Node).count()
    processes = orm.QueryBuilder().append(orm.ProcessNode).count()
    manager.reset()
    return {
        "version": DATASET_VERSION,
        "backend": backend,
        "nodes": total,
        "processes": processes,
        "group": GROUP,
        "group_members": members,
        "files_node": files.pk,
        "files": n_files,
        "build_seconds": seconds,
        "config": str(folder / "config"),
        "profile": PROFILE,
        "database": database,
        "storage_config": {key: str(value) for key, value in storage_config.items()},
    }


def _links_inside(node: Any, kept: set[int]) -> bool:
    """Whether every unstored source of ``node``'s incoming links is in the batch too."""
    return all(
        triple.node.is_stored or id(triple.node) in kept for triple in node.base.links.get_incoming().all()
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--backend", default="core.sqlite_dos", choices=["core.sqlite_dos", "core.psql_dos"])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--database", help="PostgreSQL database (core.psql_dos), created beforehand")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    info = build(args.backend, args.nodes, args.folder, args.database)
    print(json.dumps(info))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
