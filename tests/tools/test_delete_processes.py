"""Deleting 20,000 nodes in a real process that is SIGKILLed midway: all or nothing, never a dangling row.

The child (``delete_until_killed.py``) reports each batch it has deleted inside the open
transaction; killed right after the first one, it must leave every row as it was. Killed at
other moments (the ``provgraph node delete`` command, timed), it leaves either nothing or
everything deleted. Either way no link, membership, comment or log points at a missing node,
and the same deletion then runs to the end.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.tools.delete_graph import BulkGraph, build_bulk_graph, dangling, snapshot

from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.tools.integrity import ProblemKind, check_integrity

UNITS = 5_000  # 20,000 nodes to delete (5,000 inputs, calculations, 10,000 outputs)
CHILD = Path(__file__).with_name("delete_until_killed.py")
_CLI = (
    "import sys\n"
    "from provgraph.cli.main import cli\n"
    "cli(['-p', sys.argv[1], 'node', 'delete', '-f', *sys.argv[2:]])\n"
)
_TIMEOUT = 300.0


@pytest.fixture
def bulk(registered_profile: Profile, tmp_path: Path) -> tuple[BulkGraph, Path]:
    """The bulk graph in the registered profile, and a file listing its inputs (the pks to delete)."""
    graph = build_bulk_graph(get_manager().get_profile_storage(), units=UNITS)
    pks_file = tmp_path / "pks.json"
    pks_file.write_text(json.dumps(graph.inputs), encoding="utf-8")
    get_manager().reset()  # the parent keeps no connection open while children write
    return graph, pks_file


def _fresh(profile: Profile) -> tuple[dict[str, Any], dict[str, int]]:
    """Every row and the dangling counts, read through a newly opened storage."""
    manager = get_manager()
    manager.reset()
    manager.load_profile(profile.name)
    storage = manager.get_profile_storage()
    try:
        # every integrity check passes but one: the bulk graph chains its survivors Int -> Int with
        # input_calc links on purpose (links the deletion must not follow), which the endpoint check flags
        integrity = check_integrity(storage, hash_sample=None)
        found = {finding.kind for finding in integrity.findings if finding.count}
        assert found <= {ProblemKind.LINK_ENDPOINTS}, integrity.summary()
        return snapshot(storage), dangling(storage)
    finally:
        manager.reset()


class Child:
    """A Python child process whose standard output a thread reads line by line as it comes.

    (A ``select`` on the pipe would miss lines already read into the file object's buffer.)
    """

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            cwd=Path(__file__).parents[2],
        )
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.rstrip("\n"))
            self._lines.put(line)
        self._lines.put(None)

    def wait_for_line(self, prefix: str) -> str:
        """The next output line starting with ``prefix``; fails if the child ends or takes too long."""
        deadline = time.monotonic() + _TIMEOUT
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                pytest.fail(f"the deleting child ended before {prefix!r}: {self.finish()}")
            if line.startswith(prefix):
                return line.strip()
        self.process.kill()
        pytest.fail(f"the deleting child printed no {prefix!r} in {_TIMEOUT:.0f} s: {self.finish()}")

    def finish(self, timeout: float = _TIMEOUT) -> str:
        """Wait for the end, close the pipes; the child's standard error."""
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        try:
            self.process.wait(timeout=timeout)
            errors = self.process.stderr.read()
        finally:
            self._reader.join(60)
            self.process.stdout.close()
            self.process.stderr.close()
        return errors

    def kill(self, *, may_have_ended: bool = False) -> None:
        """SIGKILL the child; with ``may_have_ended``, it may also have exited on its own just before."""
        self.process.send_signal(signal.SIGKILL)
        errors = self.finish(60)
        if may_have_ended and self.process.returncode == 0:
            return  # it finished between the last poll and the signal
        assert self.process.returncode == -signal.SIGKILL, errors

    @property
    def running(self) -> bool:
        return self.process.poll() is None


def _assert_all_deleted(profile: Profile, graph: BulkGraph) -> None:
    rows, dangling_rows = _fresh(profile)
    assert set(dangling_rows.values()) == {0}, dangling_rows
    assert rows["nodes"] == {(pk,) for pk in graph.kept}
    assert rows["members"] == {(graph.group, pk) for pk in graph.kept}
    assert {node for _, node in rows["comments"]} == {graph.kept[0]}
    assert len(rows["links"]) == len(graph.kept) - 1


def test_sigkill_inside_the_transaction_deletes_nothing(
    registered_profile: Profile, bulk: tuple[BulkGraph, Path]
) -> None:
    graph, pks_file = bulk
    before, dangling_before = _fresh(registered_profile)
    assert len(before["nodes"]) == 4 * UNITS + len(graph.kept)
    assert set(dangling_before.values()) == {0}
    child = Child(str(CHILD), registered_profile.name, str(pks_file), "--pause")
    assert child.wait_for_line("planned") == f"planned {4 * UNITS}"
    assert child.wait_for_line("deleted 5000") == f"deleted 5000 {4 * UNITS}"  # one batch is gone...
    child.kill()  # ...inside the transaction, which dies with the process
    after, dangling_after = _fresh(registered_profile)
    assert after == before
    assert set(dangling_after.values()) == {0}
    finished = Child(str(CHILD), registered_profile.name, str(pks_file))
    errors = finished.finish()
    assert finished.process.returncode == 0, errors
    assert finished.output[-1] == "committed"
    _assert_all_deleted(registered_profile, graph)


# Seconds after the listing's last line (from there on the command deletes) to kill the command:
# the first ones land in the transaction, later ones after the commit on a machine at rest.
_DELAYS = (0.0, 0.2, 0.5, 1.0, 2.0, 4.0)


def test_sigkill_at_other_moments_leaves_all_or_nothing(
    registered_profile: Profile, bulk: tuple[BulkGraph, Path]
) -> None:
    graph, _pks_file = bulk
    before, _ = _fresh(registered_profile)
    command = ["-c", _CLI, registered_profile.name, *map(str, graph.inputs)]
    for delay in _DELAYS:
        child = Child(*command)
        child.wait_for_line("... and ")
        time.sleep(delay)
        if child.running:
            child.kill(may_have_ended=True)
        else:
            errors = child.finish()
            assert child.process.returncode == 0, errors
        rows, dangling_rows = _fresh(registered_profile)
        assert set(dangling_rows.values()) == {0}, dangling_rows
        if rows != before:
            _assert_all_deleted(registered_profile, graph)  # killed after its commit, or finished
            return
        assert child.process.returncode != 0, "a command that finished deleted nothing"
    finished = Child(*command)  # every kill landed before the commit: the deletion still works
    errors = finished.finish()
    assert finished.process.returncode == 0, errors
    _assert_all_deleted(registered_profile, graph)
