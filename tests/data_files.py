"""Where the suite's data files live (imported as ``tests.data_files``).

All of them sit in ``tests/data`` inside the repository, so that a checkout is enough to run
every test: a missing file fails the tests that read it, it never skips them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["AIIDA_NODE_HASHES", "DATA_DIR", "SMALL_ARCHIVE", "SMALL_MANIFEST"]

DATA_DIR = Path(__file__).parent / "data"

# An archive aiida-core 2.9.4 exported, byte-identical to the shared fixture, and aiida's ground
# truth for it (see aiida-archives/README.md; the ``legacy/`` archives it mentions are not copied).
SMALL_ARCHIVE = DATA_DIR / "aiida-archives" / "small.aiida"
SMALL_MANIFEST = DATA_DIR / "aiida-archives" / "small.manifest.json"

# Hashes aiida-core 2.9.4 gave nodes the archive lacks (a CalcJobNode, a WorkChainNode, ...).
AIIDA_NODE_HASHES = DATA_DIR / "aiida_node_hashes.json"
