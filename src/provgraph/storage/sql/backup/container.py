"""Copying a disk-objectstore container that other processes write meanwhile.

The order is what makes the copy safe (disk-objectstore's own ``backup_utils`` uses the same):

1. loose objects; one that vanishes while we list them was packed meanwhile, and a packer
   records an object in the pack index *before* it removes the loose file;
2. the pack index (``packs.idx``), with SQLite's backup API: one consistent snapshot of it;
3. the pack files. A packer writes an object's bytes into its pack before it commits the
   index row that points at them, and packs are only ever appended to (a repack needs the
   profile's exclusive lock, which a process using the profile prevents), so a pack copied
   after the index snapshot holds every byte that snapshot points at, even while a writer
   appends to it: we copy up to whatever end we find.

So every object present when the copy starts is in the copy, loose or packed. The caller copies
the database *before* the container: every object a row of the database copy refers to was
written before that row was committed, hence before the container copy started.
:func:`missing_objects` checks exactly that afterwards.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from provgraph.common.backup_manifest import ProgressCallback
from provgraph.storage.sql.backup.files import FileWriter

__all__ = ["ContainerCopy", "back_up_container", "loose_keys", "missing_objects"]

LOGGER = logging.getLogger(__name__)

LOOSE = "loose"
PACKS = "packs"
PACK_INDEX = "packs.idx"
CONFIG = "config.json"
#: The folders of an initialised container (``Container.is_initialised`` checks them all).
FOLDERS = (LOOSE, PACKS, "sandbox", "duplicates")
_PROGRESS_EVERY = 500


@dataclass(frozen=True, slots=True)
class ContainerCopy:
    """What the container copy held: loose objects, packed objects and pack files."""

    loose: int
    packed: int
    packs: int


def back_up_container(
    source: Path, relative: str, writer: FileWriter, progress: ProgressCallback | None = None
) -> ContainerCopy:
    """Copy the container at ``source`` to ``writer.root / relative`` (see the module's docstring)."""
    target = writer.root / relative
    target.mkdir()
    for folder in FOLDERS:
        (target / folder).mkdir()
    writer.copy(source / CONFIG, f"{relative}/{CONFIG}")
    loose = _copy_loose(source, relative, writer, _loose_prefix_len(source), progress)
    packed = _copy_pack_index(source, relative, writer)
    packs = _copy_packs(source, relative, writer, progress)
    return ContainerCopy(loose=loose, packed=packed, packs=packs)


def _loose_prefix_len(container: Path) -> int:
    return int(json.loads((container / CONFIG).read_bytes())["loose_prefix_len"])


def _loose_files(source: Path, prefix_len: int) -> list[str]:
    """Relative paths of the loose objects (``ab/cdef...``), sorted."""
    root = source / LOOSE
    found: list[str] = []
    if not prefix_len:
        return sorted(entry.name for entry in os.scandir(root) if entry.is_file(follow_symlinks=False))
    for prefix in sorted(os.listdir(root)):
        if len(prefix) != prefix_len:
            continue
        try:
            names = os.listdir(root / prefix)
        except (FileNotFoundError, NotADirectoryError):
            continue
        found.extend(f"{prefix}/{name}" for name in sorted(names))
    return found


def _copy_loose(
    source: Path, relative: str, writer: FileWriter, prefix_len: int, progress: ProgressCallback | None
) -> int:
    names = _loose_files(source, prefix_len)
    source_root, target_root = os.path.join(source, LOOSE), os.path.join(writer.root, relative, LOOSE)
    made: set[str] = set()
    copied = 0
    for done, name in enumerate(names, 1):
        prefix = name[:prefix_len]
        if prefix_len and prefix not in made:
            os.mkdir(os.path.join(target_root, prefix))
            made.add(prefix)
        if writer.link_object(os.path.join(source_root, name), f"{relative}/{LOOSE}/{name}") is not None:
            copied += 1
        if progress is not None and (done % _PROGRESS_EVERY == 0 or done == len(names)):
            progress("loose objects", done, len(names))
    return copied


def _copy_pack_index(source: Path, relative: str, writer: FileWriter) -> int:
    """Snapshot ``packs.idx`` with SQLite's backup API; return how many objects it lists."""
    index = source / PACK_INDEX
    name = f"{relative}/{PACK_INDEX}"
    if not index.is_file():
        return 0
    reader = sqlite3.connect(index, timeout=60)
    try:
        target = sqlite3.connect(writer.root / name)
        try:
            reader.backup(target, pages=-1)
            # A self-contained file (no -wal beside it); disk-objectstore turns WAL on again.
            target.execute("PRAGMA journal_mode = DELETE")
            (count,) = target.execute("SELECT count(*) FROM db_object").fetchone()
        finally:
            target.close()
    finally:
        reader.close()
    writer.record(name)
    return int(count)


def _copy_packs(source: Path, relative: str, writer: FileWriter, progress: ProgressCallback | None) -> int:
    folder = source / PACKS
    ids = sorted((name for name in os.listdir(folder) if name.isdigit()), key=int)
    total = sum(_size(folder / pack) for pack in ids)
    done = 0
    for pack in ids:
        entry = writer.link_stamped(folder / pack, f"{relative}/{PACKS}/{pack}")
        done += entry.size if entry is not None else 0
        if progress is not None:
            progress("pack files (bytes)", done, max(total, done))
    return len(ids)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def missing_objects(container: Path, keys: Collection[str], loose: Collection[str]) -> list[str]:
    """Which of ``keys`` the container copy at ``container`` cannot give back, sorted.

    A key is there if it is one of the ``loose`` objects the copy wrote, or a row of the copied
    pack index whose bytes lie within the copied pack file. Read-only: the index is opened
    ``immutable`` (no journal files appear beside it).
    """
    remaining = sorted(set(keys).difference(loose))
    if not remaining:
        return []
    index = container / PACK_INDEX
    if not index.is_file():
        return remaining
    packs = container / PACKS
    sizes = {int(name): _size(packs / name) for name in os.listdir(packs) if name.isdigit()}
    connection = sqlite3.connect(f"{index.resolve().as_uri()}?immutable=1", uri=True)
    try:
        ends: dict[str, tuple[int, int]] = {}
        for start in range(0, len(remaining), 500):
            chunk = remaining[start : start + 500]
            rows = connection.execute(
                "SELECT hashkey, pack_id, offset + length FROM db_object "
                f"WHERE hashkey IN ({', '.join('?' for _ in chunk)})",
                chunk,
            )
            ends.update((key, (pack, end)) for key, pack, end in rows)
    finally:
        connection.close()
    return [key for key in remaining if key not in ends or ends[key][1] > sizes.get(ends[key][0], -1)]


def loose_keys(relative: str, paths: Iterable[str]) -> set[str]:
    """The keys of the loose objects among a backup's file ``paths`` (``container/loose/ab/cd...``)."""
    prefix = f"{relative}/{LOOSE}/"
    return {path[len(prefix) :].replace("/", "") for path in paths if path.startswith(prefix)}
