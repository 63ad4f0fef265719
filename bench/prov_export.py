"""The W3C PROV export (issue 17) of a 10,000-node profile: seconds and peak RSS per format.

    python bench/prov_export.py [--nodes 10000] [--backends core.sqlite_dos core.psql_dos]

The graph is recorded with a workfunction calling two calcfunctions, so that every link type
but CALL_WORK occurs (7 nodes per call: x, y, the workflow, add, its sum, multiply, the product).
Each export (``provgraph.tools.prov.export_prov(None, FILE)``) runs in a child process of its own
that loads the profile, imports ``prov`` and then exports: the report gives its peak RSS
(VmHWM, as store.py) and its RSS before the export, the difference being what the export holds
(mostly the ``prov`` package's in-memory document, which every one of its serialisers needs).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from store import provgraph_profile  # noqa: E402

FORMATS = ("json", "provn", "xml", "trig")

CHILD = """
import sys, time
from provgraph import load_profile
load_profile({profile!r})
import prov.model
from provgraph.tools.prov import export_prov

def rss(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024

before = rss("VmRSS")
start = time.perf_counter()
summary = export_prov(None, {path!r})
seconds = time.perf_counter() - start
print(seconds, before, rss("VmHWM"), summary.entities + summary.activities)
"""


def build_graph(nodes: int) -> None:
    """Record ``nodes`` nodes (rounded up to 7 per workflow) in the loaded profile."""
    from provgraph import orm
    from provgraph.provenance import calcfunction, workfunction

    @calcfunction
    def add(x: Any, y: Any) -> Any:
        return x + y

    @calcfunction
    def multiply(x: Any, y: Any) -> Any:
        return x * y

    @workfunction
    def add_multiply(x: Any, y: Any) -> Any:
        return multiply(add(x, y), y)

    for index in range(-(-nodes // 7)):
        add_multiply(orm.Int(index), orm.Int(index + 1))


def measure(profile: str, path: Path) -> dict[str, float]:
    code = CHILD.format(profile=profile, path=str(path))
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ.copy()
    ).stdout
    seconds, before, peak, count = (float(value) for value in output.split())
    return {
        "seconds": seconds,
        "rss_before_mb": before,
        "peak_rss_mb": peak,
        "nodes": count,
        "file_mb": path.stat().st_size / 2**20,
    }


def run(backend: str, nodes: int) -> None:
    from provgraph.storage.abstract import EntityTypes

    with (
        tempfile.TemporaryDirectory(prefix="pg-bench-prov-") as folder,
        provgraph_profile(backend, Path(folder)) as storage,
    ):
        start = time.perf_counter()
        build_graph(nodes)
        links = storage.count_rows(EntityTypes.LINK)
        print(
            f"{backend}: recorded {nodes} nodes, {links} links in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        print(f"{'format':8} {'nodes':>7} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9} {'file':>8}")
        for suffix in FORMATS:
            figures = measure(storage.profile.name, Path(folder) / f"graph.{suffix}")
            print(
                f"{suffix:8} {figures['nodes']:7.0f} {figures['seconds']:8.2f} "
                f"{figures['rss_before_mb']:8.0f} MB {figures['peak_rss_mb']:6.0f} MB "
                f"{figures['file_mb']:5.1f} MB",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--backends", nargs="+", default=["core.sqlite_dos"])
    arguments = parser.parse_args()
    for backend in arguments.backends:
        run(backend, arguments.nodes)


if __name__ == "__main__":
    main()
