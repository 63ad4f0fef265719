"""First-row latency and full time of ``group show`` (100,000 members) and ``node repo ls`` (10,000 files).

Both listings stream through ``cli/listing.emit_rows`` from one query, so the first rows should
appear long before the last. Two measures per command and format, on each SQL backend:

- in process: from calling the command (profile, storage, loads, query all included) to the first
  data row reaching standard output, and to the end;
- as a program: ``provgraph ...`` in a subprocess, from spawn to the first data row and to exit
  (adds the interpreter's start-up and the CLI's imports).

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
    """Standard output that notes when the first line after the header arrives."""

    def __init__(self, start: float, header_lines: int) -> None:
        super().__init__()
        self.start = start
        self.header_lines = header_lines
        self.first_row: float | None = None
        self._lines = 0

    def write(self, text: str) -> int:
        if self.first_row is None:
            self._lines += text.count("\n")
            if self._lines > self.header_lines:
                self.first_row = time.perf_counter() - self.start
        return len(text)

    def isatty(self) -> bool:
        return False


def in_process(args: list[str], header_lines: int) -> tuple[float, float]:
    from provgraph.cli.main import cli

    start = time.perf_counter()
    sink = TimedStdout(start, header_lines)
    saved, sys.stdout = sys.stdout, sink
    try:
        cli.main(args, prog_name="provgraph", standalone_mode=False)
    finally:
        sys.stdout = saved
    total = time.perf_counter() - start
    return sink.first_row if sink.first_row is not None else total, total


def as_program(args: list[str], header_lines: int) -> tuple[float, float]:
    start = time.perf_counter()
    command = [sys.executable, "-c", "from provgraph.cli.entry import main; main()", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first: float | None = None
    for index, _line in enumerate(process.stdout):
        if first is None and index >= header_lines:
            first = time.perf_counter() - start
    process.wait()
    total = time.perf_counter() - start
    assert process.returncode == 0, args
    return first if first is not None else total, total


def build(storage: Any, members: int, files: int) -> tuple[str, int]:
    """A group 'big' with ``members`` bulk-inserted nodes; a node with ``files`` files (its pk)."""
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
    return "big", int(node.pk)


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
            group, pk = build(storage, options.members, options.files)
            from provgraph.manager import get_manager

            profile = get_manager().get_profile().name
            cases = [
                (f"group show ({options.members:,})", ["group", "show", group], "tsv", 1),
                (f"group show ({options.members:,})", ["group", "show", group], "table", 12),
                (f"group show ({options.members:,})", ["group", "show", group], "json", 4),
                (f"node repo ls ({options.files:,} files)", ["node", "repo", "ls", str(pk), "dir"], "tsv", 1),
                (
                    f"node repo ls ({options.files:,} files)",
                    ["node", "repo", "ls", str(pk), "dir"],
                    "table",
                    1,
                ),
            ]
            for name, args, fmt, header in cases:
                full = ["-p", profile, *args, "-F", fmt]
                first_in, all_in = in_process(full, header)
                first_out, all_out = as_program(full, header)
                lines.append(
                    f"| {backend} | {name} | {fmt} | {first_in * 1000:.0f} ms | {all_in:.2f} s | "
                    f"{first_out * 1000:.0f} ms | {all_out:.2f} s |"
                )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
