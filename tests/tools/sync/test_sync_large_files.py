"""Files travel as streams: a sync of a node with a 200 MB file never holds the file in memory.

The sync runs in a child process that reports its peak RSS (VmHWM) before and after; reading
the file whole would raise the peak by its size.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.tools.sync.conftest import SyncPair

from provgraph import orm
from provgraph.storage.abstract import EntityTypes

SIZE = 200 * 1024 * 1024
_CHILD = """
import json, sys
from provgraph.tools.sync import sync_profiles
import disk_objectstore, provgraph.orm
import provgraph.storage.psql_dos.backend, provgraph.storage.sqlite_dos.backend

def peak():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) * 1024

before = peak()
summary = sync_profiles("laptop", "server")
print(json.dumps({"before": before, "after": peak(), "bytes": summary.object_bytes}))
"""


class _Pattern:
    """A 200 MB stream of a repeating pattern, made as it is read (the test holds no copy either)."""

    def __init__(self, size: int) -> None:
        self.left = size
        self.block = bytes(range(256)) * 4096  # 1 MiB

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        size = min(size, len(self.block))
        self.left -= size
        return self.block[:size]


def test_a_large_file_is_streamed(pair: SyncPair) -> None:
    node = orm.SinglefileData(_Pattern(SIZE), filename="big.bin").store()  # type: ignore[arg-type]
    pair.target.close()
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[3])])}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["bytes"] == SIZE
    assert report["after"] - report["before"] < SIZE // 4, report
    target = pair.reopen_target()
    (row,) = target.get_rows(EntityTypes.NODE, {"uuid": node.uuid}, columns=("repository_metadata",))
    key = row["repository_metadata"]["o"]["big.bin"]["k"]
    digest = hashlib.sha256()
    with target.get_repository().open(key) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    assert digest.hexdigest() == key
