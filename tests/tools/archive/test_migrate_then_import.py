"""aiida-core's procedure end to end: ``archive migrate`` then ``archive import --no-import-group``.

The legacy manifests were made exactly so; importing each migrated archive into an empty profile
must give them, field by field (timestamps aiida-core fills at migration excepted).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.data_files import LEGACY_ARCHIVES, LEGACY_RESULTS, legacy_manifest
from tests.tools.archive.graph_views import graph_links, repository_files, same_json

from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm import Group, load_node
from provgraph.tools.archive.imports import import_archive
from provgraph.tools.archive.migrate import migrate_archive

RESULTS: dict[str, Any] = json.loads(LEGACY_RESULTS.read_text(encoding="utf-8"))["archives"]
IMPORTED = sorted(name for name, result in RESULTS.items() if result["outcome"] == "migrated+imported")


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile) -> Profile:
    return registered_profile


@pytest.mark.parametrize("name", IMPORTED)
def test_migrated_archive_imports_as_in_aiida_core(name: str, tmp_path: Path) -> None:
    manifest = json.loads(legacy_manifest(name).read_text(encoding="utf-8"))
    migrated = tmp_path / "migrated.aiida"
    migrate_archive(LEGACY_ARCHIVES / name, migrated)
    assert import_archive(migrated, create_group=False) is None

    assert graph_links() == manifest["links"]
    counts = get_manager().get_profile_storage().get_entity_counts()
    for key, total in (
        ("Nodes", "nodes"),
        ("Links", "links"),
        ("Groups", "groups"),
        ("Computers", "computers"),
    ):
        assert counts[key] == manifest["totals"][total], key
    unstable = set(RESULTS[name].get("nondeterministic_fields", []))
    for uuid, expected in manifest["nodes"].items():
        node = load_node(uuid)
        assert node.node_type == expected["node_type"]
        assert node.process_type == expected["process_type"]
        assert (node.label, node.description) == (expected["label"], expected["description"])
        assert same_json(node.base.attributes.all, expected["attributes"])
        assert same_json(node.base.extras.all, expected["extras"])
        assert node.user.email == expected["user_email"]
        assert (node.computer.label if node.computer else None) == expected["computer"]
        if f"nodes/{uuid}/ctime" not in unstable:
            assert node.ctime.isoformat() == expected["ctime"]
        assert node.base.repository.serialize() == expected["repository_metadata"]
        assert repository_files(node) == expected["repository_files"]
    for label, expected in manifest["groups"].items():
        group = Group.collection.get(label=label)
        assert (group.uuid, group.type_string, group.description) == (
            expected["uuid"],
            expected["type_string"],
            expected["description"],
        )
        assert sorted(node.uuid for node in group.nodes) == expected["members"]
