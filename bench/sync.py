"""Sync between two profiles (issue 17): first sync, incremental sync, and archive create + import.

    python bench/sync.py [--quick] [--targets core.sqlite_dos,core.psql_dos]
    python bench/sync.py --nothing-new-at 1000000

A laptop profile (core.sqlite_dos) holds 100,000 nodes (``--quick``: 10,000): 10,000 with a
1 KiB file, 2,000 calcfunction calls (their inputs, calculations and outputs, linked), Ints and
Dicts for the rest, a group and comments. Each step runs in its own child process and reports
its seconds and its peak RSS (VmHWM), in one run:

1. ``sync_profiles(laptop, server)`` into an empty server profile (each target backend);
2. 1,000 new nodes on the laptop (500 calcfunction calls), then the incremental sync;
3. a sync with nothing new;
4. the same data moved the archive way: ``create_archive`` of the whole laptop profile, then
   ``import_archive`` into a fresh server profile (what a user without sync does each time).

Targets: the incremental sync at least 20x faster than create + import of the whole; peak RSS
under 300 MB for every step. ``--nothing-new-at N`` builds N nodes (``store_many``), syncs them
once, and times a sync with nothing new (target: under one second at 1,000,000).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
POSTGRES = os.environ.get("PROVGRAPH_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
MEMORY_TARGET_MB = 300
SPEED_TARGET = 20.0

CHILD = r"""
import io, json, sys, time, uuid
from pathlib import Path

step, folder, arguments = sys.argv[1], Path(sys.argv[2]), json.loads(sys.argv[3])
# Every step imports the same modules before its clock starts (the library's own import cost, the
# same for each, is not what is compared): the storages, the object store, the ORM, the tools.
imported = time.perf_counter()
import disk_objectstore, provgraph.orm, provgraph.tools.archive, provgraph.tools.sync
import provgraph.storage.psql_dos.backend, provgraph.storage.sqlite_dos.backend
imported = time.perf_counter() - imported

def profile(name, backend):
    from provgraph.profiles import create_profile
    if backend == "core.sqlite_dos":
        config = {"filepath": str(folder / name)}
    else:
        from provgraph.storage import get_storage_class
        url = arguments["postgres"].rsplit("/", 1)[0] + "/pgbench_sync_" + uuid.uuid4().hex[:8]
        config = get_storage_class(backend).config_from_url(url, folder / f"{name}-repo")
    create_profile(name, backend, config, "bench@localhost")

def build(nodes, files, calls, offset):
    from provgraph import orm
    from provgraph.provenance import calcfunction

    @calcfunction
    def scale(x, factor):
        return orm.Float(x.value * factor.value)

    for start in range(0, files, 1000):
        orm.store_many([
            orm.SinglefileData(io.BytesIO((f"{offset + i:08d}".encode() * 128)[:1024]), filename="data.txt")
            for i in range(start, min(start + 1000, files))
        ])
    for i in range(calls):
        scale(orm.Int(offset + i), orm.Float(1.5))
    rest = nodes - files - 4 * calls
    members = []
    for start in range(0, rest, 10_000):
        batch = [
            orm.Int(offset + i) if i % 2 else orm.Dict({"i": offset + i, "tag": "bench"})
            for i in range(start, min(start + 10_000, rest))
        ]
        members.extend(node.pk for node in orm.store_many(batch)[:100])
    group = orm.Group(label=f"bench-{uuid.uuid4().hex[:8]}").store()
    group.add_nodes([orm.load_node(pk) for pk in members[:200]])
    for pk in members[:50]:
        orm.load_node(pk).base.comments.add(f"comment on {pk}")

start = time.perf_counter()
result = {}
if step == "build":
    from provgraph.manager import get_manager
    profile("laptop", "core.sqlite_dos")
    get_manager().load_profile("laptop")
    start = time.perf_counter()
    build(arguments["nodes"], arguments["files"], arguments["calls"], 0)
elif step == "add":
    from provgraph.manager import get_manager
    get_manager().load_profile("laptop")
    start = time.perf_counter()
    build(arguments["nodes"], 0, arguments["calls"], 10_000_000)
elif step == "target":
    profile(arguments["name"], arguments["backend"])
elif step == "sync":
    from provgraph.tools.sync import sync_profiles
    start = time.perf_counter()
    summary = sync_profiles("laptop", arguments["name"])
    result = {"nodes": summary.new.get("Nodes", 0), "objects": summary.objects, "bytes": summary.object_bytes,
              "incremental": summary.incremental}
elif step == "create":
    from provgraph.manager import get_manager
    from provgraph.tools.archive import create_archive
    get_manager().load_profile("laptop")
    start = time.perf_counter()
    create_archive(None, filename=folder / "laptop.aiida", overwrite=True)
elif step == "import":
    from provgraph.manager import get_manager
    from provgraph.tools.archive import import_archive
    get_manager().load_profile(arguments["name"])
    start = time.perf_counter()
    import_archive(folder / "laptop.aiida")
elif step == "delete":
    from provgraph.profiles import delete_profile
    delete_profile(arguments["name"])
seconds = time.perf_counter() - start
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "peak_mb": peak_kb / 1024, "imports": imported, **result}))
"""


def child(step: str, folder: Path, **arguments: Any) -> dict[str, Any]:
    """Run one step in a fresh interpreter; its JSON report (seconds, peak_mb, ...)."""
    env = {**os.environ, "PROVGRAPH_PATH": str(folder / "config")}
    arguments.setdefault("postgres", POSTGRES)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, step, str(folder), json.dumps(arguments)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def row(name: str, figures: dict[str, Any], note: str = "") -> str:
    memory = figures["peak_mb"]
    flag = "ok" if memory < MEMORY_TARGET_MB else f"OVER {MEMORY_TARGET_MB}"
    return f"| {name} | {figures['seconds']:.2f} | {memory:.0f} ({flag}) | {note} |"


def run(scale: float, targets: list[str]) -> None:
    nodes, files, calls = int(100_000 * scale), int(10_000 * scale), int(2000 * scale)
    with tempfile.TemporaryDirectory(prefix="pg-bench-sync-") as name:
        folder = Path(name)
        built = child("build", folder, nodes=nodes, files=files, calls=calls)
        print(
            f"laptop profile: {nodes:,} nodes, {files:,} files, {calls:,} calls, "
            f"built in {built['seconds']:.0f} s"
        )
        print(f"(each step in its own process; module imports, {built['imports']:.2f} s, before its clock)\n")
        for backend in targets:
            print(f"## core.sqlite_dos -> {backend}\n")
            print("| step | seconds | peak RSS MB | |")
            print("|---|---|---|---|")
            child("target", folder, name="server", backend=backend)
            first = child("sync", folder, name="server")
            print(row("first sync", first, f"{first['nodes']:,} nodes, {first['objects']:,} files"))
            added = child("add", folder, nodes=1000, calls=250)
            incremental = child("sync", folder, name="server")
            note = f"{incremental['nodes']:,} nodes (added in {added['seconds']:.1f} s)"
            note += "" if incremental["incremental"] else "; NO cursor used"
            print(row("incremental sync after 1,000 new nodes", incremental, note))
            nothing = child("sync", folder, name="server")
            print(row("sync with nothing new", nothing, f"{nothing['nodes']} nodes"))
            child("target", folder, name="archive-server", backend=backend)
            create = child("create", folder)
            load = child("import", folder, name="archive-server")
            whole = create["seconds"] + load["seconds"]
            print(row("archive create (whole laptop)", create))
            print(row("archive import (into an empty server)", load))
            ratio = whole / incremental["seconds"]
            verdict = "met" if ratio >= SPEED_TARGET else "NOT met"
            print(
                f"\ncreate + import of the whole: {whole:.2f} s = {ratio:.1f}x the incremental sync "
                f"(target {SPEED_TARGET:.0f}x: {verdict}); first sync vs create + import: "
                f"{whole / first['seconds']:.2f}x\n"
            )
            for server in ("server", "archive-server"):
                child("delete", folder, name=server)


def nothing_new(count: int) -> None:
    with tempfile.TemporaryDirectory(prefix="pg-bench-sync-") as name:
        folder = Path(name)
        built = child("build", folder, nodes=count, files=0, calls=0)
        child("target", folder, name="server", backend="core.sqlite_dos")
        first = child("sync", folder, name="server")
        print(
            f"{count:,} nodes: built in {built['seconds']:.0f} s, first sync {first['seconds']:.1f} s "
            f"(peak {first['peak_mb']:.0f} MB)"
        )
        runs = [child("sync", folder, name="server") for _ in range(3)]
        best = min(figures["seconds"] for figures in runs)
        verdict = "met" if best < 1.0 else "NOT met"
        times = ", ".join(f"{figures['seconds']:.3f}" for figures in runs)
        print(f"sync with nothing new: {times} s (best {best:.3f} s; target under 1 s: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--targets", default="core.sqlite_dos,core.psql_dos")
    parser.add_argument(
        "--nothing-new-at", type=int, metavar="N", help="only: a sync with nothing new on N nodes"
    )
    args = parser.parse_args()
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# sync benchmark, {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n")
    if args.nothing_new_at:
        nothing_new(args.nothing_new_at)
        return
    began = time.perf_counter()
    run(0.1 if args.quick else 1.0, args.targets.split(","))
    print(f"whole run: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
