"""The manifest arithmetic both interop sides share, checked against aiida-core's own manifests.

No aiida-core needed: the fixture manifests list every link (and, for the legacy archives, every
node), so their hashes and counts can be recomputed from the manifests alone.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from tests.data_files import SMALL_MANIFEST, legacy_imported_archives
from tests.interop import canonical

LEGACY_MANIFESTS = [manifest for _, manifest in legacy_imported_archives()]


def load(path: Path) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return result


def test_links_sha256_of_small_is_aiida_cores() -> None:
    manifest = load(SMALL_MANIFEST)
    assert canonical.links_sha256(manifest["links"]) == manifest["links_sha256"]
    assert canonical.links_sha256(reversed(manifest["links"])) == manifest["links_sha256"]  # order-free


def test_canonical_json_is_pythons_default_separators_and_unicode() -> None:
    assert canonical.canonical_json({"b": "ü", "a": [1, 2]}) == '{"a": [1, 2], "b": "ü"}'
    expected = hashlib.sha256('["ü"]'.encode()).hexdigest()
    assert canonical.sha256_hex(["ü"]) == expected


@pytest.mark.parametrize("path", LEGACY_MANIFESTS, ids=lambda path: path.name)
def test_manifest_from_its_own_records_is_aiida_cores(path: Path) -> None:
    """Every count and both hashes recomputed from the records the manifest lists."""
    expected = load(path)
    assert canonical.links_sha256(expected["links"]) == expected["links_sha256"]
    assert canonical.nodes_sha256(expected["nodes"].values()) == expected["nodes_sha256"]
    rebuilt = canonical.assemble_manifest(
        nodes=expected["nodes"],
        links=expected["links"],
        groups=expected["groups"],
        users=expected["users"],
        computers=expected["computers"],
        comments=expected["comments"],
        logs=expected["logs"],
    )
    assert canonical.compare_manifests(expected, rebuilt) == []


def test_repository_paths_walk_nested_folders() -> None:
    folder = load(SMALL_MANIFEST)["named_nodes"]["folder"]
    paths = dict(canonical.repository_paths(folder["repository_metadata"]))
    assert paths == folder["repository_files"]  # the key of a file is the sha256 of its content
    assert "sub/deeper/data.txt" in paths
    assert list(canonical.repository_paths({})) == []


def test_iso_time_is_utc_with_offset() -> None:
    from datetime import datetime, timedelta, timezone

    moment = datetime(2026, 11, 26, 7, 24, 26, 78964, tzinfo=timezone(timedelta(hours=1)))
    assert canonical.iso_time(moment) == "2026-11-26T06:24:26.078964+00:00"
    assert canonical.iso_time(moment.replace(tzinfo=None)) == "2026-11-26T07:24:26.078964+00:00"
    assert canonical.iso_time(None) is None


def test_manifest_users_leave_out_the_profiles_own_user_only_when_it_owns_nothing() -> None:
    assert canonical.manifest_users(["a@b.c", "x@y"], ["x@y"], "a@b.c") == ["x@y"]
    assert canonical.manifest_users(["a@b.c", "x@y"], ["a@b.c"], "a@b.c") == ["a@b.c", "x@y"]
    assert canonical.manifest_users(["x@y"], [], "a@b.c") == ["x@y"]  # owns nothing, still listed


def test_compare_manifests_names_each_difference() -> None:
    expected = load(SMALL_MANIFEST)
    actual = copy.deepcopy(expected)
    actual["nodes"] = {record["uuid"]: record for record in actual["named_nodes"].values()}
    assert canonical.compare_manifests(expected, actual, keys=["totals", "links", "groups"]) == []

    actual["totals"]["links"] += 1
    uuid = expected["named_nodes"]["int"]["uuid"]
    actual["nodes"][uuid]["extras"] = {**actual["nodes"][uuid]["extras"], "_aiida_hash": "x"}
    problems = canonical.compare_manifests(expected, actual, keys=["totals"])
    assert len(problems) == 2
    assert problems[0].startswith("totals: expected")
    assert f"named node {uuid} extras" in problems[1]


def test_compare_manifests_skips_nondeterministic_fields() -> None:
    path = next(path for path in LEGACY_MANIFESTS if path.name == "0.10_null_fields.manifest.json")
    expected = load(path)
    actual = copy.deepcopy(expected)
    for record in actual["nodes"].values():
        record["ctime"] = record["mtime"] = "2026-12-07T00:00:00+00:00"
    assert canonical.compare_manifests(expected, actual) == []
    for record in actual["nodes"].values():
        record["label"] = "changed"
    assert len(canonical.compare_manifests(expected, actual)) == 1
