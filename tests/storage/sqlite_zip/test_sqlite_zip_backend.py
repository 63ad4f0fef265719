"""``SqliteZipBackend`` on aiida-core's fixture archive (zip and unzipped) and on broken archives."""

from __future__ import annotations

import gc
import hashlib
import io
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.storage.sqlite_zip.conftest import ArchiveEditor, database_without, profile_for

from provgraph.exceptions import (
    CorruptStorage,
    IncompatibleStorageSchema,
    ReadOnlyStorageError,
    StorageError,
    UnreachableStorage,
)
from provgraph.storage import EntityTypes, get_storage_class
from provgraph.storage.sqlite_zip.backend import SqliteZipBackend, summarise_metadata

NODE_QUERY: dict[str, Any] = {
    "path": [{"entity_type": "node.Node.", "orm_base": "node", "tag": "node", "joining_keyword": None}],
    "project": {"node": ["id"]},
}


def _temporary_database(storage: SqliteZipBackend) -> Path | None:
    """The extracted database file (None for a folder archive, read in place)."""
    database = storage.sql.engine.url.database or ""
    path = Path(database.removeprefix("file:").replace("%20", " "))
    return None if path.parent == storage.filepath else path


# -- reading ---------------------------------------------------------------------------------------


def test_registered_and_read_only() -> None:
    assert get_storage_class("core.sqlite_zip") is SqliteZipBackend
    assert SqliteZipBackend.read_only
    assert not SqliteZipBackend.__abstractmethods__


def test_versions(archive: Path) -> None:
    profile = profile_for(archive)
    assert SqliteZipBackend.version_head() == "main_0001"
    assert SqliteZipBackend.version_profile(profile) == "main_0001"
    assert SqliteZipBackend.version_profile(profile_for(archive.parent / "missing.aiida")) is None
    SqliteZipBackend.migrate(profile)  # at head: nothing to do


def test_entity_counts_match_aiida(storage: SqliteZipBackend, manifest: dict[str, Any]) -> None:
    totals = manifest["totals"]
    counts = storage.get_entity_counts()
    assert counts == {
        "Users": totals["users"],
        "Computers": totals["computers"],
        "Nodes": totals["nodes"],
        "Groups": totals["groups"],
        "Comments": totals["comments"],
        "Logs": totals["logs"],
        "Links": totals["links"],
    }
    details = storage.get_entity_details()
    assert details["Users"]["emails"] == manifest["users"]
    assert details["Computers"]["labels"] == manifest["computers"]
    assert details["Nodes"]["node_types"] == sorted(manifest["node_types"])


def test_rows_match_aiida(storage: SqliteZipBackend, manifest: dict[str, Any]) -> None:
    node_types = Counter(
        row["node_type"] for row in storage.get_rows(EntityTypes.NODE, columns=["node_type"])
    )
    assert dict(node_types) == manifest["node_types"]
    for link_type, count in manifest["link_types"].items():
        assert storage.count_rows(EntityTypes.LINK, {"type": link_type}) == count
    uuid_of = {row["id"]: row["uuid"] for row in storage.get_rows(EntityTypes.NODE, columns=["id", "uuid"])}
    for label, expected in manifest["groups"].items():
        (group,) = storage.get_rows(EntityTypes.GROUP, {"label": label})
        assert (group["uuid"], group["extras"]) == (expected["uuid"], expected["extras"])
        members = storage.get_rows(EntityTypes.GROUP_NODE, {"dbgroup_id": group["id"]})
        assert sorted(uuid_of[row["dbnode_id"]] for row in members) == expected["members"]
    named = manifest["named_nodes"]["dict"]
    (row,) = storage.get_rows(EntityTypes.NODE, {"uuid": named["uuid"]})
    assert row["attributes"] == named["attributes"]
    # aiida-core's import drops the ``_aiida_`` extras, which the archive itself keeps
    assert {key: value for key, value in row["extras"].items() if not key.startswith("_aiida_")} == named[
        "extras"
    ]
    assert row["ctime"].isoformat() == named["ctime"]


def test_graph_and_hash_lookups(storage: SqliteZipBackend, manifest: dict[str, Any]) -> None:
    (end,) = storage.get_rows(EntityTypes.NODE, {"uuid": manifest["chain_end"]["uuid"]})
    (first,) = storage.get_rows(EntityTypes.NODE, {"uuid": manifest["chain_end"]["ancestors"][0]})
    assert storage.is_reachable(first["id"], end["id"])
    assert not storage.is_reachable(end["id"], first["id"])
    same = storage.find_nodes_by_hash(end["node_type"], end["extras"]["_aiida_hash"])
    assert end["id"] in same
    assert same == sorted(same)
    assert storage.find_nodes_by_hash(end["node_type"], "0" * 64) == []


def test_query_builder_descriptions(storage: SqliteZipBackend, manifest: dict[str, Any]) -> None:
    assert storage.query_count(NODE_QUERY) == manifest["totals"]["nodes"]
    assert len(list(storage.query_rows(NODE_QUERY, batch_size=7))) == manifest["totals"]["nodes"]
    assert "db_dbnode" in storage.query_sql(NODE_QUERY)


def test_transaction_is_a_read_context(storage: SqliteZipBackend) -> None:
    assert not storage.in_transaction
    with storage.transaction():
        assert storage.in_transaction
        assert storage.count_rows(EntityTypes.USER) == 1
        with pytest.raises(ReadOnlyStorageError):
            storage.bulk_insert(EntityTypes.USER, [{"email": "x@y", "first_name": "", "last_name": ""}])
        with pytest.raises(ReadOnlyStorageError):
            storage.bulk_insert_from_sqlite(EntityTypes.USER, storage.filepath, "SELECT 1")
    assert not storage.in_transaction


def test_info(storage: SqliteZipBackend, manifest: dict[str, Any]) -> None:
    info = storage.get_info()
    assert info["metadata"]["export_version"] == "main_0001"
    assert info["metadata"]["aiida_version"] == "2.9.4"
    assert info["entities"]["Nodes"] == {"count": manifest["totals"]["nodes"]}
    assert info["repository"]["objects"]["count"] == 8
    detailed = storage.get_info(detailed=True)
    assert detailed["entities"]["Users"]["emails"] == manifest["users"]
    assert "Size (MB)" in detailed["repository"]
    assert str(storage.filepath) in str(storage)
    assert storage.metadata == info["metadata"]


def test_long_starting_sets_are_cut_unless_detailed() -> None:
    uuids = [f"uuid-{index}" for index in range(12)]
    metadata = {"creation_parameters": {"entities_starting_set": {"node": uuids, "user": ["a@b"]}}}
    short = summarise_metadata(metadata, detailed=False)["creation_parameters"]["entities_starting_set"]
    assert short["node"] == [*uuids[:5], "... and 7 more"]
    assert short["user"] == ["a@b"]
    assert summarise_metadata(metadata, detailed=True) == metadata
    assert metadata["creation_parameters"]["entities_starting_set"]["node"] == uuids  # not changed


def test_info_of_an_archive_with_a_starting_set(edited_archive: ArchiveEditor) -> None:
    nodes = [f"{index:032x}" for index in range(9)]
    starting_set = {"node": nodes, "group": [], "computer": [], "user": []}
    path = edited_archive(metadata={"creation_parameters": {"entities_starting_set": starting_set}})
    with SqliteZipBackend(profile_for(path)) as storage:
        shown = storage.get_info()["metadata"]["creation_parameters"]["entities_starting_set"]
        assert shown["node"] == [*nodes[:5], "... and 4 more"]
        assert storage.get_info(detailed=True)["metadata"]["creation_parameters"][
            "entities_starting_set"
        ] == (starting_set)


# -- writes are refused ----------------------------------------------------------------------------

WRITES: dict[str, Callable[[SqliteZipBackend], object]] = {
    "bulk_insert": lambda s: s.bulk_insert(EntityTypes.USER, [{"email": "a@b"}], allow_defaults=True),
    "bulk_update": lambda s: s.bulk_update(EntityTypes.NODE, [{"id": 1, "label": "x"}]),
    "delete_nodes_and_connections": lambda s: s.delete_nodes_and_connections([1]),
    "delete_rows": lambda s: s.delete_rows(EntityTypes.COMMENT, [1]),
    "add_group_nodes": lambda s: s.add_group_nodes(1, [1]),
    "remove_group_nodes": lambda s: s.remove_group_nodes(1, [1]),
    "set_global_variable": lambda s: s.set_global_variable("key", 1),
    "_clear": lambda s: s._clear(),
    "repository.put": lambda s: s.get_repository().put_object_from_filelike(io.BytesIO(b"x")),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_is_refused(storage: SqliteZipBackend, write: str) -> None:
    before = storage.get_entity_counts()
    with pytest.raises(ReadOnlyStorageError, match="read-only") as excinfo:
        WRITES[write](storage)
    assert str(storage.filepath) in str(excinfo.value)
    assert storage.get_entity_counts() == before


def test_lifecycle_refusals(archive: Path) -> None:
    profile = profile_for(archive)
    with pytest.raises(ReadOnlyStorageError, match="archive create"):
        SqliteZipBackend.initialise(profile)
    with SqliteZipBackend(profile) as storage:
        with pytest.raises(KeyError):
            storage.get_global_variable("repository|uuid")
        with pytest.raises(NotImplementedError):
            storage.maintain()
        with pytest.raises(NotImplementedError, match="does not delete"):
            storage.delete()
    assert archive.exists()


# -- the extracted database ------------------------------------------------------------------------


def test_zip_database_is_extracted_lazily_and_removed_on_close(zip_archive: Path) -> None:
    storage = SqliteZipBackend(profile_for(zip_archive))
    assert storage._store is None  # opening extracted nothing
    assert storage.count_rows(EntityTypes.NODE) == 47
    extracted = _temporary_database(storage)
    assert extracted is not None
    assert extracted.is_file()
    assert oct(extracted.stat().st_mode & 0o777) == oct(0o600)
    storage.close()
    assert not extracted.exists()
    assert storage.is_closed
    storage.close()  # twice is harmless
    with pytest.raises(StorageError, match="closed"):
        storage.count_rows(EntityTypes.NODE)


def test_unclosed_storage_removes_its_database_when_collected(zip_archive: Path) -> None:
    storage = SqliteZipBackend(profile_for(zip_archive))
    storage.get_entity_counts()
    extracted = _temporary_database(storage)
    assert extracted is not None
    assert extracted.is_file()
    storage.sql.close()  # the engine's pool, so that no unclosed connection warns
    storage.get_repository().close()
    del storage
    gc.collect()
    assert not extracted.exists()


def test_folder_database_is_read_in_place(folder_archive: Path) -> None:
    before = hashlib.sha256((folder_archive / "db.sqlite3").read_bytes()).hexdigest()
    with SqliteZipBackend(profile_for(folder_archive)) as storage:
        assert storage.count_rows(EntityTypes.NODE) == 47
        assert _temporary_database(storage) is None
    assert hashlib.sha256((folder_archive / "db.sqlite3").read_bytes()).hexdigest() == before
    assert sorted(path.name for path in folder_archive.iterdir()) == ["db.sqlite3", "metadata.json", "repo"]


# -- broken archives -------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreachableStorage, match="no archive at"):
        SqliteZipBackend(profile_for(tmp_path / "nothing.aiida"))


@pytest.mark.parametrize("version", ["main_0000", "0.9"])
def test_old_version_asks_for_migration(edited_archive: ArchiveEditor, version: str) -> None:
    path = edited_archive(metadata={"export_version": version})
    profile = profile_for(path)
    assert SqliteZipBackend.version_profile(profile) == version
    with pytest.raises(IncompatibleStorageSchema, match=rf"provgraph archive migrate {path} OUTPUT"):
        SqliteZipBackend(profile)
    with pytest.raises(ReadOnlyStorageError, match="provgraph archive migrate"):
        SqliteZipBackend.migrate(profile)


def test_unknown_version(edited_archive: ArchiveEditor) -> None:
    with pytest.raises(IncompatibleStorageSchema, match="unknown archive version 'main_9999'"):
        SqliteZipBackend(profile_for(edited_archive(metadata={"export_version": "main_9999"})))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"drop": ("db.sqlite3",)}, "no db.sqlite3"),
        (
            {"replace": {"db.sqlite3": b"garbage, not a database" * 10}},
            "db.sqlite3 is not an SQLite database",
        ),
        ({"replace": {"db.sqlite3": b""}}, "db.sqlite3 is not an SQLite database"),
        ({"drop": ("metadata.json",)}, "metadata.json"),
        ({"replace": {"metadata.json": b"{not json"}}, "metadata.json is not valid JSON"),
    ],
)
def test_corrupt_archive_is_refused_at_open(
    edited_archive: ArchiveEditor, edit: dict[str, Any], message: str
) -> None:
    with pytest.raises(CorruptStorage, match=message) as excinfo:
        SqliteZipBackend(profile_for(edited_archive(**edit)))
    assert "\n" not in str(excinfo.value)


def test_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "text.aiida"
    path.write_text("hello")
    with pytest.raises(CorruptStorage, match="not an AiiDA archive"):
        SqliteZipBackend(profile_for(path))


def test_database_without_tables_fails_at_first_read(
    edited_archive: ArchiveEditor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    path = edited_archive(replace={"db.sqlite3": database_without("db_dblink", tmp_path)})
    with SqliteZipBackend(profile_for(path)) as storage:
        with pytest.raises(CorruptStorage, match="lacks tables: db_dblink"):
            storage.count_rows(EntityTypes.NODE)
        assert list(scratch.iterdir()) == []  # the failed extraction left nothing behind


def test_missing_filepath_in_config() -> None:
    from provgraph.config.profile import Profile
    from provgraph.exceptions import ConfigurationError

    with pytest.raises(ConfigurationError, match="filepath"):
        SqliteZipBackend(Profile.new("x", "core.sqlite_zip", {}))
