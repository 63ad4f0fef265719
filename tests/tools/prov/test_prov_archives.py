"""PROV exports of aiida-core's own archives (imported on each SQL backend), checked against aiida-core's
manifests: one activity per process node, one entity per data node, one relation per link."""

from __future__ import annotations

import collections
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from tests.data_files import SMALL_ARCHIVE, SMALL_MANIFEST, legacy_imported_archives
from tests.tools.prov.prov_checks import counts, elements, only_bundle, read, relations, schema_errors

from provgraph.config.profile import Profile
from provgraph.storage.sqlite_zip.backend import SqliteZipBackend
from provgraph.tools.archive.imports import import_archive
from provgraph.tools.prov import export_prov, prov_document
from provgraph.tools.prov.mapping import node_identifier

pytestmark = pytest.mark.usefixtures("loaded_profile")

ARCHIVES = [(SMALL_ARCHIVE, SMALL_MANIFEST), *legacy_imported_archives()]

#: The PROV relation of each AiiDA link type (docs/prov.md).
RELATION_OF = {
    "input_calc": "used",
    "input_work": "used",
    "create": "wasGeneratedBy",
    "return": "wasInfluencedBy",
    "call_calc": "wasInformedBy",
    "call_work": "wasInformedBy",
}


def expected_relations(manifest: dict[str, Any]) -> collections.Counter[str]:
    expected: collections.Counter[str] = collections.Counter()
    for link_type, count in manifest["link_types"].items():
        expected[RELATION_OF[link_type]] += count
    return expected


@pytest.mark.parametrize(("archive", "manifest_path"), ARCHIVES, ids=lambda value: Path(value).name)
def test_archive_as_prov(archive: Path, manifest_path: Path, tmp_path: Path) -> None:
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    import_archive(archive)
    document = prov_document(None)
    bundle = only_bundle(document)
    found = counts(bundle)
    node_types = manifest["node_types"]
    processes = sum(count for node_type, count in node_types.items() if node_type.startswith("process."))
    assert found["activity"] == processes
    assert found["entity"] == sum(node_types.values()) - processes
    assert found["wasAssociatedWith"] == processes
    for relation, count in expected_relations(manifest).items():
        assert found[relation] == count, relation
    found_elements = elements(bundle)
    if "nodes" in manifest:  # the legacy manifests list every node
        nodes = manifest["nodes"]
        assert found_elements["activity"] == {
            node_identifier(uuid).uri
            for uuid, node in nodes.items()
            if node["node_type"].startswith("process.")
        }
        assert found_elements["entity"] == {
            node_identifier(uuid).uri
            for uuid, node in nodes.items()
            if not node["node_type"].startswith("process.")
        }
    else:  # small's names its nodes by role
        named = {node["uuid"] for node in manifest["named_nodes"].values() if isinstance(node, dict)}
        assert len(named) > 10
        identifiers = found_elements["entity"] | found_elements["activity"]
        assert {node_identifier(uuid).uri for uuid in named} <= identifiers
    bundle.unified()  # PROV-CONSTRAINTS' key and type constraints hold (else ProvUnificationError)
    export_prov(None, tmp_path / "archive.xml")
    assert schema_errors((tmp_path / "archive.xml").read_bytes()) == []
    export_prov(None, tmp_path / "archive.provn")
    assert read(tmp_path / "archive.provn", "provn") == document


def test_an_archive_opened_read_only_exports_the_same(tmp_path: Path) -> None:
    """Identifiers come from UUIDs and emails only: the archive read as ``core.sqlite_zip`` (not
    imported) and the profile it was imported into give the same records."""
    archive = Path(shutil.copy(SMALL_ARCHIVE, tmp_path / "small.aiida"))
    with SqliteZipBackend(Profile.new("archive", "core.sqlite_zip", {"filepath": str(archive)})) as storage:
        from_archive = only_bundle(prov_document(None, backend=storage))
    import_archive(archive)
    imported = only_bundle(prov_document(None))
    assert from_archive.identifier != imported.identifier  # two storages, two bundles
    found, expected = elements(from_archive), elements(imported)
    assert (found["entity"], found["activity"]) == (expected["entity"], expected["activity"])
    assert found["agent"] <= expected["agent"]  # the profile also has its own default user
    assert relations(from_archive) == relations(imported)
