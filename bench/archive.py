"""W8: archive the whole profile after W1-W7, then import that archive into a new empty profile.

    python bench/archive.py [--quick] [--no-aiida] [--backends core.sqlite_dos]
    python bench/archive.py --memory [--quick]

provgraph (``provgraph.tools.archive.create_archive(None, filename=...)`` and
``import_archive(path)``), aiida-core 2.9.4 (in its side virtualenv, README.md: the same graph
built by ``aiida_workloads.py``, then ``create_archive`` / ``import_archive``) and the physical
floor, in one run. The floor moves the same rows and objects with nothing but plain calls:

* create: ``SELECT`` every row of the profile's AiiDA tables with sqlite3 and ``executemany`` them
  into a fresh archive database (``create_archive_database``), then a plain zip:
  ``metadata.json`` stored, ``db.sqlite3`` and one ``repo/<sha256>`` member per object deflated
  (level 6, as aiida-core), the objects streamed out of the profile's disk-objectstore container;
* import: read the rows out of that archive's database and ``executemany`` them into the fresh,
  empty database of a new core.sqlite_dos profile (ids kept, no remapping), then put the archive's
  objects into its container with disk-objectstore's ``add_objects_to_pack``.

Times are seconds (lower is better); "vs aiida-core" is aiida-core's time over provgraph's, "share
of floor" the floor's time over provgraph's (1.00x would be the physical limit).

``--memory``: peak RSS (the child process's VmHWM, as store.py) of ``create_archive`` and of
``import_archive`` of a 100,000-node profile holding 10,000 files (target: under 300 MB each);
each step runs in its own child process.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from aiida_workloads import GRAPH_WORKLOADS, dict_value, w4_document  # noqa: E402
from store import aiida_workloads_for, provgraph_profile, timed  # noqa: E402

MISSING = (
    "provgraph.tools.archive.create_archive / import_archive do not exist yet "
    "(archive create/import not merged): provgraph's columns are n/a"
)
TABLES = (
    "db_dbuser",
    "db_dbcomputer",
    "db_dbauthinfo",
    "db_dbgroup",
    "db_dbnode",
    "db_dbcomment",
    "db_dblog",
    "db_dbgroup_dbnodes",
    "db_dblink",
)
MEMORY_TARGET_MB = 300
Figures = dict[str, dict[str, float]]


def archive_functions() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """provgraph's ``create_archive`` and ``import_archive``, or None while they do not exist."""
    import provgraph.tools.archive as tools

    create, load = getattr(tools, "create_archive", None), getattr(tools, "import_archive", None)
    return None if create is None or load is None else (create, load)


# -- the graph: what W1-W7 leave in a profile (aiida_workloads.run on aiida-core's side) --------


def build_graph(scale: float) -> int:
    """Store what W1-W7 store, in the same numbers as aiida_workloads.run; return the node count."""
    import provgraph
    from provgraph import orm

    @provgraph.calcfunction
    def add(x: Any, y: Any) -> Any:
        return x + y

    @provgraph.calcfunction
    def increment(x: Any) -> Any:
        return orm.Int(x.value + 1)

    n_nodes = max(1, int(2000 * scale))
    orm.Int(0).store()  # the warm-up node
    orm.store_many([orm.Int(i) for i in range(n_nodes)])  # W1
    orm.store_many([orm.Dict(dict_value(i)) for i in range(n_nodes)])  # W2
    members = orm.store_many([orm.Int(i) for i in range(max(1, int(5000 * scale)))])  # W6
    orm.Group(label=f"bench-{uuid.uuid4().hex[:8]}").store().add_nodes(members)
    for i in range(max(1, int(500 * scale)) + 1):  # W3, with its warm-up call
        add(orm.Int(i), orm.Int(i))
    orm.store_many([orm.Dict(w4_document(i)) for i in range(max(100, int(10_000 * scale)))])  # W4
    value = orm.Int(0)  # W5
    for _ in range(max(2, int(200 * scale))):
        value = increment(value)
    files = [  # W7
        orm.SinglefileData(io.BytesIO((f"{i:08d}".encode() * 128)[:1024]), filename="file.txt")
        for i in range(max(1, int(1000 * scale)))
    ]
    orm.store_many(files)
    return int(orm.QueryBuilder().append(orm.Node).count())


def storage_paths(storage: Any) -> tuple[Path, Path]:
    """The database file and container folder of a core.sqlite_dos storage."""
    from provgraph.storage import get_storage_class

    storage_class: Any = get_storage_class(storage.profile.storage_backend)  # a SqlDosBackend
    location = storage_class.location(storage.profile)
    return Path(location.database_path), Path(location.container_path)


# -- the floor --------------------------------------------------------------------------------


def floor_create(database: Path, container_path: Path, out: Path) -> dict[str, float]:
    """The same rows and objects into an archive with plain sqlite3 and zipfile calls."""
    from disk_objectstore import Container

    from provgraph.common.archive_format import create_archive_database

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="floor-create-") as folder:
        archive_db = Path(folder) / "db.sqlite3"
        target = create_archive_database(archive_db)
        source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
        target.execute("BEGIN")
        for table in TABLES:
            columns = ", ".join(f'"{row[1]}"' for row in target.execute(f"PRAGMA table_info({table})"))
            rows = source.execute(f"SELECT {columns} FROM {table}").fetchall()
            marks = ", ".join("?" * len(rows[0])) if rows else ""
            if rows:
                target.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        target.execute("COMMIT")
        target.close()
        source.close()
        rows_done = time.perf_counter()
        metadata = {"export_version": "main_0001", "key_format": "sha256", "compression": 6}
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            archive.writestr(zipfile.ZipInfo("metadata.json"), json.dumps(metadata), zipfile.ZIP_STORED)
            archive.write(archive_db, "db.sqlite3")
            with Container(container_path) as container:
                keys = list(container.list_all_objects())
                with container.get_objects_stream_and_meta(keys) as triplets:
                    for key, stream, _ in triplets:
                        if stream is None:
                            raise RuntimeError(f"object {key} is listed but missing from {container_path}")
                        with archive.open(f"repo/{key}", "w") as member:
                            shutil.copyfileobj(stream, member)
    end = time.perf_counter()
    return {"seconds": end - start, "rows_seconds": rows_done - start, "bytes": out.stat().st_size}


def floor_import(archive: Path, database: Path, container_path: Path) -> dict[str, float]:
    """The archive's rows and objects into an empty core.sqlite_dos storage, plain calls only."""
    from disk_objectstore import Container

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="floor-import-") as folder, zipfile.ZipFile(archive) as zipped:
        archive_db = Path(folder) / "db.sqlite3"
        with zipped.open("db.sqlite3") as member, archive_db.open("wb") as handle:
            shutil.copyfileobj(member, handle)
        source = sqlite3.connect(archive_db)
        target = sqlite3.connect(database, isolation_level=None)
        target.execute("PRAGMA journal_mode=WAL")
        target.execute("PRAGMA synchronous=NORMAL")
        target.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            columns = ", ".join(f'"{row[1]}"' for row in source.execute(f"PRAGMA table_info({table})"))
            rows = source.execute(f"SELECT {columns} FROM {table}").fetchall()
            verb = "INSERT OR IGNORE" if table == "db_dbuser" else "INSERT"  # the profile's own user
            if rows:
                marks = ", ".join("?" * len(rows[0]))
                target.executemany(f"{verb} INTO {table} ({columns}) VALUES ({marks})", rows)
        target.execute("COMMIT")
        target.close()
        source.close()
        rows_done = time.perf_counter()
        names = [name for name in zipped.namelist() if name.startswith("repo/")]
        with Container(container_path) as container:
            for offset in range(0, len(names), 1000):
                container.add_objects_to_pack([zipped.read(name) for name in names[offset : offset + 1000]])
    end = time.perf_counter()
    return {"seconds": end - start, "rows_seconds": rows_done - start}


# -- provgraph and aiida-core -----------------------------------------------------------------


def run_provgraph_and_floor(backend: str, scale: float, folder: Path) -> tuple[Figures, Figures, str]:
    """W8 on provgraph (when its archive functions exist) and the floor; and a note."""
    functions = archive_functions()
    ours: Figures = {}
    floor: Figures = {}
    ours_archive = folder / "provgraph-w8.aiida"
    floor_archive = folder / "floor-w8.aiida"
    with provgraph_profile(backend, folder / "graph") as storage:
        nodes = build_graph(scale)
        if backend == "core.sqlite_dos":
            database, container = storage_paths(storage)
            floor["W8 create"] = {"n": nodes, **floor_create(database, container, floor_archive)}
        if functions is not None:
            seconds = timed(lambda: functions[0](None, filename=ours_archive))
            ours["W8 create"] = {"n": nodes, "seconds": seconds, "bytes": ours_archive.stat().st_size}
    if floor:
        with provgraph_profile("core.sqlite_dos", folder / "floor-import") as storage:
            database, container = storage_paths(storage)
            floor["W8 import"] = {"n": nodes, **floor_import(floor_archive, database, container)}
    if functions is not None:
        with provgraph_profile(backend, folder / "import"):
            ours["W8 import"] = {"n": nodes, "seconds": timed(lambda: functions[1](ours_archive))}
    note = "" if functions is not None else MISSING
    return ours, floor, note


def report(backend: str, ours: Figures, aiida: Figures | None, floor: Figures, note: str) -> str:
    lines = [
        f"## {backend}",
        "",
        "| W8 step | nodes | provgraph s | aiida-core s | vs aiida-core | floor s | share of floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for step in ("W8 create", "W8 import"):
        mine = ours.get(step, {}).get("seconds")
        theirs = (aiida or {}).get(step, {}).get("seconds")
        limit = floor.get(step, {}).get("seconds")
        n = next((figures[step]["n"] for figures in (ours, aiida or {}, floor) if step in figures), 0)
        lines.append(
            f"| {step} | {n:,.0f} | {_fmt(mine)} | {_fmt(theirs)} | {_ratio(theirs, mine)} | "
            f"{_fmt(limit)} | {_ratio(limit, mine)} |"
        )
    sizes = [
        f"{who} {figures['W8 create']['bytes'] / 1e6:.2f} MB"
        for who, figures in (("provgraph", ours), ("aiida-core", aiida or {}), ("floor", floor))
        if "W8 create" in figures and "bytes" in figures["W8 create"]
    ]
    lines.append(f"\narchive size: {', '.join(sizes) or 'n/a'}")
    if aiida and "W8 create" in aiida and "W8 create" in floor:
        shares = [
            f"{step.split()[1]} {_ratio(floor[step]['seconds'], aiida[step]['seconds'])}"
            for step in ("W8 create", "W8 import")
        ]
        lines.append(f"aiida-core's share of the floor: {', '.join(shares)}")
    for step, figure in floor.items():
        objects = figure["seconds"] - figure["rows_seconds"]
        lines.append(f"floor {step}: rows {figure['rows_seconds']:.2f} s, objects {objects:.2f} s")
    if note:
        lines.append(f"provgraph: {note}")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None or denominator == 0:
        return "n/a"
    return f"{numerator / denominator:.2f}x"


# -- --memory ---------------------------------------------------------------------------------

MEMORY_CHILD = """
import io, sys, time
sys.path.insert(0, {here!r})
from pathlib import Path
from provgraph import orm
from provgraph.manager import get_manager
from provgraph.profiles import create_profile

step, folder, nodes, files = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
archive = folder / "memory.aiida"
name = "graph" if step in ("build", "create") else "import"
if step != "create":
    create_profile(name, "core.sqlite_dos", {{"filepath": str(folder / name)}}, "bench@localhost")
get_manager().load_profile(name)
start = time.perf_counter()
if step == "build":
    for offset in range(0, nodes - files, 10_000):
        orm.store_many([orm.Int(i) for i in range(offset, min(offset + 10_000, nodes - files))])
    for offset in range(0, files, 1_000):
        orm.store_many([
            orm.SinglefileData(io.BytesIO((f"{{i:08d}}".encode() * 128)[:1024]), filename="f.txt")
            for i in range(offset, min(offset + 1_000, files))
        ])
else:
    import provgraph.tools.archive as tools
    function = getattr(tools, "create_archive" if step == "create" else "import_archive", None)
    if function is None:
        sys.exit("MISSING")
    if step == "create":
        function(None, filename=archive)
    else:
        function(archive)
seconds = time.perf_counter() - start
with open("/proc/self/status") as status:
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(seconds, peak_kb / 1024)
"""


def memory(nodes: int, files: int) -> None:
    print(f"# archive memory: {nodes:,} nodes of which {files:,} with a 1 KiB file\n")
    with tempfile.TemporaryDirectory(prefix="pg-bench-archive-") as folder:
        env = {**os.environ, "PROVGRAPH_PATH": str(Path(folder) / "config")}
        code = MEMORY_CHILD.format(here=str(HERE))
        print("| step | seconds | peak RSS MB | target |")
        print("|---|---|---|---|")
        for step in ("build", "create", "import"):
            command = [sys.executable, "-c", code, step, folder, str(nodes), str(files)]
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            if done.returncode != 0:
                reason = MISSING if "MISSING" in done.stderr else done.stderr.strip()[-2000:]
                print(f"| {step} | failed | | |\n\nprovgraph {step}: {reason}")
                return
            seconds, peak = (float(value) for value in done.stdout.split()[-2:])
            target = (
                "" if step == "build" else ("ok" if peak < MEMORY_TARGET_MB else f"OVER {MEMORY_TARGET_MB}")
            )
            print(f"| {step} | {seconds:.1f} | {peak:.0f} | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--backends", default="core.sqlite_dos")
    parser.add_argument("--no-aiida", action="store_true", help="skip the aiida-core side")
    parser.add_argument("--memory", action="store_true", help="peak RSS of create and import, 100,000 nodes")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    if args.memory:
        memory(int(100_000 * scale), int(10_000 * scale))
        return
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# archive benchmark (W8), {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="pg-bench-archive-") as folder:
            ours, floor, note = run_provgraph_and_floor(backend, scale, Path(folder))
        aiida = None
        if not args.no_aiida and backend == "core.sqlite_dos":  # aiida's W8 import needs a second profile
            aiida = aiida_workloads_for(backend, scale, ",".join([*GRAPH_WORKLOADS, "W8"]))
        print(report(backend, ours, aiida, floor, note))
        print()
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
