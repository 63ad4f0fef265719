"""Backup: a full online backup of a 100,000-node profile with 10,000 files, then an incremental one.

    python bench/backup.py [--quick] [--backends core.sqlite_dos,core.psql_dos]

provgraph's ``StorageBackend.backup`` (``provgraph storage backup``) on a profile built with
``orm.store_many`` (as ``archive.py --memory`` builds its profile: 90,000 ``Int`` and 10,000
``SinglefileData`` of 1 KiB, loose objects), timed for a full backup into an empty destination,
then, after 1,000 more nodes (100 of them with a file), for the incremental backup that
hard-links what did not change. The same two steps again after a live maintenance has packed
every object (the usual state of a maintained profile: one pack file, a few loose objects).
``--quick`` is a tenth of every size.

Each figure comes with the bytes written (copied) and the bytes hard-linked, and with the floor
from the same run: ``rsync -a`` of the same files into a fresh folder, then ``rsync -a
--link-dest`` against that copy (aiida-core's method, without its consistency: the database file
is copied as it lies; on PostgreSQL a plain ``pg_dump`` stands for the database), each followed
by ``sync --file-system`` as a backup must be durable (provgraph flushes once, with ``syncfs``). "share of
floor" is the floor's time over provgraph's (1.00x would be the physical limit).

``run_backup_benchmark(scale)`` returns the figures as a dict, for ``maintain.py``; each run builds
its profile in a child process, so that the caller's loaded profile and memory are untouched.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

NODES = 100_000
FILES = 10_000
ADDED = 1_000
STEPS = ("full", "incremental", "packed full", "packed incremental")


# -- the child: build, back up, measure ---------------------------------------------------------------


def _build(nodes: int, files: int, tag: str) -> None:
    from provgraph import orm

    plain = nodes - files
    for offset in range(0, plain, 10_000):
        orm.store_many([orm.Int(index) for index in range(offset, min(offset + 10_000, plain))])
    for offset in range(0, files, 1_000):
        orm.store_many(
            [
                orm.SinglefileData(io.BytesIO((f"{tag}{index:08d}".encode() * 128)[:1024]), filename="f.txt")
                for index in range(offset, min(offset + 1_000, files))
            ]
        )


def _backup(storage: Any, dest: Path) -> dict[str, float]:
    start = time.perf_counter()
    summary = storage.backup(dest)
    seconds = time.perf_counter() - start
    manifest = summary.manifest
    return {
        "seconds": seconds,
        "bytes_copied": manifest.bytes_copied,
        "bytes_linked": manifest.bytes_linked,
        "files_copied": manifest.files_copied,
        "files_linked": manifest.files_linked,
    }


def _written(folder: Path) -> dict[str, float]:
    """Bytes and files below ``folder`` with one link (copied) and with more (linked)."""
    figures = {"bytes_copied": 0, "bytes_linked": 0, "files_copied": 0, "files_linked": 0}
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            stat = path.stat()
            kind = "copied" if stat.st_nlink == 1 else "linked"
            figures[f"bytes_{kind}"] += stat.st_size
            figures[f"files_{kind}"] += 1
    return figures


def _floor(storage: Any, target: Path, previous: Path | None) -> dict[str, float]:
    """rsync the storage's files (and pg_dump a PostgreSQL database), linking to ``previous``."""
    location = storage.location(storage.profile)
    start = time.perf_counter()
    target.mkdir(parents=True)
    link = [f"--link-dest={previous / 'container'}"] if previous else []
    subprocess.run(
        ["rsync", "-a", *link, f"{location.container_path}/", f"{target / 'container'}/"], check=True
    )
    if hasattr(location, "database_path"):
        subprocess.run(["rsync", "-a", str(location.database_path), str(target)], check=True)
    else:
        environment = {**os.environ, "PGPASSWORD": location.password}
        url = (
            f"--dbname=host={location.hostname} port={location.port} "
            f"user={location.username} dbname={location.database}"
        )
        with (target / "db.psql").open("wb") as dump:
            subprocess.run(
                ["pg_dump", "--no-owner", "--no-privileges", url], stdout=dump, env=environment, check=True
            )
    subprocess.run(["sync", "--file-system", str(target)], check=True)  # as durable as a backup
    seconds = time.perf_counter() - start
    return {"seconds": seconds, **_written(target)}


def child(backend: str, scale: float, folder: Path) -> dict[str, Any]:
    """Build the profile and measure every step (run in a process of its own)."""
    sys.path.insert(0, str(HERE))
    from store import provgraph_profile

    nodes, files, added = int(NODES * scale), int(FILES * scale), int(ADDED * scale)
    results: dict[str, Any] = {"backend": backend, "nodes": nodes, "files": files, "added": added}
    with provgraph_profile(backend, folder) as storage:
        start = time.perf_counter()
        _build(nodes, files, "a")
        results["build seconds"] = time.perf_counter() - start
        for prefix, dest in (("", folder / "backups"), ("packed ", folder / "backups-packed")):
            if prefix:
                storage.get_repository().maintain(live=True)
            results[f"{prefix}full"] = _backup(storage, dest)
            results[f"floor {prefix}full"] = _floor(storage, folder / f"floor-{prefix}1", None)
            _build(added, added // 10, f"{prefix}b")
            results[f"{prefix}incremental"] = _backup(storage, dest)
            results[f"floor {prefix}incremental"] = _floor(
                storage, folder / f"floor-{prefix}2", folder / f"floor-{prefix}1"
            )
            shutil.rmtree(dest)
    return results


# -- the parent ---------------------------------------------------------------------------------------


def run_backup_benchmark(scale: float, backend: str = "core.sqlite_dos") -> dict[str, Any]:
    """Build a profile of ``scale`` x 100,000 nodes (a tenth of them with a 1 KiB file) in a child
    process and time a full and an incremental backup, loose and packed, with the rsync floor.

    Returns ``{"full": {"seconds", "bytes_copied", "bytes_linked", "files_copied", "files_linked"},
    "incremental": ..., "packed full": ..., "packed incremental": ..., "floor full": ..., ...,
    "nodes", "files", "added", "backend", "build seconds"}``.

    >>> figures = run_backup_benchmark(0.01)  # doctest: +SKIP
    >>> figures["incremental"]["bytes_linked"] > 0  # doctest: +SKIP
    True
    """
    with tempfile.TemporaryDirectory(prefix="pg-bench-backup-") as folder:
        command = [sys.executable, str(Path(__file__).resolve()), "--child", backend, str(scale), folder]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the backup benchmark failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def _mb(size: float) -> str:
    return f"{size / 1024**2:.1f}"


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"## {figures['backend']}: {figures['nodes']:,} nodes, {figures['files']:,} files; "
        f"{figures['added']:,} nodes added before each incremental backup "
        f"(profile built in {figures['build seconds']:.1f} s)",
        "",
        "| step | seconds | MB copied | MB linked | files copied | files linked "
        "| floor s | floor MB copied | share of floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for step in STEPS:
        ours, floor = figures[step], figures[f"floor {step}"]
        lines.append(
            f"| {step} | {ours['seconds']:.2f} | {_mb(ours['bytes_copied'])} | {_mb(ours['bytes_linked'])} "
            f"| {ours['files_copied']:,} | {ours['files_linked']:,} | {floor['seconds']:.2f} "
            f"| {_mb(floor['bytes_copied'])} | {floor['seconds'] / ours['seconds']:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        backend, scale, folder = sys.argv[2], float(sys.argv[3]), Path(sys.argv[4])
        print(json.dumps(child(backend, scale, folder)))
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a tenth of the sizes")
    parser.add_argument("--backends", default="core.sqlite_dos")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"# backup benchmark, {started}, {os.cpu_count()} cores, python {sys.version.split()[0]}\n")
    for backend in args.backends.split(","):
        print(report(run_backup_benchmark(scale, backend)))
        print()


if __name__ == "__main__":
    main()
