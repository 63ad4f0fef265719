"""The explorer at scale (issue 15, point 3): server time of its pages on a 1,000,000-node profile.

Two datasets, on each backend of ``--backends``:

1. bench/cli.py's profile (``bench/cli_dataset.py``: 1,000,000 nodes, 125,000 processes, a group
   of 100,000, a node of 10,000 files), built on first use and cached under
   ``~/.cache/provgraph/bench-cli/``: about 2 minutes on core.sqlite_dos, 3 on core.psql_dos,
   whose cache is a folder there plus the database ``provgraph_bench_explore_<nodes>`` on the
   server (dropped and built again when the folder's marker is missing or the database is gone),
   vacuumed and analysed once after it is built (see ``_vacuum``);
2. a fresh profile with a workfunction of 200 calls (``bench/graph.py``'s), for the graph view.

The storage is opened as ``provgraph explore`` opens it (``StorageBackend.open_read_only``).
Each page is requested ``--repeat`` times from ``provgraph.web.create_app`` through Starlette's
TestClient (no network, no browser: the server's own time, from the request to the last byte of
the response), median reported. Each backend runs in a child process of its own (one loaded
profile per process). Targets: search and node page under 300 ms, the graph of a 200-call
workflow under 1 s.

    python bench/explore.py [--nodes 1000000] [--repeat 5] [--backends core.sqlite_dos,core.psql_dos]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from cli_dataset import DATASET_VERSION, cache_root  # noqa: E402

TARGETS_MS = {"search": 300, "node": 300, "graph of a 200-call workflow": 1000}


BACKENDS = ("core.sqlite_dos", "core.psql_dos")
POSTGRES = os.environ.get("PROVGRAPH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres(statement: str, *parameters: Any) -> list[tuple[Any, ...]]:
    """Run one statement on the server's maintenance database (autocommit), return its rows."""
    import psycopg

    with psycopg.connect(POSTGRES, autocommit=True) as connection:
        cursor = connection.execute(statement, parameters or None)
        return cursor.fetchall() if cursor.description else []


def _database_exists(name: str) -> bool:
    return bool(_postgres("SELECT 1 FROM pg_database WHERE datname = %s", name))


def _dataset(backend: str, n_nodes: int) -> dict[str, Any]:
    """bench/cli.py's dataset of ``n_nodes`` on ``backend``, cached (built when missing)."""
    folder = cache_root() / f"{DATASET_VERSION}-{backend}-{n_nodes}"
    marker = folder / "dataset.json"
    database = f"provgraph_bench_explore_{n_nodes}" if backend == "core.psql_dos" else None
    if marker.is_file() and (database is None or _database_exists(database)):
        dataset = dict(json.loads(marker.read_text()))
        if database is not None and not dataset.get("vacuumed"):  # a cache made before this step
            _vacuum(database, marker, dataset)
        return dataset
    print(f"building the {n_nodes:,}-node dataset on {backend} in {folder} ...", file=sys.stderr, flush=True)
    shutil.rmtree(folder, ignore_errors=True)
    command = [sys.executable, str(HERE / "cli_dataset.py"), "--nodes", str(n_nodes), "--backend", backend]
    command += ["--folder", str(folder)]
    if database is not None:  # a dataset of another version may hold the name: built again
        _postgres(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        _postgres(f'CREATE DATABASE "{database}"')
        command += ["--database", database]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"building the dataset failed:\n{done.stderr[-3000:]}")
    dataset = json.loads(done.stdout.splitlines()[-1])
    dataset["folder"] = str(folder)
    marker.write_text(json.dumps(dataset))
    if database is not None:
        _vacuum(database, marker, dataset)
    return dict(dataset)


def _vacuum(database: str, marker: Path, dataset: dict[str, Any]) -> None:
    """``VACUUM (ANALYZE)`` the fresh database once: the statistics and visibility map a server's
    autovacuum keeps (this machine's server runs with autovacuum off, and a never-analysed table
    gets the planner's guesses). SQLite's dataset is left as built: SQLite never analyses by itself.
    """
    import psycopg

    print(f"VACUUM (ANALYZE) of {database} ...", file=sys.stderr, flush=True)
    with psycopg.connect(POSTGRES.rsplit("/", 1)[0] + f"/{database}", autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    dataset["vacuumed"] = True
    marker.write_text(json.dumps(dataset))


def _open_read_only(storage_or_profile: Any) -> Any:
    """The storage as the explorer opens it: the database refuses every write."""
    from provgraph.config.profile import Profile
    from provgraph.storage import get_storage_class

    profile = storage_or_profile if isinstance(storage_or_profile, Profile) else storage_or_profile.profile
    return get_storage_class(profile.storage_backend).open_read_only(profile)


def _time_pages(client: Any, pages: list[tuple[str, str]], repeat: int) -> list[tuple[str, str, float, int]]:
    rows = []
    for name, url in pages:
        times = []
        status = 0
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            status = response.status_code
        rows.append((name, url, statistics.median(times), status))
    return rows


def large_profile_pages(backend: str, n_nodes: int, repeat: int) -> list[tuple[str, str, float, int]]:
    dataset = _dataset(backend, n_nodes)
    os.environ["PROVGRAPH_PATH"] = dataset["config"]
    from starlette.testclient import TestClient

    import provgraph
    from provgraph.orm import CalcFunctionNode, Int, QueryBuilder
    from provgraph.web import create_app

    storage = _open_read_only(provgraph.load_profile(dataset["profile"]))
    middle = n_nodes // 2
    an_int = (
        QueryBuilder(backend=storage)
        .append(Int, filters={"id": {">=": middle}}, project="id")
        .limit(1)
        .first(flat=True)
    )
    a_calc = (
        QueryBuilder(backend=storage)
        .append(CalcFunctionNode, filters={"id": {">=": middle}}, project="id")
        .limit(1)
        .first(flat=True)
    )
    pages = [
        ("home (counts per node type)", "/"),
        ("search: type", "/search?type=data.core.int."),
        ("search: type + label", "/search?type=process.&label=add"),
        ("search: attribute value", f"/search?type=data.core.int.&attr=value&value={middle}"),
        ("search: page 100", "/search?type=data.core.int.&page=100"),
        ("node (an Int)", f"/node/{an_int}"),
        ("node (a calcfunction)", f"/node/{a_calc}"),
        ("node (10,000 files)", f"/node/{dataset['files_node']}"),
        ("graph around a calcfunction (depth 1)", f"/node/{a_calc}/graph"),
        ("processes", "/processes"),
        ("processes: running", "/processes?state=running"),
        ("group of 100,000", f"/group/{dataset['group']}"),
        ("groups", "/groups"),
    ]
    try:
        with TestClient(create_app(storage)) as client:
            client.get("/")  # imports and first connection out of the figures
            rows = _time_pages(client, pages, repeat)
    finally:
        storage.close()
    return rows + _indexed_attribute_search(dataset["profile"], pages[3][1], repeat)


def _indexed_attribute_search(profile_name: str, url: str, repeat: int) -> list[tuple[str, str, float, int]]:
    """The attribute search again with ``attributes.value`` declared (issue 16), then the index
    dropped so that the cached dataset stays as it was built. The build's own time is a row too."""
    from starlette.testclient import TestClient

    import provgraph
    from provgraph.manager import get_manager
    from provgraph.web import create_app

    profile = provgraph.load_profile(profile_name)
    writable = get_manager().get_profile_storage()
    started = time.perf_counter()
    declaration = writable.indexes.add("attributes.value", value_type="int")
    built = time.perf_counter() - started
    try:
        storage = _open_read_only(profile)  # opened anew: it loads the declaration
        try:
            with TestClient(create_app(storage)) as client:
                client.get("/")
                (row,) = _time_pages(
                    client, [("search: attribute value, attributes.value indexed", url)], repeat
                )
        finally:
            storage.close()
    finally:
        writable.indexes.drop(declaration.name)
    return [row, ("(declaring that index: its build, once)", "", built, 0)]


def workflow_graph_pages(backend: str, repeat: int) -> list[tuple[str, str, float, int]]:
    from graph import _workflow
    from starlette.testclient import TestClient
    from store import provgraph_profile

    from provgraph.web import create_app

    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-explore-") as folder,
        provgraph_profile(backend, Path(folder)) as writable,
    ):
        workflow = _workflow(200)
        pages = [
            ("graph of a 200-call workflow", f"/node/{workflow}/graph?ancestors=1&descendants=2"),
            ("the same, folded", f"/node/{workflow}/graph?ancestors=1&descendants=2&fold=1"),
            ("node page of that workflow", f"/node/{workflow}"),
        ]
        storage = _open_read_only(writable)
        try:
            with TestClient(create_app(storage)) as client:
                client.get("/")
                return _time_pages(client, pages, repeat)
        finally:
            storage.close()


def _measure(backend: str, n_nodes: int, repeat: int) -> list[tuple[str, str, float, int]]:
    """Every page's figure on ``backend``, in a child process (one loaded profile per process)."""
    command = [sys.executable, __file__, "--child", backend, "--nodes", str(n_nodes), "--repeat", str(repeat)]
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"measuring {backend} failed (exit {done.returncode}); its errors are above")
    return [tuple(row) for row in json.loads(done.stdout.splitlines()[-1])]


def _cell(seconds: float | None, status: int | None) -> str:
    if seconds is None:
        return ""
    figure = f"{seconds * 1000:,.0f}"
    return figure if status in (200, 0) else f"{figure} (HTTP {status})"  # 0: not a page


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--backends", default=",".join(BACKENDS), help="comma-separated, from " + ", ".join(BACKENDS)
    )
    parser.add_argument("--child", choices=BACKENDS, help=argparse.SUPPRESS)  # one backend's figures
    args = parser.parse_args()
    if args.child:
        rows = workflow_graph_pages(args.child, args.repeat)
        rows += large_profile_pages(args.child, args.nodes, args.repeat)
        print(json.dumps(rows))
        return
    backends = [name.strip() for name in args.backends.split(",") if name.strip()]
    unknown = sorted(set(backends) - set(BACKENDS))
    if unknown or not backends:
        parser.error(f"--backends: unknown {unknown}; choose from {', '.join(BACKENDS)}")
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    figures = {backend: _measure(backend, args.nodes, args.repeat) for backend in backends}
    print(
        f"# The explorer's server time, {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n"
    )
    print(
        f"| page ({args.nodes:,} nodes, ms, median of {args.repeat}) | "
        + " | ".join(backends)
        + " | target |"
    )
    print("|---|" + "---|" * len(backends) + "---|")
    names = list(dict.fromkeys(name for rows in figures.values() for name, *_ in rows))
    for name in names:
        cells = []
        for backend in backends:
            found = next((row for row in figures[backend] if row[0] == name), None)
            cells.append(_cell(found[2], found[3]) if found else "")
        target = next((f"< {ms} ms" for key, ms in TARGETS_MS.items() if name.startswith(key)), "")
        print(f"| {name} | " + " | ".join(cells) + f" | {target} |")


if __name__ == "__main__":
    main()
