"""The explorer at scale (issue 15, point 3): server time of its pages on a 1,000,000-node profile.

Two datasets:

1. bench/cli.py's cached profile (``bench/cli_dataset.py``: 1,000,000 nodes, 125,000 processes, a
   group of 100,000, a node of 10,000 files; built on first use, about 2 minutes);
2. a fresh profile with a workfunction of 200 calls (``bench/graph.py``'s), for the graph view.

Each page is requested ``--repeat`` times from ``provgraph.web.create_app`` through Starlette's
TestClient in this process (no network, no browser: the server's own time, from the request to
the last byte of the response), median reported. Targets: search and node page under 300 ms,
the graph of a 200-call workflow under 1 s.

    python bench/explore.py [--nodes 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
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


def _dataset(n_nodes: int) -> dict[str, Any]:
    """bench/cli.py's cached core.sqlite_dos dataset of ``n_nodes`` (built when missing)."""
    folder = cache_root() / f"{DATASET_VERSION}-core.sqlite_dos-{n_nodes}"
    marker = folder / "dataset.json"
    if not marker.is_file():
        print(f"building the {n_nodes:,}-node dataset in {folder} ...", file=sys.stderr, flush=True)
        command = [
            sys.executable,
            str(HERE / "cli_dataset.py"),
            "--nodes",
            str(n_nodes),
            "--folder",
            str(folder),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        dataset = json.loads(done.stdout.splitlines()[-1])
        dataset["folder"] = str(folder)
        marker.write_text(json.dumps(dataset))
    return dict(json.loads(marker.read_text()))


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


def large_profile_pages(n_nodes: int, repeat: int) -> list[tuple[str, str, float, int]]:
    dataset = _dataset(n_nodes)
    os.environ["PROVGRAPH_PATH"] = dataset["config"]
    from starlette.testclient import TestClient

    import provgraph
    from provgraph.manager import get_manager
    from provgraph.orm import CalcFunctionNode, Int, QueryBuilder
    from provgraph.web import create_app

    provgraph.load_profile(dataset["profile"])
    storage = get_manager().get_profile_storage()
    middle = n_nodes // 2
    an_int = (
        QueryBuilder().append(Int, filters={"id": {">=": middle}}, project="id").limit(1).first(flat=True)
    )
    a_calc = (
        QueryBuilder()
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
    with TestClient(create_app(storage)) as client:
        client.get("/")  # imports and first connection out of the figures
        return _time_pages(client, pages, repeat)


def workflow_graph_pages(repeat: int) -> list[tuple[str, str, float, int]]:
    from graph import _workflow
    from starlette.testclient import TestClient
    from store import provgraph_profile

    from provgraph.web import create_app

    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-explore-") as folder,
        provgraph_profile("core.sqlite_dos", Path(folder)) as storage,
    ):
        workflow = _workflow(200)
        pages = [
            ("graph of a 200-call workflow", f"/node/{workflow}/graph?ancestors=1&descendants=2"),
            ("the same, folded", f"/node/{workflow}/graph?ancestors=1&descendants=2&fold=1"),
            ("node page of that workflow", f"/node/{workflow}"),
        ]
        with TestClient(create_app(storage)) as client:
            client.get("/")
            return _time_pages(client, pages, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"# The explorer's server time, {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n"
    )
    print(f"| page ({args.nodes:,} nodes, core.sqlite_dos, median of {args.repeat}) | ms | status | target |")
    print("|---|---|---|---|")
    rows = workflow_graph_pages(args.repeat) + large_profile_pages(args.nodes, args.repeat)
    for name, _url, seconds, status in rows:
        target = next((f"< {ms} ms" for key, ms in TARGETS_MS.items() if name.startswith(key)), "")
        print(f"| {name} | {seconds * 1000:,.0f} | {status} | {target} |")


if __name__ == "__main__":
    main()
