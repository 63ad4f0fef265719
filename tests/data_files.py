"""Where the suite's data files live (imported as ``tests.data_files``).

All of them sit in ``tests/data`` inside the repository, so that a checkout is enough to run
every test: a missing file fails the tests that read it, it never skips them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AIIDA_NODE_HASHES",
    "DATA_DIR",
    "LEGACY_DIR",
    "SMALL_ARCHIVE",
    "SMALL_MANIFEST",
    "legacy_imported_archives",
]

DATA_DIR = Path(__file__).parent / "data"

# An archive aiida-core 2.9.4 exported, byte-identical to the shared fixture, and aiida's ground
# truth for it (see aiida-archives/README.md).
SMALL_ARCHIVE = DATA_DIR / "aiida-archives" / "small.aiida"
SMALL_MANIFEST = DATA_DIR / "aiida-archives" / "small.manifest.json"

# Hashes aiida-core 2.9.4 gave nodes the archive lacks (a CalcJobNode, a WorkChainNode, ...).
AIIDA_NODE_HASHES = DATA_DIR / "aiida_node_hashes.json"

# aiida-core's own test archives in older formats (MIT), byte-identical copies of the shared
# fixtures, with what aiida-core 2.9.4 made of each (legacy/README.md, aiida-core-results.json).
LEGACY_DIR = DATA_DIR / "aiida-archives" / "legacy"


def legacy_imported_archives() -> list[tuple[Path, Path]]:
    """(archive, manifest) of every legacy archive aiida-core 2.9.4 migrated and imported."""
    import json

    results = json.loads((LEGACY_DIR / "aiida-core-results.json").read_text(encoding="utf-8"))
    pairs = []
    for name, outcome in sorted(results["archives"].items()):
        if outcome["outcome"] == "migrated+imported":
            stem = name if name.endswith(".tar.gz") else name.removesuffix(".aiida")
            pairs.append((LEGACY_DIR / name, LEGACY_DIR / f"{stem}.manifest.json"))
    return pairs
