"""W3: calcfunction calls, provgraph vs aiida-core, with a breakdown of one call.

    python bench/provenance.py [--quick] [--backends core.sqlite_dos,core.psql_dos] [--no-aiida]

Each call of `add(Int, Int)` with fresh inputs records one process node, two input links and one
output node (spec/workloads.md). aiida-core runs in its own virtualenv (README.md). provgraph's
time per call is given as wall and CPU time (``time.process_time``): on a shared machine the CPU
time is the steadier figure. The breakdown splits one call into its phases (cProfile).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from store import aiida_workloads_for, provgraph_profile, rate, ratio  # noqa: E402


def provgraph_w3(backend: str, n_calls: int, breakdown: bool) -> tuple[dict[str, float], str]:
    """Wall and CPU seconds of ``n_calls`` calls; with ``breakdown``, where one call's time goes."""
    import provgraph
    from provgraph import orm

    @provgraph.calcfunction
    def add(x: Any, y: Any) -> Any:
        return x + y

    with tempfile.TemporaryDirectory(prefix="pg-bench-") as folder, provgraph_profile(backend, Path(folder)):
        add(orm.Int(0), orm.Int(0))  # warm up
        cpu = time.process_time()
        start = time.perf_counter()
        for i in range(n_calls):
            add(orm.Int(i), orm.Int(i))
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        text = ""
        if breakdown:
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(200):
                add(orm.Int(i), orm.Int(i))
            profiler.disable()
            text = _breakdown(profiler, 200)
    return {"n": n_calls, "seconds": seconds, "cpu_seconds": cpu}, text


# The phases of one call: (what, file path suffix, function names); cumulative times per call.
PHASES: list[tuple[str, str, tuple[str, ...]]] = [
    ("arguments to input nodes", "provenance/inputs.py", ("bind_inputs",)),
    ("process node + input links", "provenance/runner.py", ("_new_node",)),
    ("caching switched on?", "provenance/runner.py", ("_from_cache",)),
    ("new inputs fixed (rows, files, hashes)", "orm/batch.py", ("prepare_rows",)),
    ("the function itself", "bench/provenance.py", ("add",)),
    ("outputs checked + CREATE links", "provenance/runner.py", ("_returned", "_link_created")),
    ("source file into the object store", "process/function.py", ("attach_source",)),
    ("store_many (the one transaction)", "orm/batch.py", ("store_many",)),
    ("  rows + hashes of node, outputs", "orm/batch.py", ("_rows_with_hashes",)),
    ("  INSERTs (2 bulk_insert)", "storage/sql/store.py", ("bulk_insert",)),
    ("    of which savepoints", "storage/sql/store.py", ("_atomic",)),
    ("  BEGIN + COMMIT", "storage/sql/engines.py", ("write_transaction",)),
]


def _breakdown(profiler: cProfile.Profile, calls: int) -> str:
    """Cumulative time per call of the phases of a call, then of the costliest provgraph functions."""
    stats = pstats.Stats(profiler)
    entries = stats.stats.items()  # type: ignore[attr-defined]
    lines = ["phases of one call (cProfile, cumulative; the profiler inflates Python-heavy rows):"]
    for what, suffix, names in PHASES:
        total = sum(
            cumulative
            for (filename, _line, name), (_cc, _nc, _tt, cumulative, _callers) in entries
            if filename.endswith(suffix) and name in names
        )
        lines.append(f"{total / calls * 1e6:8.0f} us  {what}")
    rows = []
    for (filename, line, name), (_cc, _nc, _tt, cumulative, _callers) in entries:
        if "provgraph" in filename or ("sqlalchemy/engine/base.py" in filename and name == "execute"):
            short = filename.split("src/")[-1] if "src/" in filename else filename.split("site-packages/")[-1]
            rows.append((cumulative / calls * 1e6, f"{short}:{line}({name})"))
    rows.sort(reverse=True)
    lines.append("\ncostliest functions (cumulative per call):")
    lines += [f"{micros:8.0f} us  {where}" for micros, where in rows[:20]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="100 calls instead of 500")
    parser.add_argument("--backends", default="core.sqlite_dos,core.psql_dos")
    parser.add_argument("--no-aiida", action="store_true")
    args = parser.parse_args()
    n_calls = 100 if args.quick else 500
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# provenance benchmark (W3), {started}, {os.cpu_count()} cores\n")
    print("| backend | calls | provgraph calls/s | ms/call wall, CPU | aiida-core calls/s | vs aiida-core |")
    print("|---|---|---|---|---|---|")
    breakdowns = []
    for backend in args.backends.split(","):
        ours, text = provgraph_w3(backend, n_calls, breakdown=backend == "core.sqlite_dos")
        theirs = None if args.no_aiida else aiida_workloads_for(backend, n_calls / 500, "W3")
        mine, other = rate(ours), rate((theirs or {}).get("W3"))
        other_text = "n/a" if other is None else f"{other:,.1f}"
        per_call = f"{ours['seconds'] / n_calls * 1e3:.2f}, {ours['cpu_seconds'] / n_calls * 1e3:.2f}"
        print(f"| {backend} | {n_calls} | {mine:,.0f} | {per_call} | {other_text} | {ratio(mine, other)} |")
        if text:
            breakdowns.append(f"\n{backend}: {text}")
    print("\n".join(breakdowns))


if __name__ == "__main__":
    main()
