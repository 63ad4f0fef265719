"""A sync SIGKILLed midway (a real child process) leaves both profiles consistent; the next one resumes.

Batches of new nodes commit in the order the nodes were stored, each with the links whose ends
are then both on the target, so the target after the kill passes the integrity check; the next
sync finds the committed nodes present and writes the rest, nothing twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.tools.archive.archive_graph import build_graph
from tests.tools.sync.conftest import SyncPair, signature

from provgraph import orm
from provgraph.provenance import calcfunction
from provgraph.storage.abstract import EntityTypes
from provgraph.tools.integrity import check_integrity
from provgraph.tools.sync import sync_storages

CHILD = Path(__file__).with_name("sync_until_killed.py")
BATCH = 60
_TIMEOUT = 120


@calcfunction
def triple(x: Any) -> Any:
    return x * 3


def test_killed_sync_leaves_a_consistent_target_and_resumes(pair: SyncPair) -> None:
    build_graph()
    for value in range(120):
        triple(orm.Int(value))
    total = pair.source.count_rows(EntityTypes.NODE)
    assert total > 4 * BATCH
    pair.target.close()
    root = Path(__file__).resolve().parents[3]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    with subprocess.Popen(
        [sys.executable, str(CHILD), "laptop", "server", str(BATCH)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    ) as child:
        assert child.stdout is not None
        lines = [child.stdout.readline().strip() for _ in range(2)]
        child.send_signal(signal.SIGKILL)
        _out, errors = child.communicate(timeout=_TIMEOUT)
    assert lines[1].startswith(f"wrote {2 * BATCH} "), (lines, errors)
    assert child.returncode == -signal.SIGKILL

    target = pair.reopen_target()
    assert target.count_rows(EntityTypes.NODE) == 2 * BATCH  # two batches committed, no part of a third
    for storage in (pair.source, target):
        report = check_integrity(storage, hash_sample=0)
        assert report.is_clean, report.summary()

    summary = sync_storages(pair.source, target)
    assert summary.new["Nodes"] == total - 2 * BATCH
    assert summary.present["Nodes"] == 2 * BATCH
    assert target.count_rows(EntityTypes.NODE) == total
    assert signature(target) == signature(pair.source)
    assert check_integrity(target, hash_sample=0).is_clean
    assert sync_storages(pair.source, target).nothing_new
