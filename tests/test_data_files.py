"""The suite's data files are in the repository and are the ones their manifest describes.

Tests that read them would fail anyway if one were missing; this says which file and why, and
catches a copy that is not byte-identical to the archive aiida-core exported.
"""

from __future__ import annotations

import hashlib
import json

from tests.data_files import (
    AIIDA_NODE_HASHES,
    LEGACY_ARCHIVES,
    LEGACY_RESULTS,
    SMALL_ARCHIVE,
    SMALL_MANIFEST,
    legacy_imported_archives,
    legacy_manifest,
)


def test_data_files_are_in_the_repository() -> None:
    for path in (SMALL_ARCHIVE, SMALL_MANIFEST, AIIDA_NODE_HASHES, LEGACY_RESULTS):
        assert path.is_file(), f"{path} is missing: the tests that read it cannot run without it"


def test_small_archive_is_the_one_its_manifest_describes() -> None:
    manifest = json.loads(SMALL_MANIFEST.read_text(encoding="utf-8"))
    content = SMALL_ARCHIVE.read_bytes()
    assert manifest["aiida_core_version"] == "2.9.4"
    assert len(content) == manifest["archive_bytes"]
    assert hashlib.sha256(content).hexdigest() == manifest["archive_sha256"]


def test_legacy_archives_are_the_ones_their_manifests_describe() -> None:
    for name in ("LICENSE-aiida-core.txt", "SOURCE", "README.md"):
        assert (LEGACY_ARCHIVES / name).is_file(), f"{name} must travel with aiida-core's archives"
    results = json.loads(LEGACY_RESULTS.read_text(encoding="utf-8"))["archives"]
    for name, result in results.items():
        assert (LEGACY_ARCHIVES / name).is_file(), f"{name} is missing"
        if result["outcome"] != "refused":
            manifest = json.loads(legacy_manifest(name).read_text(encoding="utf-8"))
            content = (LEGACY_ARCHIVES / name).read_bytes()
            assert hashlib.sha256(content).hexdigest() == manifest["archive_sha256"], name
    assert len(legacy_imported_archives()) == 16
