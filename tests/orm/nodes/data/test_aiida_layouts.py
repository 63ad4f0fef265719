"""The data types write and read AiiDA's exact rows: checked against a real aiida-core 2.9 archive.

The fixture archive (``tests/data/aiida-archives/small.aiida``) holds nodes of each
core type made by aiida-core; its manifest lists their attributes and files. Rebuilding each
node with provgraph from the same content must give the same node_type, attributes, extras and
repository metadata (the metadata holds content hashes, so equal metadata means byte-equal
files, ``.npy`` files included). The other way round, AiiDA's rows and objects put into our
storage must load as the matching classes with the right values.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.data_files import SMALL_ARCHIVE, SMALL_MANIFEST

from provgraph import orm
from provgraph.orm.nodes.data.core import (
    ArrayData,
    Bool,
    Dict,
    Float,
    FolderData,
    InstalledCode,
    Int,
    List,
    RemoteData,
    SinglefileData,
    Str,
)
from provgraph.orm.nodes.node import Node
from provgraph.storage.abstract import EntityTypes, StorageBackend

ROLES = ["int", "float", "str", "bool", "dict", "list", "array", "singlefile", "folder", "code", "remote"]
CLASSES: dict[str, type[Node]] = {
    "int": Int,
    "float": Float,
    "str": Str,
    "bool": Bool,
    "dict": Dict,
    "list": List,
    "array": ArrayData,
    "singlefile": SinglefileData,
    "folder": FolderData,
    "code": InstalledCode,
    "remote": RemoteData,
}


class Archive:
    """The manifest's named nodes and the archive's repository objects."""

    def __init__(self, tmp_path: Path) -> None:
        self.named: dict[str, dict[str, Any]] = json.loads(SMALL_MANIFEST.read_text())["named_nodes"]
        with zipfile.ZipFile(SMALL_ARCHIVE) as archive:
            self.objects = {
                name.removeprefix("repo/"): archive.read(name)
                for name in archive.namelist()
                if name.startswith("repo/")
            }
            archive.extract("db.sqlite3", tmp_path)
        with sqlite3.connect(tmp_path / "db.sqlite3") as connection:
            connection.row_factory = sqlite3.Row
            self.rows = {row["uuid"]: dict(row) for row in connection.execute("SELECT * FROM db_dbnode")}

    def files(self, role: str) -> dict[str, bytes]:
        """Path -> content of the files of a named node."""
        return {path: self.objects[key] for path, key in self.named[role]["repository_files"].items()}


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    return Archive(tmp_path)


def _computer() -> orm.Computer:
    return orm.Computer("fixture-computer", "localhost", transport_type="core.local").store()


def _rebuild(role: str, archive: Archive, computer: orm.Computer) -> Node:
    """A provgraph node with the same content as the named AiiDA node."""
    expected = archive.named[role]
    attributes = expected["attributes"]
    builders: dict[str, Callable[[], Node]] = {
        "int": lambda: Int(attributes["value"]),
        "float": lambda: Float(attributes["value"]),
        "str": lambda: Str(attributes["value"]),
        "bool": lambda: Bool(attributes["value"]),
        "dict": lambda: Dict(attributes),
        "list": lambda: List(attributes["list"]),
        "array": lambda: ArrayData(
            {
                path.removesuffix(".npy"): np.load(io.BytesIO(data))
                for path, data in archive.files(role).items()
            }
        ),
        "singlefile": lambda: SinglefileData(
            io.BytesIO(archive.files(role)[attributes["filename"]]), "notes.txt"
        ),
        "folder": lambda: _folder(archive.files(role)),
        "code": lambda: InstalledCode(computer, attributes["filepath_executable"]),
        "remote": lambda: RemoteData(attributes["remote_path"], computer=computer),
    }
    node = builders[role]()
    node.label = expected["label"]
    node.description = expected["description"]
    return node


def _folder(files: dict[str, bytes]) -> FolderData:
    folder = FolderData()
    for path, content in files.items():
        folder.put_object_from_bytes(content, path)
    return folder


def test_rebuilt_nodes_have_aiidas_rows(archive: Archive, backend: StorageBackend) -> None:
    computer = _computer()
    for role in ROLES:
        expected = archive.named[role]
        node = _rebuild(role, archive, computer).store()
        loaded = orm.load_node(node.pk)
        assert type(loaded) is CLASSES[role], role
        assert loaded.node_type == expected["node_type"], role
        assert loaded.base.attributes.all == expected["attributes"], role
        assert loaded.repository_metadata == expected["repository_metadata"], role
        user_extras = {
            key: value for key, value in loaded.base.extras.all.items() if not key.startswith("_aiida_")
        }
        if role == "code":  # the only extra AiiDA's classes set themselves
            assert user_extras == expected["extras"] == {"hidden": False}
        assert (loaded.computer.label if loaded.computer else None) == expected["computer"], role


def test_aiida_rows_load_as_their_classes(archive: Archive, backend: StorageBackend) -> None:
    computer = _computer()
    repository = backend.get_repository()
    for key, content in archive.objects.items():
        assert repository.put_object_from_filelike(io.BytesIO(content)) == key
    user_id = orm.User.collection.get_default().pk
    now = datetime.now(timezone.utc)
    rows = []
    for role in ROLES:
        row = archive.rows[archive.named[role]["uuid"]]
        rows.append(
            {
                **{
                    column: row[column]
                    for column in ("uuid", "node_type", "process_type", "label", "description")
                },
                **{
                    column: json.loads(row[column])
                    for column in ("attributes", "extras", "repository_metadata")
                },
                "ctime": now,
                "mtime": now,
                "user_id": user_id,
                "dbcomputer_id": computer.pk if row["dbcomputer_id"] is not None else None,
            }
        )
    backend.bulk_insert(EntityTypes.NODE, rows)
    nodes = {role: orm.load_node(uuid=archive.named[role]["uuid"]) for role in ROLES}
    for role, node in nodes.items():
        assert type(node) is CLASSES[role], role
    named = archive.named
    assert nodes["int"].value == named["int"]["attributes"]["value"]
    assert nodes["float"].value == named["float"]["attributes"]["value"]
    assert nodes["str"].value == named["str"]["attributes"]["value"]
    assert nodes["bool"].value is True
    assert nodes["dict"].get_dict() == named["dict"]["attributes"]
    assert nodes["list"].get_list() == named["list"]["attributes"]["list"]
    array = nodes["array"]
    assert array.get_arraynames() == ["ints", "matrix"]
    assert array.get_array("matrix").shape == array.get_shape("matrix") == (3, 4)
    assert nodes["singlefile"].get_content("rb") == archive.files("singlefile")["notes.txt"]
    folder = nodes["folder"]
    for path, content in archive.files("folder").items():
        assert folder.get_object_content(path, "rb") == content
    code = nodes["code"]
    assert str(code.filepath_executable) == "/bin/bash"
    assert code.full_label == "bash@fixture-computer"
    assert not code.is_hidden
    assert nodes["remote"].get_remote_path() == named["remote"]["attributes"]["remote_path"]
