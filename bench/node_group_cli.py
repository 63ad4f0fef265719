"""First-row latency and full time of ``group show`` (100,000 members) and ``node repo ls`` (10,000 files).

Both listings stream through ``cli/listing.emit_rows`` from one query, so the first rows should
appear long before the last. Two measures per command and format, on each SQL backend:

- in process: from calling the command (profile, storage, loads, query all included) to the first
  data row reaching standard output, and to the end;
- as a program: ``provgraph ...`` in a subprocess, from spawn to the first data row and to exit
  (adds the interpreter's start-up and the CLI's imports).

Each case runs right after the bulk load ("fresh": the database has no statistics of the new
rows yet) and again after ``ANALYZE`` ("analyzed", as autovacuum leaves it a little later): on
PostgreSQL the fresh planner sorts the whole membership before the first row.

Run from the project root: ``python bench/node_group_cli.py [--members N] [--files N]``.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from store import provgraph_profile  # noqa: E402  (the benchmarks' shared profile helper)


class TimedStdout(io.StringIO):
    """Standard output that notes when the first data row (the one holding ``token``) arrives."""

    def __init__(self, start: float, token: str) -> None:
        super().__init__()
        self.start = start
        self.token = token
        self.first_row: float | None = None

    def write(self, text: str) -> int:
        if self.first_row is None and self.token in text:
            self.first_row = time.perf_counter() - self.start
        return len(text)

    def isatty(self) -> bool:
        return False


def in_process(args: list[str], token: str) -> tuple[float, float]:
    from provgraph.cli.main import cli

    start = time.perf_counter()
    sink = TimedStdout(start, token)
    saved, sys.stdout = sys.stdout, sink
    try:
        cli.main(args, prog_name="provgraph", standalone_mode=False)
    finally:
        sys.stdout = saved
    total = time.perf_counter() - start
    assert sink.first_row is not None, args
    return sink.first_row, total


def as_program(args: list[str], token: str) -> tuple[float, float]:
    start = time.perf_counter()
    command = [sys.executable, "-c", "from provgraph.cli.entry import main; main()", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first: float | None = None
    for line in process.stdout:
        if first is None and token in line:
            first = time.perf_counter() - start
    process.wait()
    total = time.perf_counter() - start
    assert process.returncode == 0, args
    assert first is not None, args
    return first, total


def build(storage: Any, members: int, files: int) -> tuple[str, str, int]:
    """Group 'big' of ``members`` bulk-inserted nodes, its first member's uuid, a node of ``files`` files."""
    from provgraph import orm
    from provgraph.storage import EntityTypes

    user = storage.get_rows(EntityTypes.USER, columns=["id"], limit=1)[0]["id"]
    start = time.perf_counter()
    with storage.transaction():
        rows = [
            {"user_id": user, "node_type": "data.core.int.Int.", "label": f"n{i}", "attributes": {"value": i}}
            for i in range(members)
        ]
        ids = storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
        (group,) = storage.bulk_insert(
            EntityTypes.GROUP, [{"label": "big", "user_id": user, "type_string": "core"}], allow_defaults=True
        )
        storage.add_group_nodes(group, ids)
    print(f"  built a group of {members:,} nodes in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    start = time.perf_counter()
    node = orm.Data()
    for index in range(files):
        node.base.repository.put_object_from_bytes(b"x" * 64, f"dir/file{index:06d}.txt")
    node.store()
    print(f"  built a node of {files:,} files in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    first = storage.get_rows(EntityTypes.NODE, {"id": ids[0]}, columns=["uuid"])[0]["uuid"]
    return "big", str(first), int(node.pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="core.sqlite_dos,core.psql_dos")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=10_000)
    options = parser.parse_args()
    header = ["backend", "command", "format", "first row", "all", "first row, program", "all, program"]
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|---|---|---|---|---|---|---|")
    for backend in options.backends.split(","):
        with tempfile.TemporaryDirectory() as root, provgraph_profile(backend, Path(root)) as storage:
            print(f"{backend}:", file=sys.stderr)
            group, first_uuid, pk = build(storage, options.members, options.files)
            from provgraph.manager import get_manager

            profile = get_manager().get_profile().name
            cases = [
                (f"group show ({options.members:,})", ["group", "show", group], fmt, first_uuid)
                for fmt in ("tsv", "table", "json")
            ] + [
                (
                    f"node repo ls ({options.files:,} files)",
                    ["node", "repo", "ls", str(pk), "dir"],
                    fmt,
                    "file000000",
                )
                for fmt in ("tsv", "table")
            ]
            in_process(["-p", profile, "group", "show", group, "-l", "1", "-F", "tsv"], first_uuid)  # warm-up
            for statistics in ("fresh", "analyzed"):
                if statistics == "analyzed":
                    # what autovacuum does a while after a bulk load: the planner then knows the sizes
                    with storage.sql.engine.connect() as connection:
                        connection.exec_driver_sql("ANALYZE")
                        connection.commit()
                for name, args, fmt, token in cases:
                    full = ["-p", profile, *args, "-F", fmt]
                    first_in, all_in = in_process(full, token)
                    first_out, all_out = as_program(full, token)
                    lines.append(
                        f"| {backend} ({statistics}) | {name} | {fmt} | {first_in * 1000:.0f} ms | "
                        f"{all_in:.2f} s | {first_out * 1000:.0f} ms | {all_out:.2f} s |"
                    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
