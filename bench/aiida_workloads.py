"""The store workloads on aiida-core, run inside aiida-core's own virtualenv (see README.md).

Prints one JSON object: workload name -> {"n": ..., "seconds": ...}. Imports nothing of
provgraph; the harness in ``store.py`` calls it as a subprocess and compares the figures.

Usage: python aiida_workloads.py --backend core.sqlite_dos [--workloads W1,W2,W6,W7] [--scale 1.0]

W8 (``--workloads W1,...,W7,W8``, core.sqlite_dos only) archives the profile the other workloads
left (``create_archive`` of everything, as ``verdi archive create --all``), then imports that
archive into a second, empty profile (as ``verdi archive import``).

W9 (``--workloads W1,...,W8,W9``) maintains the profile W1-W8 left: ``storage.maintain()`` (as
``verdi storage maintain``), then ``storage.maintain(full=True)`` (as ``verdi storage maintain
--full``, which locks the profile itself).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any


def make_profile(root: Path, backend: str, postgres_url: str) -> None:
    os.environ["AIIDA_PATH"] = str(root)
    from aiida import load_profile
    from aiida.manage.configuration import create_profile, get_config

    config = get_config(create=True)
    if backend == "core.sqlite_dos":
        storage_config: dict[str, Any] = {"filepath": str(root / "storage")}
    else:
        storage_config = _psql_storage_config(root, postgres_url)
    create_profile(
        config, storage_backend=backend, storage_config=storage_config, name="bench", email="bench@localhost"
    )
    config.set_default_profile("bench", overwrite=True)
    config.store()
    load_profile("bench", allow_switch=True)


def _psql_storage_config(root: Path, postgres_url: str) -> dict[str, Any]:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(postgres_url)
    name = f"aiida_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    (root / "created_database").write_text(name)
    return {
        "database_engine": "postgresql_psycopg",
        "database_hostname": params.get("host", "127.0.0.1"),
        "database_port": int(params.get("port", 5432)),
        "database_username": params.get("user", "postgres"),
        "database_password": params.get("password", ""),
        "database_name": name,
        "repository_uri": (root / "repository").as_uri(),
    }


def drop_database(root: Path, postgres_url: str) -> None:
    marker = root / "created_database"
    if not marker.exists():
        return
    import psycopg
    from aiida.manage import get_manager

    get_manager().unload_profile()
    name = marker.read_text()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


#: The workloads whose nodes make up the profile W8 archives (spec/workloads.md: "after W1-W7").
GRAPH_WORKLOADS = ["W1", "W2", "W3", "W4", "W5", "W6", "W7"]


def add_profile(root: Path, name: str) -> None:
    """One more core.sqlite_dos profile in the loaded config, loaded (W8's import target)."""
    from aiida import load_profile
    from aiida.manage.configuration import create_profile, get_config

    config = get_config()
    storage_config = {"filepath": str(root / name)}
    create_profile(
        config,
        storage_backend="core.sqlite_dos",
        storage_config=storage_config,
        name=name,
        email="bench@localhost",
    )
    config.set_option("logging.aiida_loglevel", "WARNING", scope=name)  # no REPORT line per entity
    config.store()
    load_profile(name, allow_switch=True)


def archive_workload(root: Path) -> dict[str, Any]:
    """W8 on the loaded profile: archive all of it, then import the archive into a new profile."""
    from aiida import orm
    from aiida.tools.archive import create_archive, import_archive

    nodes = orm.QueryBuilder().append(orm.Node).count()
    archive = root / "w8.aiida"
    create = timed(lambda: create_archive(None, filename=archive))
    add_profile(root, "bench-w8-import")
    imported = timed(lambda: import_archive(archive))
    assert orm.QueryBuilder().append(orm.Node).count() == nodes
    return {
        "W8 create": {"n": nodes, "seconds": create, "bytes": archive.stat().st_size},
        "W8 import": {"n": nodes, "seconds": imported},
    }


def maintain_workload() -> dict[str, Any]:
    """W9 on the profile W1-W8 left (``bench``): a quick, then a full maintenance."""
    from aiida import load_profile, orm
    from aiida.manage import get_manager

    load_profile("bench", allow_switch=True)
    nodes = orm.QueryBuilder().append(orm.Node).count()
    storage = get_manager().get_profile_storage()
    quick = timed(lambda: storage.maintain(full=False))
    full = timed(lambda: storage.maintain(full=True))
    return {"W9 quick": {"n": nodes, "seconds": quick}, "W9 full": {"n": nodes, "seconds": full}}


def dict_value(index: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for key in range(6):
        value[f"i{key}"] = index * 10 + key
        value[f"f{key}"] = index / 7 + key
        value[f"s{key}"] = f"value-{index}-{key}"
    value["nested"] = {"a": index, "b": [1, 2, 3]}
    value["flag"] = index % 2 == 0
    return value


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(workloads: list[str], scale: float) -> dict[str, Any]:
    from aiida import orm

    results: dict[str, Any] = {}
    n_nodes = max(1, int(2000 * scale))
    orm.Int(0).store()  # warm up: default user, connections
    if "W1" in workloads:
        seconds = timed(lambda: [orm.Int(i).store() for i in range(n_nodes)])
        results["W1"] = {"n": n_nodes, "seconds": seconds}
    if "W2" in workloads:
        seconds = timed(lambda: [orm.Dict(dict_value(i)).store() for i in range(n_nodes)])
        results["W2"] = {"n": n_nodes, "seconds": seconds}
    if "W6" in workloads:
        n_members = max(1, int(5000 * scale))
        members = [orm.Int(i) for i in range(n_members)]
        for node in members:
            node.store()
        group = orm.Group(label=f"bench-{uuid.uuid4().hex[:8]}").store()
        add = timed(lambda: group.add_nodes(members))
        query = orm.QueryBuilder().append(orm.Group, filters={"id": group.pk}, tag="g")
        query.append(orm.Node, with_group="g", project="*")  # node objects, as provgraph's group.nodes
        assert len(query.all(flat=True)) == n_members
        list_seconds = median_seconds(lambda: query.all(flat=True))  # short: median of 5 after a warm-up
        results["W6 add"] = {"n": n_members, "seconds": add}
        results["W6 list"] = {"n": n_members, "seconds": list_seconds}
    if "W3" in workloads:
        from aiida.engine import calcfunction

        @calcfunction
        def add(x: Any, y: Any) -> Any:
            return x + y

        n_calls = max(1, int(500 * scale))
        add(orm.Int(0), orm.Int(0))  # warm up
        results["W3"] = {
            "n": n_calls,
            "seconds": timed(lambda: [add(orm.Int(i), orm.Int(i)) for i in range(n_calls)]),
        }
    if "W4" in workloads or "W5" in workloads:
        results.update(query_workloads(workloads, scale))
    if "W7" in workloads:
        import io

        n_files = max(1, int(1000 * scale))
        nodes: list[Any] = []

        def store_files() -> None:
            for i in range(n_files):
                content = (f"{i:08d}".encode() * 128)[:1024]
                nodes.append(orm.SinglefileData(io.BytesIO(content), filename="file.txt").store())

        def read_files() -> None:
            for node in nodes:
                loaded = orm.load_node(node.pk)
                assert len(loaded.get_content(mode="rb")) == 1024

        results["W7 store"] = {"n": n_files, "seconds": timed(store_files)}
        results["W7 read"] = {"n": n_files, "seconds": timed(read_files)}
    return results


def median_seconds(fn: Any, repeat: int = 5) -> float:
    """Median wall time of ``repeat`` runs after one warm-up run."""
    fn()
    times = sorted(timed(fn) for _ in range(repeat))
    return times[len(times) // 2]


def w4_document(index: int) -> dict[str, Any]:
    """The attributes of W4's i-th Dict (the same on both sides: bench/query.py imports this)."""
    return {"k": f"key-{index % 100}", "x": (index * 7919 % 10_000) / 100.0, "n": index}


def w4_queries(orm: Any) -> dict[str, Any]:
    """W4's four questions through ``orm.QueryBuilder``, the same code on both sides (the two
    QueryBuilders share aiida-core's API); each returns how many rows it found."""

    def equality() -> int:
        qb = orm.QueryBuilder().append(orm.Dict, filters={"attributes.k": "key-42"}, project="id")
        return len(qb.all())

    def value_range() -> int:
        filters = {"attributes.x": {"and": [{">=": 20.0}, {"<": 30.0}]}}
        return len(orm.QueryBuilder().append(orm.Dict, filters=filters, project="id").all())

    def count() -> int:
        return int(orm.QueryBuilder().append(orm.Dict).count())

    def projection() -> int:
        qb = orm.QueryBuilder().append(orm.Dict, project=["attributes.k", "attributes.x"])
        return len(qb.all())

    return {"W4 equality": equality, "W4 range": value_range, "W4 count": count, "W4 projection": projection}


def w5_query(orm: Any, final: int) -> Any:
    """W5: the ancestors of node ``final`` (its pk) through ``orm.QueryBuilder``."""

    def ancestors() -> int:
        qb = orm.QueryBuilder().append(orm.Node, filters={"id": final}, tag="final")
        qb.append(orm.Node, with_descendants="final", project="id")
        return len(qb.all())

    return ancestors


def query_workloads(workloads: list[str], scale: float) -> dict[str, Any]:
    """W4 (queries over 10,000 Dicts) and W5 (ancestors at the end of a 200-call chain).

    W4's nodes go in through the storage's bulk_insert (with a hash extra, as the ORM would
    store them): what is measured is the query, and storing 10,000 nodes one by one would take
    minutes here.
    """
    from datetime import datetime, timezone

    from aiida import orm
    from aiida.engine import calcfunction
    from aiida.manage import get_manager
    from aiida.orm.entities import EntityTypes

    results: dict[str, Any] = {}
    if "W4" in workloads:
        n_nodes = max(100, int(10_000 * scale))
        storage = get_manager().get_profile_storage()
        user_id = orm.User.collection.get_default().pk
        now = datetime.now(timezone.utc)
        rows = [
            {
                "uuid": str(uuid.uuid4()), "node_type": "data.core.dict.Dict.", "process_type": None,
                "label": "", "description": "", "ctime": now, "mtime": now,
                "attributes": w4_document(i), "repository_metadata": {},
                "extras": {"_aiida_hash": uuid.uuid4().hex * 2},  # as stored through the ORM
                "user_id": user_id, "dbcomputer_id": None,
            }
            for i in range(n_nodes)
        ]  # fmt: skip
        storage.bulk_insert(EntityTypes.NODE, rows)

        for name, query in w4_queries(orm).items():
            results[name] = {"n": query(), "seconds": median_seconds(query)}
    if "W5" in workloads:

        @calcfunction
        def increment(x: Any) -> Any:
            return orm.Int(x.value + 1)

        value = orm.Int(0)
        for _ in range(max(2, int(200 * scale))):
            value = increment(value)
        final = value.pk

        ancestors = w5_query(orm, final)
        results["W5 ancestors"] = {"n": ancestors(), "seconds": median_seconds(ancestors)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", default="core.sqlite_dos", choices=["core.sqlite_dos", "core.psql_dos"])
    parser.add_argument("--workloads", default="W1,W2,W6,W7")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aiida-bench-") as folder:
        root = Path(folder)
        make_profile(root, args.backend, args.postgres)
        try:
            results = run(args.workloads.split(","), args.scale)
            if "W8" in args.workloads.split(","):
                if args.backend != "core.sqlite_dos":
                    raise SystemExit("W8 runs on core.sqlite_dos only")
                results.update(archive_workload(root))
            if "W9" in args.workloads.split(","):
                results.update(maintain_workload())
        finally:
            drop_database(root, args.postgres)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
