"""W9: quick and full maintenance of the profile W1-W8 leave, on provgraph and aiida-core in one run.

    python bench/maintain.py [--quick] [--no-aiida] [--backends core.sqlite_dos,core.psql_dos]
    python bench/maintain.py --backup [--quick]

provgraph: the graph of W1-W7 (``archive.build_graph``, the same numbers as aiida-core's side),
archived whole as W8 does, then ``storage.maintain()`` (what ``provgraph storage maintain`` runs)
and ``storage.maintain(full=True)`` under the profile's lock (``--full``). aiida-core 2.9.4 (its
side virtualenv, README.md): ``aiida_workloads.py --workloads W1,...,W8,W9``, its
``storage.maintain()`` and ``storage.maintain(full=True)`` on the same graph. Both sides pack the
same 1,000 loose files of W7; beyond aiida-core, provgraph's quick mode refreshes the database's
statistics and checkpoints SQLite's WAL, and its full mode also vacuums the database.

Times are seconds (lower is better); "vs aiida-core" is aiida-core's time over provgraph's (at
least 1.00x is the target: no slower while doing at least as much).

``--backup`` runs ``bench/backup.py``'s figures instead (a full backup of a 100,000-node profile
with 10,000 files, then the incremental one after 1,000 more nodes), when that script exists.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from aiida_workloads import GRAPH_WORKLOADS  # noqa: E402
from archive import build_graph  # noqa: E402
from store import aiida_workloads_for, provgraph_profile, timed  # noqa: E402

Figures = dict[str, dict[str, Any]]


def provgraph_maintenance(backend: str, scale: float, folder: Path) -> Figures:
    """W9 on provgraph: a quick, then a full maintenance of the W1-W8 profile, with bytes freed."""
    from provgraph.access import ProfileAccessManager
    from provgraph.tools.archive import create_archive

    figures: Figures = {}
    with provgraph_profile(backend, folder / "graph") as storage:
        nodes = build_graph(scale)
        create_archive(None, filename=folder / "w8.aiida")  # W8's create, as on aiida-core's side
        reports: list[Any] = []
        quick = timed(lambda: reports.append(storage.maintain()))
        with ProfileAccessManager(storage.profile).lock():
            full = timed(lambda: reports.append(storage.maintain(full=True)))
        figures["W9 quick"] = {"n": nodes, "seconds": quick, "freed": reports[0].bytes_freed}
        figures["W9 full"] = {"n": nodes, "seconds": full, "freed": reports[1].bytes_freed}
        figures["steps"] = {"quick": reports[0], "full": reports[1]}
    return figures


def report(backend: str, ours: Figures, aiida: Figures | None) -> str:
    lines = [
        f"## {backend}",
        "",
        "| W9 step | nodes | provgraph s | freed | aiida-core s | vs aiida-core |",
        "|---|---|---|---|---|---|",
    ]
    for name in ("W9 quick", "W9 full"):
        mine = ours[name]
        theirs = (aiida or {}).get(name)
        their_seconds = f"{theirs['seconds']:.2f}" if theirs else "n/a"
        versus = f"{theirs['seconds'] / mine['seconds']:.2f}x" if theirs else "n/a"
        freed = f"{mine['freed'] / 1024:,.0f} KiB"
        lines.append(
            f"| {name} | {mine['n']:,} | {mine['seconds']:.2f} | {freed} | {their_seconds} | {versus} |"
        )
    for kind, done in ours["steps"].items():
        steps = "; ".join(f"{step.name}: {step.detail}" for step in done.steps)
        lines.append(f"\nprovgraph {kind}: {steps}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--backends", default="core.sqlite_dos")
    parser.add_argument("--no-aiida", action="store_true", help="skip the aiida-core side")
    parser.add_argument("--backup", action="store_true", help="the backup figures (bench/backup.py)")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    if args.backup:
        if not (HERE / "backup.py").exists():
            sys.exit("bench/backup.py does not exist yet: no backup figures")
        from backup import main as backup_main

        sys.argv = [sys.argv[0], *(["--quick"] if args.quick else [])]
        backup_main()
        return
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"# maintenance benchmark (W9), {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n"
    )
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="pg-bench-maintain-") as folder:
            ours = provgraph_maintenance(backend, scale, Path(folder))
        aiida = None
        if not args.no_aiida and backend == "core.sqlite_dos":  # aiida's W8, before W9, is sqlite only
            aiida = aiida_workloads_for(backend, scale, ",".join([*GRAPH_WORKLOADS, "W8", "W9"]))
        print(report(backend, ours, aiida))
        print()


if __name__ == "__main__":
    main()
