"""Scratch files and folders named with their owner's PID, swept once the owner is gone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from provgraph.common import scratch


@pytest.fixture(autouse=True)
def fresh_sweeps(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test sweeps anew, in a temp folder of its own."""
    monkeypatch.setattr(scratch, "_SWEPT", set())
    monkeypatch.setattr(scratch.tempfile, "tempdir", str(tmp_path))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_dead_processes_go_and_the_rest_stays(tmp_path: Path) -> None:
    dead = _dead_pid()
    left_folder = tmp_path / f"provgraph-import-{dead}-abc"
    (left_folder / "inner").mkdir(parents=True)
    (left_folder / "inner" / "db.sqlite3").write_bytes(b"x" * 100)
    left_file = tmp_path / f"provgraph-archive-{dead}-def.sqlite3"
    left_file.write_bytes(b"x")
    mine = tmp_path / f"provgraph-import-{os.getpid()}-ghi"
    mine.mkdir()
    other = tmp_path / "provgraph-import-notapid"
    other.mkdir()

    folder = scratch.scratch_folder("provgraph-import-")
    assert folder.parent == tmp_path
    assert folder.name.startswith(f"provgraph-import-{os.getpid()}-")
    assert not left_folder.exists()
    assert mine.exists()  # a live process's scratch is never touched
    assert other.exists()  # not a name scratch made
    assert left_file.exists()  # another prefix: swept when that kind is made

    descriptor, path = scratch.scratch_file("provgraph-archive-", ".sqlite3")
    os.close(descriptor)
    assert path.name.startswith(f"provgraph-archive-{os.getpid()}-")
    assert path.name.endswith(".sqlite3")
    assert not left_file.exists()


def test_beside_a_destination_with_a_suffix(tmp_path: Path) -> None:
    dead = _dead_pid()
    partial = tmp_path / f".out.aiida.{dead}-xyz.partial"
    partial.mkdir()
    unrelated = tmp_path / f".other.aiida.{dead}-xyz.partial"
    unrelated.mkdir()
    made = scratch.scratch_folder(".out.aiida.", parent=tmp_path, suffix=".partial")
    assert made.name.endswith(".partial")
    assert not partial.exists()
    assert unrelated.exists()


def test_each_place_is_swept_once_per_process(tmp_path: Path) -> None:
    scratch.scratch_folder("provgraph-sandbox-").rmdir()
    late = tmp_path / f"provgraph-sandbox-{_dead_pid()}-late"
    late.mkdir()
    scratch.scratch_folder("provgraph-sandbox-").rmdir()
    assert late.exists()  # not scanned again: the sandbox makes a folder per node with files
    assert scratch.sweep_scratch("provgraph-sandbox-", tmp_path) == 1
    assert not late.exists()
