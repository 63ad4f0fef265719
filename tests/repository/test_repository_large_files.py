"""A 1 GiB file goes node -> sandbox -> disk-objectstore -> reader without being held in memory.

Runs in a fresh interpreter so that the peak resident set size (``VmHWM``, which never goes
down; not ``ru_maxrss``, which Linux carries over from the parent) measures this round trip
alone. The node is a stand-in (``is_stored``, ``backend``, ``_row``) over a real disk-objectstore
container; no database is needed for this path.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

GIB = 1024**3
MAX_GROWTH_MB = 100

SCRIPT = textwrap.dedent(
    """
    import hashlib, json, os, sys
    from pathlib import Path
    from types import SimpleNamespace

    from provgraph.orm.nodes.repository import NodeRepository, RepositoryState
    from provgraph.repository import DiskObjectStoreRepository

    work, size = Path(sys.argv[1]), int(sys.argv[2])
    chunk_size = 1 << 20

    def peak_mb():  # VmHWM: Linux carries ru_maxrss over fork and exec from the (large) parent
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024

    container = DiskObjectStoreRepository(work / "container")
    container.initialise()
    profile = SimpleNamespace(get_option=lambda name, default=None: str(work / "sandboxes"))
    backend = SimpleNamespace(get_repository=lambda: container, profile=profile)

    source, written = work / "big.bin", hashlib.sha256()
    block = os.urandom(chunk_size)
    with open(source, "wb") as stream:
        for index in range(size // chunk_size):
            chunk = index.to_bytes(8, "little") + block[8:]  # no two chunks alike
            written.update(chunk)
            stream.write(chunk)

    class StandIn:
        # What NodeRepository reads of a node: its state protocol, over a plain row.

        def __init__(self, row, is_stored):
            self._row, self.is_stored, self.backend, self._state = row, is_stored, backend, None

        def _column(self, name):
            return self._row.get(name)

        def _file_state(self):
            return self._state

        def _ensure_file_state(self):
            if self._state is None:
                self._state = RepositoryState()
            return self._state

    def read_back(repository):
        digest = hashlib.sha256()
        with repository.open("data/big.bin", mode="rb") as handle:
            for chunk in iter(lambda: handle.read(chunk_size), b""):
                digest.update(chunk)
        return digest.hexdigest()

    before = peak_mb()
    node = StandIn({"repository_metadata": {}}, is_stored=False)
    node.base_repository = NodeRepository(node)
    node.base_repository.put_object_from_file(source, "data/big.bin")
    source.unlink()
    metadata = node.base_repository._prepare_store()
    node._row = {"id": 1, "repository_metadata": metadata}
    node.is_stored = True
    node.base_repository._after_store()
    same_instance = read_back(node.base_repository)
    loaded = StandIn(dict(node._row), is_stored=True)
    reloaded = read_back(NodeRepository(loaded))
    size_seen = NodeRepository(loaded).get_object_size("data/big.bin")
    after = peak_mb()

    print(json.dumps({
        "written": written.hexdigest(),
        "same_instance": same_instance,
        "reloaded": reloaded,
        "metadata": metadata,
        "size": size_seen,
        "growth_mb": after - before,
        "sandboxes_left": os.listdir(work / "sandboxes"),
    }))
    """
)


def test_a_1_gib_file_streams_through_the_node_repository(tmp_path: Path) -> None:
    script = tmp_path / "roundtrip.py"
    script.write_text(SCRIPT)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path), str(GIB)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    key = report["written"]
    assert report["metadata"] == {"o": {"data": {"o": {"big.bin": {"k": key}}}}}
    assert report["same_instance"] == key
    assert report["reloaded"] == key
    assert report["size"] == GIB
    assert report["sandboxes_left"] == [], "the sandbox copy is deleted after storing"
    assert report["growth_mb"] < MAX_GROWTH_MB, f"peak RSS grew by {report['growth_mb']:.0f} MB"
