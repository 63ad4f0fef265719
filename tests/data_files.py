"""Where the suite's data files live (imported as ``tests.data_files``).

All of them sit in ``tests/data`` inside the repository, so that a checkout is enough to run
every test: a missing file fails the tests that read it, it never skips them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AIIDA_NODE_HASHES",
    "DATA_DIR",
    "LEGACY_ARCHIVES",
    "LEGACY_RESULTS",
    "SMALL_ARCHIVE",
    "SMALL_MANIFEST",
    "legacy_imported_archives",
    "legacy_manifest",
]

DATA_DIR = Path(__file__).parent / "data"

# An archive aiida-core 2.9.4 exported, byte-identical to the shared fixture, and aiida's ground
# truth for it (see aiida-archives/README.md).
SMALL_ARCHIVE = DATA_DIR / "aiida-archives" / "small.aiida"
SMALL_MANIFEST = DATA_DIR / "aiida-archives" / "small.manifest.json"

# Hashes aiida-core 2.9.4 gave nodes the archive lacks (a CalcJobNode, a WorkChainNode, ...).
AIIDA_NODE_HASHES = DATA_DIR / "aiida_node_hashes.json"

# aiida-core's own test archives in the older formats (0.1 ... 0.13, main_0000, main_0001 and edge
# cases), byte-identical copies with their licence, and what aiida-core 2.9.4 does with each
# (legacy/README.md): ``aiida-core-results.json`` and a manifest per archive it imports.
LEGACY_ARCHIVES = DATA_DIR / "aiida-archives" / "legacy"
LEGACY_RESULTS = LEGACY_ARCHIVES / "aiida-core-results.json"


def legacy_manifest(archive_name: str) -> Path:
    """The manifest beside a legacy archive (``X.aiida`` -> ``X.manifest.json``, a tar keeps its suffix)."""
    stem = archive_name.removesuffix(".aiida")
    return LEGACY_ARCHIVES / f"{stem}.manifest.json"


def legacy_imported_archives() -> list[tuple[Path, Path]]:
    """(archive, manifest) of every legacy archive aiida-core 2.9.4 migrated and imported."""
    import json

    results = json.loads(LEGACY_RESULTS.read_text(encoding="utf-8"))
    return [
        (LEGACY_ARCHIVES / name, legacy_manifest(name))
        for name, outcome in sorted(results["archives"].items())
        if outcome["outcome"] == "migrated+imported"
    ]
