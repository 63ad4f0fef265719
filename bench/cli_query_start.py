"""First row of a command from the query's start: the part of bench/cli.py's first-row figure that
is not Python's or the library's start-up.

Run by bench/cli.py as a child process (PROVGRAPH_PATH set to the dataset's config); prints one
JSON line. The command's modules (CLI, ORM, the storage backend, disk-objectstore) are imported
first, then the command runs ``repeat`` times through ``provgraph.cli.main.cli`` in this process,
its standard output replaced by a probe that notes when the first data row arrives. Each run
opens the profile's storage anew (the manager is reset between runs), so a figure holds opening
the storage (connecting, the schema check, the access record), compiling the query, the query
itself and formatting the first page: everything between the command starting and its first row.

    python bench/cli_query_start.py --profile bench-cli --repeat 5 -- process list -a
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re
import statistics
import sys
import time

ROW = re.compile(r"^\s*(\d+(\s|$)|file-\d+)")
PRELOAD = (
    "provgraph.orm",
    "provgraph.storage.sqlite_dos.backend",
    "provgraph.storage.psql_dos.backend",
    "disk_objectstore",
    "provgraph.cli.main",
    "provgraph.cli.node",
    "provgraph.cli.node_list",
    "provgraph.cli.process",
    "provgraph.cli.process_list",
    "provgraph.cli.group",
)


class Probe(io.TextIOBase):
    """A standard output that keeps nothing but the moment the first data row was written."""

    def __init__(self) -> None:
        self.first: float | None = None
        self._pending = ""

    def write(self, text: str) -> int:
        if self.first is None:
            self._pending += text
            if any(ROW.match(line) for line in self._pending.splitlines()):
                self.first = time.perf_counter()
                self._pending = ""
        return len(text)

    def isatty(self) -> bool:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    for name in PRELOAD:
        importlib.import_module(name)
    from provgraph.cli.main import cli
    from provgraph.manager import get_manager

    firsts: list[float] = []
    totals: list[float] = []
    for _ in range(args.repeat):
        probe, real = Probe(), sys.stdout
        sys.stdout = probe
        start = time.perf_counter()
        try:
            cli(["-p", args.profile, *args.command], standalone_mode=False)
        finally:
            sys.stdout = real
        end = time.perf_counter()
        if probe.first is None:
            raise SystemExit(f"no data row from {' '.join(args.command)}")
        firsts.append(probe.first - start)
        totals.append(end - start)
        get_manager().reset()
    print(json.dumps({"first": statistics.median(firsts), "total": statistics.median(totals)}))


if __name__ == "__main__":
    main()
