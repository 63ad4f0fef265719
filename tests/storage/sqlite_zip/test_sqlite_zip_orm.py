"""The ORM on an archive loaded with ``provgraph.profile_from_archive``: reads match aiida-core's,
writes are refused."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.storage.sqlite_zip.conftest import ArchiveEditor

import provgraph
from provgraph import orm
from provgraph.config.paths import CONFIG_FILENAME
from provgraph.config.profile import Profile
from provgraph.exceptions import IncompatibleStorageSchema, ReadOnlyStorageError, UnreachableStorage
from provgraph.manager import get_manager


@pytest.fixture
def loaded(archive: Path) -> Iterator[Profile]:
    """The archive (each layout) loaded as the process's profile."""
    profile = provgraph.profile_from_archive(archive)
    assert provgraph.load_profile(profile) is profile
    yield profile
    get_manager().reset()


def test_profile_from_archive(archive: Path, provgraph_path: Path) -> None:
    profile = provgraph.profile_from_archive(archive)
    assert "profile_from_archive" in provgraph.__all__
    assert profile.name == archive.name
    assert profile.storage_backend == "core.sqlite_zip"
    assert profile.storage_config == {"filepath": str(archive.absolute())}
    assert profile.uuid == provgraph.profile_from_archive(archive).uuid  # same file, same access records
    assert not (provgraph_path / CONFIG_FILENAME).exists()  # never written to the config


def test_profile_name_from_an_awkward_file_name(zip_archive: Path) -> None:
    awkward = zip_archive.rename(zip_archive.with_name("my export (v2).aiida"))
    assert provgraph.profile_from_archive(awkward).name == "my_export__v2_.aiida"


def test_profile_from_a_bad_archive(tmp_path: Path, edited_archive: ArchiveEditor) -> None:
    with pytest.raises(UnreachableStorage):
        provgraph.profile_from_archive(tmp_path / "missing.aiida")
    old = edited_archive(metadata={"export_version": "main_0000b"})
    with pytest.raises(IncompatibleStorageSchema, match="provgraph archive migrate"):
        provgraph.profile_from_archive(old)


def test_storage_of_the_loaded_archive(loaded: Profile, manifest: dict[str, Any]) -> None:
    storage = get_manager().get_profile_storage()
    assert storage.read_only
    assert storage.profile is loaded
    assert storage.get_entity_counts()["Nodes"] == manifest["totals"]["nodes"]


def test_query_builder_ancestors(loaded: Profile, manifest: dict[str, Any]) -> None:
    chain_end = manifest["chain_end"]
    query = orm.QueryBuilder()
    query.append(orm.Node, filters={"uuid": chain_end["uuid"]}, tag="end")
    query.append(orm.Node, with_descendants="end", project="uuid")
    # (aiida-core returns one row per path without distinct(), 30 here; provgraph's recursive
    # walk keeps each ancestor once: docs/querybuilder.md. Only the set is compared.)
    assert sorted(set(query.all(flat=True))) == chain_end["ancestors"]
    assert query.distinct().count() == chain_end["ancestor_count"]


def test_query_builder_counts(loaded: Profile, manifest: dict[str, Any]) -> None:
    assert orm.QueryBuilder().append(orm.Node).count() == manifest["totals"]["nodes"]
    assert orm.QueryBuilder().append(orm.Int).count() == manifest["node_types"]["data.core.int.Int."]
    calcs = orm.QueryBuilder().append(orm.CalcFunctionNode, project="process_type").all(flat=True)
    assert len(calcs) == manifest["node_types"]["process.calculation.calcfunction.CalcFunctionNode."]


@pytest.mark.parametrize(
    "role", ["int", "dict", "array", "folder", "singlefile", "workflow", "excepted_calc"]
)
def test_named_nodes(loaded: Profile, manifest: dict[str, Any], role: str) -> None:
    expected = manifest["named_nodes"][role]
    node = orm.load_node(expected["uuid"])
    assert node.node_type == expected["node_type"]
    assert node.label == expected["label"]
    assert node.base.attributes.all == expected["attributes"]
    assert node.user.email == expected["user_email"]
    assert (node.computer.label if node.computer else None) == expected["computer"]
    files = {}
    for folder, _, names in node.base.repository.walk():
        for name in names:
            path = (folder / name).as_posix()
            files[path] = hashlib.sha256(node.base.repository.get_object_content(path, mode="rb")).hexdigest()
    assert files == expected["repository_files"]


def test_groups_comments_logs(loaded: Profile, manifest: dict[str, Any]) -> None:
    for label, expected in manifest["groups"].items():
        group = orm.load_group(label)
        assert group.uuid == expected["uuid"]
        assert sorted(node.uuid for node in group.nodes) == expected["members"]
    found = sorted(
        [comment.node.uuid, comment.user.email, comment.content] for comment in orm.Comment.collection.all()
    )
    assert found == manifest["comments"]
    assert orm.Log.collection.count() == manifest["totals"]["logs"]


def test_default_user_is_the_archives(loaded: Profile, manifest: dict[str, Any]) -> None:
    assert orm.User.collection.get_default().email == manifest["users"][0]
    unstored = orm.Int(5)  # creating in memory works; only storing is refused
    assert not unstored.is_stored


def _writes(manifest: dict[str, Any]) -> dict[str, Callable[[], object]]:
    node_uuid = manifest["named_nodes"]["int"]["uuid"]
    return {
        "store a node": lambda: orm.Int(1).store(),
        "store a file node": lambda: orm.SinglefileData.from_string("text", "a.txt").store(),
        "set an extra": lambda: orm.load_node(node_uuid).base.extras.set("key", 1),
        "relabel a node": lambda: setattr(orm.load_node(node_uuid), "label", "changed"),
        "add to a group": lambda: orm.load_group("fixture/empty").add_nodes(orm.load_node(node_uuid)),
        "store a group": lambda: orm.Group(label="new").store(),
        "add a comment": lambda: orm.load_node(node_uuid).base.comments.add("hello"),
        "store a user": lambda: orm.User("someone@example.com").store(),
    }


@pytest.mark.parametrize(
    "write",
    [
        "store a node",
        "store a file node",
        "set an extra",
        "relabel a node",
        "add to a group",
        "store a group",
        "add a comment",
        "store a user",
    ],
)
def test_writes_through_the_orm_are_refused(loaded: Profile, manifest: dict[str, Any], write: str) -> None:
    storage = get_manager().get_profile_storage()
    before = storage.get_entity_counts()
    with pytest.raises(ReadOnlyStorageError, match="read-only"):
        _writes(manifest)[write]()
    assert storage.get_entity_counts() == before
    node = orm.load_node(manifest["named_nodes"]["int"]["uuid"])
    assert "key" not in node.base.extras.all
    assert node.label == manifest["named_nodes"]["int"]["label"]


def test_an_archive_storage_exports_again(loaded: Profile, tmp_path: Path, manifest: dict[str, Any]) -> None:
    """The read-only archive storage is a source for a new archive: the same nodes, files and links."""
    import sqlite3
    import zipfile

    from provgraph.tools.archive import create_archive

    again = create_archive(None, tmp_path / "again.aiida")
    with zipfile.ZipFile(again) as archive:
        archive.extract("db.sqlite3", tmp_path)
        objects = [name for name in archive.namelist() if name.startswith("repo/")]
    database = sqlite3.connect(tmp_path / "db.sqlite3")
    try:
        assert database.execute("SELECT count(*) FROM db_dbnode").fetchone()[0] == manifest["totals"]["nodes"]
        ctimes = database.execute("SELECT ctime FROM db_dbnode").fetchall()
        assert all(len(ctime) == len("2026-01-02 03:04:05.000006") for (ctime,) in ctimes)
    finally:
        database.close()
    stored = get_manager().get_profile_storage().get_repository().list_objects()
    assert sorted(name.removeprefix("repo/") for name in objects) == sorted(stored)
