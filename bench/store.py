"""Store workloads W1, W2, W6, W7 and batch stores: provgraph vs aiida-core vs plain SQL.

Run from the project root with provgraph installed:

    python bench/store.py                 # everything, both backends
    python bench/store.py --quick         # a tenth of the sizes, no 1,000,000-node run
    python bench/store.py --backends core.sqlite_dos

Every figure is printed with its ratio to aiida-core 2.9.4 (run in its own virtualenv, see
README.md) and, where there is one, to plain SQL on the same database file with the same journal
and synchronous settings (the physical limit). Both sides store the same things: `Int` (W1),
`Dict` of 20 keys (W2), `SinglefileData` of 1 KiB (W7).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _aiida_python() -> str:
    """aiida-core's side virtualenv, the one ``scripts/aiida-venv`` makes and the interop tests use:
    ``PROVGRAPH_AIIDA_PYTHON``, else ``$PROVGRAPH_AIIDA_VENV/bin/python``, by default in
    ``~/.cache/provgraph/aiida-core-2.9.4`` (where scripts/aiida-venv puts it)."""
    configured = os.environ.get("PROVGRAPH_AIIDA_PYTHON")
    if configured:
        return configured
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return str(
        Path(os.environ.get("PROVGRAPH_AIIDA_VENV", cache / "provgraph" / "aiida-core-2.9.4"))
        / "bin"
        / "python"
    )


AIIDA_PYTHON = _aiida_python()
POSTGRES = os.environ.get("PROVGRAPH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")

sys.path.insert(0, str(HERE))
from aiida_workloads import dict_value, median_seconds  # noqa: E402  (shared so both sides store the same dicts)

# -- profiles ---------------------------------------------------------------------------------


@contextmanager
def provgraph_profile(backend: str, root: Path) -> Iterator[Any]:
    """A fresh, loaded provgraph profile on ``backend`` under ``root``; removed afterwards."""
    os.environ["PROVGRAPH_PATH"] = str(root / "config")
    from provgraph.manager import get_manager
    from provgraph.profiles import create_profile, delete_profile

    name = f"bench-{uuid.uuid4().hex[:8]}"
    if backend == "core.sqlite_dos":
        storage_config: dict[str, Any] = {"filepath": str(root / name)}
    else:
        from provgraph.storage import get_storage_class

        url = POSTGRES.rsplit("/", 1)[0] + f"/pgbench_{uuid.uuid4().hex[:8]}"
        storage_cls: Any = get_storage_class(backend)
        storage_config = storage_cls.config_from_url(url, root / f"{name}-repo")
    profile = create_profile(name, backend, storage_config, "bench@localhost", set_default=True)
    manager = get_manager()
    manager.reset()
    manager.load_profile(name)
    try:
        yield manager.get_profile_storage()
    finally:
        manager.reset()
        delete_profile(profile.name)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# -- provgraph workloads ----------------------------------------------------------------------


def provgraph_workloads(backend: str, scale: float, batch_n: int) -> dict[str, dict[str, float]]:
    from provgraph import orm

    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="pg-bench-") as folder, provgraph_profile(backend, Path(folder)):
        n_nodes = max(1, int(2000 * scale))
        orm.Int(0).store()  # warm up: default user, connections

        def store_values() -> None:
            for i in range(n_nodes):
                orm.Int(i).store()

        def store_dicts() -> None:
            for i in range(n_nodes):
                orm.Dict(dict_value(i)).store()

        results["W1"] = {"n": n_nodes, "seconds": timed(store_values)}
        results["W2"] = {"n": n_nodes, "seconds": timed(store_dicts)}

        n_members = max(1, int(5000 * scale))
        members = orm.store_many([_value_node(orm, i) for i in range(n_members)])
        group = orm.Group(label=f"bench-{uuid.uuid4().hex[:8]}").store()
        results["W6 add"] = {"n": n_members, "seconds": timed(lambda: group.add_nodes(members))}
        assert len(group.nodes) == n_members
        # short: the median of 5 after a warm-up (spec/workloads.md), on both sides
        results["W6 list"] = {"n": n_members, "seconds": median_seconds(lambda: group.nodes)}

        n_files = max(1, int(1000 * scale))
        stored: list[int] = []

        def store_files() -> None:
            for i in range(n_files):
                content = io.BytesIO((f"{i:08d}".encode() * 128)[:1024])
                stored.append(orm.SinglefileData(content, filename="file.txt").store().pk)

        def read_files() -> None:
            for pk in stored:
                assert len(orm.load_node(pk).get_content(mode="rb")) == 1024

        results["W7 store"] = {"n": n_files, "seconds": timed(store_files)}
        results["W7 read"] = {"n": n_files, "seconds": timed(read_files)}

        batch = [_value_node(orm, i) for i in range(batch_n)]
        results["batch store"] = {"n": batch_n, "seconds": timed(lambda: orm.store_many(batch))}
    return results


def _value_node(orm: Any, value: int) -> Any:
    return orm.Int(value)


def peak_rss_of_million(backend: str, total: int, batch: int) -> dict[str, float]:
    """Store ``total`` nodes in batches in a child process; report its peak RSS (MB) and time."""
    code = f"""
import sys, tempfile, time, resource
from pathlib import Path
sys.path.insert(0, {str(HERE)!r})
from store import provgraph_profile, _value_node
from provgraph import orm
with tempfile.TemporaryDirectory(prefix="pg-bench-") as folder, provgraph_profile({backend!r}, Path(folder)):
    start = time.perf_counter()
    for offset in range(0, {total}, {batch}):
        orm.store_many([_value_node(orm, i) for i in range(offset, min(offset + {batch}, {total}))])
    seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so a child started by a big
# parent would report the parent's peak; VmHWM belongs to this process's own address space.
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(seconds, peak_kb / 1024)
"""
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    seconds, rss_mb = (float(value) for value in output.split())
    return {"n": total, "seconds": seconds, "peak_rss_mb": rss_mb}


# -- plain SQL reference ----------------------------------------------------------------------


def plain_sqlite(n_single: int, n_batch: int) -> dict[str, dict[str, float]]:
    """Insert Int-shaped node rows with the sqlite3 module into a real sqlite_dos database file.

    W1 and the batch use the same journal and synchronous settings as provgraph (WAL, NORMAL);
    W7 adds what a durable object store must do for each file (write, fsync, rename, fsync dir).
    """
    results: dict[str, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-") as folder,
        provgraph_profile("core.sqlite_dos", Path(folder)) as storage,
    ):
        user_id = storage.get_rows(_entity("user"), columns=["id"])[0]["id"]
        database = Path(storage.profile.storage_config["filepath"]) / "database.sqlite"
        connection = sqlite3.connect(database, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        statement = (
            "INSERT INTO db_dbnode (uuid, node_type, process_type, label, description, ctime, mtime, "
            "attributes, extras, repository_metadata, dbcomputer_id, user_id) "
            "VALUES (?, 'data.core.int.Int.', NULL, '', '', ?, ?, ?, '{}', '{}', NULL, ?)"
        )

        def row(i: int) -> tuple[Any, ...]:
            now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
            return (str(uuid.uuid4()), now, now, json.dumps({"value": i}), user_id)

        def one_commit_per_row() -> None:
            for i in range(n_single):
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(statement, row(i))
                connection.execute("COMMIT")

        def executemany() -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(statement, [row(i) for i in range(n_batch)])
            connection.execute("COMMIT")

        objects = Path(folder) / "plain-objects"
        objects.mkdir()

        def file_and_row_per_commit() -> None:
            """The floor of W7 store: a durable 1 KiB file (fsync file and folder), then a row."""
            folder_fd = os.open(objects, os.O_RDONLY)
            try:
                for i in range(n_single // 2):
                    temporary = objects / f"tmp-{i}"
                    with open(temporary, "wb") as handle:
                        handle.write((f"{i:08d}".encode() * 128)[:1024])
                        handle.flush()
                        os.fsync(handle.fileno())
                    os.replace(temporary, objects / f"object-{i}")
                    os.fsync(folder_fd)
                    connection.execute("BEGIN IMMEDIATE")
                    connection.execute(statement, row(i))
                    connection.execute("COMMIT")
            finally:
                os.close(folder_fd)

        results["W1"] = {"n": n_single, "seconds": timed(one_commit_per_row)}
        results["W7 store"] = {"n": n_single // 2, "seconds": timed(file_and_row_per_commit)}
        results["batch store"] = {"n": n_batch, "seconds": timed(executemany)}
        connection.close()
    return results


def _entity(name: str) -> Any:
    from provgraph.storage import EntityTypes

    return EntityTypes(name)


# -- aiida-core -------------------------------------------------------------------------------


def aiida_workloads(backend: str, scale: float) -> dict[str, dict[str, float]] | None:
    return aiida_workloads_for(backend, scale, "W1,W2,W6,W7")


def aiida_workloads_for(backend: str, scale: float, workloads: str) -> dict[str, dict[str, float]] | None:
    """Run ``workloads`` on aiida-core in its own virtualenv; None if it is not there or fails."""
    if not Path(AIIDA_PYTHON).exists():
        return None
    command = [
        AIIDA_PYTHON, str(HERE / "aiida_workloads.py"),
        "--backend", backend, "--scale", str(scale), "--workloads", workloads,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        print(f"aiida-core run failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return None
    parsed: dict[str, dict[str, float]] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


# -- report -----------------------------------------------------------------------------------


def rate(figure: dict[str, float] | None) -> float | None:
    return None if not figure else figure["n"] / figure["seconds"]


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return "n/a"
    return f"{numerator / denominator:.2f}x"


def report(backend: str, ours: dict[str, Any], aiida: dict[str, Any] | None, plain: dict[str, Any]) -> str:
    lines = [
        f"## {backend}",
        "",
        "| workload | n | provgraph /s | aiida-core /s | vs aiida-core | plain SQL /s | share of plain SQL |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, figure in ours.items():
        if "peak_rss_mb" in figure:
            continue
        mine = rate(figure)
        theirs = rate((aiida or {}).get(name))
        limit = rate(plain.get(name))
        lines.append(
            f"| {name} | {figure['n']:.0f} | {mine:,.0f} | {_fmt(theirs)} | {ratio(mine, theirs)} | "
            f"{_fmt(limit)} | {ratio(mine, limit)} |"
        )
    for name, figure in ours.items():
        if "peak_rss_mb" in figure:
            lines.append(
                f"\n{name}: {figure['n']:,.0f} nodes in {figure['seconds']:.1f} s "
                f"({figure['n'] / figure['seconds']:,.0f}/s), peak RSS {figure['peak_rss_mb']:.0f} MB"
            )
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes; no 1,000,000-node run")
    parser.add_argument("--backends", default="core.sqlite_dos,core.psql_dos")
    parser.add_argument("--no-aiida", action="store_true", help="skip the aiida-core side")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    batch_n = 10_000 if args.quick else 100_000
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# store benchmark, {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n")
    plain = plain_sqlite(max(1, int(2000 * scale)), batch_n)
    for backend in args.backends.split(","):
        ours = provgraph_workloads(backend, scale, batch_n)
        if not args.quick:
            ours["1,000,000 in batches"] = peak_rss_of_million(backend, 1_000_000, 10_000)
        aiida = None if args.no_aiida else aiida_workloads(backend, scale)
        print(report(backend, ours, aiida, plain if backend == "core.sqlite_dos" else {}))
        print()
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
