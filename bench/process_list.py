"""``provgraph process list``: time to the first row and to the last, on a profile of N nodes.

    python bench/process_list.py                       # 7,800 processes, then 1,000,000 nodes
    python bench/process_list.py --sizes 7800 --backends core.sqlite_dos,core.psql_dos

A profile gets ``size`` nodes: below 100,000 all are finished calcfunction-like process nodes;
from 100,000 on one node in four is a process and the rest are Ints, and one process in 2,500
is running. Nodes are stored with ``orm.store_many`` in batches.
Each listing runs in this process through the click command (profile and storage open already,
as in a command after start-up), with standard output replaced by a writer that notes when the
first row arrives; the best of 3 runs is reported. The last lines are the wall time of the whole
``provgraph process list -a`` command line, interpreter start-up included, and of one that lists
nothing (``-S created``): their difference is what the listing itself costs.
"""

from __future__ import annotations

import argparse
import io
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

_BATCH = 10_000
_MIXED_FROM = 100_000  # from this size on, one node in four is a process


class _Clock(io.StringIO):
    """A standard output that notes when the first data row is written (header lines skipped)."""

    def __init__(self, start: float, header_lines: int) -> None:
        super().__init__()
        self.start = start
        self.first: float | None = None
        self.header_lines = header_lines

    def write(self, text: str) -> int:
        if self.first is None and text.count("\n") + self.getvalue().count("\n") > self.header_lines:
            self.first = time.perf_counter() - self.start
        return super().write(text)


def _fill(size: int, processes_only: bool) -> int:
    from provgraph import orm

    processes = 0
    batch: list[Any] = []
    for index in range(size):
        if processes_only or index % 4 == 0:
            node = orm.CalcFunctionNode()
            node.set_process_label(f"add_{index % 7}")
            running = not processes_only and processes % 2500 == 0
            node.set_process_state("running" if running else "finished")
            if not running:
                node.set_exit_status(0 if index % 10 else 1)
                node.seal()
            processes += 1
        else:
            node = orm.Int(index)
        batch.append(node)
        if len(batch) >= _BATCH:
            orm.store_many(batch)
            batch.clear()
    if batch:
        orm.store_many(batch)
    return processes


def _listing(args: list[str], header_lines: int) -> tuple[float, float, int]:
    """(first row s, total s, output lines), best of 3."""
    from provgraph.cli.main import cli

    best: tuple[float, float, int] | None = None
    for _ in range(3):
        start = time.perf_counter()
        clock = _Clock(start, header_lines)
        saved = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = clock, io.StringIO()
        try:
            cli.main(["process", "list", *args], prog_name="provgraph", standalone_mode=False)
        finally:
            sys.stdout, sys.stderr = saved
        total = time.perf_counter() - start
        lines = clock.getvalue().count("\n")
        figure = (clock.first if clock.first is not None else total, total, lines)
        if best is None or figure[1] < best[1]:
            best = figure
    assert best is not None
    return best


def _subprocess(profile_name: str, *args: str) -> float:
    provgraph = Path(sys.executable).parent / "provgraph"
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [str(provgraph), "-p", profile_name, "process", "list", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            env=os.environ.copy(),
        )
        best = min(best, time.perf_counter() - start)
    return best


def run(backend: str, size: int, processes_only: bool) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="pg-plist-") as folder,
        provgraph_profile(backend, Path(folder)) as storage,
    ):
        start = time.perf_counter()
        processes = _fill(size, processes_only)
        stored = time.perf_counter() - start
        print(f"\n{backend}: {size:,} nodes, {processes:,} processes (stored in {stored:.1f} s)")
        cases = [
            ("process list (active only)", [], 1),
            ("process list -a", ["-a"], 1),
            ("process list -a -F tsv", ["-a", "-F", "tsv"], 1),
            ("process list -a -D desc -l 100", ["-a", "-D", "desc", "-l", "100"], 1),
            ("process list -a -P pk uuid state computer", ["-a", "-P", "pk", "uuid", "state", "computer"], 1),
        ]
        for title, args, header_lines in cases:
            first, total, lines = _listing(args, header_lines)
            figures = f"first row {first * 1000:7.1f} ms   all {total * 1000:8.1f} ms"
            print(f"  {title:45s} {figures}   ({lines:,} lines)")
        if size < _MIXED_FROM:
            wall = _subprocess(storage.profile.name, "-a")
            print(f"  {'provgraph process list -a (whole command)':45s} {wall * 1000:8.1f} ms wall")
            empty = _subprocess(storage.profile.name, "-S", "created")
            print(f"  {'provgraph process list -S created (no rows)':45s} {empty * 1000:8.1f} ms wall")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="7800,1000000", help="Comma-separated node counts.")
    parser.add_argument("--backends", default="core.sqlite_dos", help="Comma-separated storage backends.")
    options = parser.parse_args()
    for backend in options.backends.split(","):
        for size in (int(text) for text in options.sizes.split(",")):
            run(backend, size, processes_only=size < _MIXED_FROM)


if __name__ == "__main__":
    main()
