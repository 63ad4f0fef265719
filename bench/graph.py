"""Pictures of the provenance (issue 15): the graph around a workflow of N calls, N = 200 by default.

A workfunction calls N calcfunctions (each takes an Int, returns an Int; the workflow returns
the last) in a fresh profile on each backend. Timed, median of ``--repeat`` runs, each on a new
``Graph``:

1. collect: ``recurse_descendants(workflow)`` plus ``recurse_ancestors(workflow, depth=1)`` (the
   workflow's calls, their inputs and outputs, its own inputs): the storage's ``walk_links``
   (one recursive query and one read of links per direction) and one query loading the nodes;
2. fold: ``fold_workflows()`` (three walks for the one workflow);
3. DOT: the text of the picture (``graph.graphviz.source``), the workflow framed
   (``cluster_workflows``, the CLI's default);
4. SVG: ``render(graph, "svg")``, which runs graphviz's ``dot`` on that text: framed, folded,
   and once with the call links drawn (aiida-core's picture), given ``LINKED_LIMIT`` seconds.

The floor beside each: for 1, the same walk as one hand-written recursive SQL query plus a
SELECT of the same node rows (sqlite3 / psycopg); for 4, ``dot -Tsvg`` alone on the same text
(graphviz's own layout time, which no caller can go below).

    python bench/graph.py [--calls 200] [--backends core.sqlite_dos,core.psql_dos] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from store import provgraph_profile

LINKED_LIMIT = 30  # seconds given to dot for the picture with call links (it took over 300 s)


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _workflow(n_calls: int) -> int:
    """A workfunction that calls ``n_calls`` calcfunctions in a chain; its pk."""
    import provgraph
    from provgraph import orm

    @provgraph.calcfunction
    def step(x: Any) -> Any:
        return orm.Int(x.value + 1)

    @provgraph.workfunction
    def chain(start: Any) -> Any:
        value = start
        for _ in range(n_calls):
            value = step(value)
        return value

    _, node = chain.run_get_node(orm.Int(0))
    assert node.pk is not None
    return node.pk


_WALK_SQL = """
WITH RECURSIVE walked(node) AS (
    SELECT output_id FROM db_dblink WHERE input_id = {pk}
    UNION SELECT l.output_id FROM db_dblink l JOIN walked w ON l.input_id = w.node
)
SELECT n.id, n.uuid, n.node_type, n.process_type, n.label, n.attributes
FROM db_dbnode n WHERE n.id IN (SELECT node FROM walked) OR n.id IN (
    SELECT input_id FROM db_dblink WHERE output_id = {pk})
"""


def _plain_walk(storage: Any, pk: int) -> int:
    """The floor of collecting: the same nodes by one hand-written recursive query."""
    location = storage.profile.storage_config
    if "filepath" in location:
        import sqlite3

        connection = sqlite3.connect(Path(location["filepath"]) / "database.sqlite")
        try:
            return len(connection.execute(_WALK_SQL.format(pk=pk)).fetchall())
        finally:
            connection.close()
    import psycopg

    url = (
        f"postgresql://{location['database_username']}@{location['database_hostname']}:"
        f"{location['database_port']}/{location['database_name']}"
    )
    with psycopg.connect(url) as connection:
        return len(connection.execute(_WALK_SQL.format(pk=pk)).fetchall())  # type: ignore[arg-type]


def measure(backend: str, n_calls: int, repeat: int) -> list[str]:
    from provgraph.tools.visualization import Graph, render

    lines = [f"### {backend}, a workflow of {n_calls} calls", ""]
    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-graph-") as folder,
        provgraph_profile(backend, Path(folder)) as storage,
    ):
        start = time.perf_counter()
        workflow = _workflow(n_calls)
        lines.append(f"Built in {time.perf_counter() - start:.1f} s.\n")

        def collect() -> Any:
            graph = Graph(backend=storage)
            graph.recurse_descendants(workflow, max_nodes=10_000)
            graph.recurse_ancestors(workflow, depth=1)
            return graph

        collect_s, graph = _median(collect, repeat)
        floor_s, rows = _median(lambda: _plain_walk(storage, workflow), repeat)
        linked_source = graph.graphviz.source  # aiida-core's way: the workflow's call links drawn
        graph.cluster_workflows()
        dot_s, source = _median(lambda: graph.graphviz.source, repeat)

        def folded() -> Any:
            picture = collect()
            picture.fold_workflows()
            return picture

        fold_s, folded_graph = _median(folded, repeat)
        lines += [
            "| step | ms | floor ms | nodes | edges |",
            "|---|---|---|---|---|",
            f"| collect (walk + load) | {collect_s * 1000:.0f} | {floor_s * 1000:.0f} "
            f"(plain SQL, {rows} rows) | {len(graph.nodes)} | {len(graph.edges)} |",
            f"| collect + fold | {fold_s * 1000:.0f} | | {len(folded_graph.nodes)} | |",
            f"| DOT text (framed) | {dot_s * 1000:.0f} | | | |",
        ]
        if shutil.which("dot") is None:
            lines.append("| SVG | n/a: graphviz's dot is not installed | | | |")
            return [*lines, ""]
        svg_s, _ = _median(lambda: render(graph, "svg"), repeat)
        dot_only_s, _ = _median(
            lambda: subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True),
            repeat,
        )
        folded_svg_s, _ = _median(lambda: render(folded_graph, "svg"), repeat)
        try:
            start = time.perf_counter()
            subprocess.run(
                ["dot", "-Tsvg"],
                input=linked_source.encode(),
                capture_output=True,
                check=True,
                timeout=LINKED_LIMIT,
            )
            linked = f"{(time.perf_counter() - start) * 1000:.0f}"
        except subprocess.TimeoutExpired:
            linked = f"> {LINKED_LIMIT * 1000:,} (stopped)"
        lines += [
            f"| SVG, workflow framed (the default) | {svg_s * 1000:.0f} | "
            f"{dot_only_s * 1000:.0f} (dot alone) | | |",
            f"| SVG, workflow folded | {folded_svg_s * 1000:.0f} | | | |",
            f"| SVG, call links drawn (aiida-core's way; dot alone, once) | {linked} | | | |",
            f"| collect + framed SVG (what a picture costs) | {(collect_s + svg_s) * 1000:.0f} | | | |",
        ]
    return [*lines, ""]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--backends", default="core.sqlite_dos,core.psql_dos")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# Provenance pictures, {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n")
    for backend in args.backends.split(","):
        print("\n".join(measure(backend, args.calls, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
