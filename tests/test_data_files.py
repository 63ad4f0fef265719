"""The suite's data files are in the repository and are the ones their manifest describes.

Tests that read them would fail anyway if one were missing; this says which file and why, and
catches a copy that is not byte-identical to the archive aiida-core exported.
"""

from __future__ import annotations

import hashlib
import json

from tests.data_files import AIIDA_NODE_HASHES, SMALL_ARCHIVE, SMALL_MANIFEST, legacy_imported_archives


def test_data_files_are_in_the_repository() -> None:
    for path in (SMALL_ARCHIVE, SMALL_MANIFEST, AIIDA_NODE_HASHES):
        assert path.is_file(), f"{path} is missing: the tests that read it cannot run without it"


def test_small_archive_is_the_one_its_manifest_describes() -> None:
    manifest = json.loads(SMALL_MANIFEST.read_text(encoding="utf-8"))
    content = SMALL_ARCHIVE.read_bytes()
    assert manifest["aiida_core_version"] == "2.9.4"
    assert len(content) == manifest["archive_bytes"]
    assert hashlib.sha256(content).hexdigest() == manifest["archive_sha256"]


def test_legacy_archives_are_the_ones_their_manifests_describe() -> None:
    pairs = legacy_imported_archives()
    assert len(pairs) == 16
    for archive, manifest_path in pairs:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        assert hashlib.sha256(archive.read_bytes()).hexdigest() == manifest["archive_sha256"], archive.name
