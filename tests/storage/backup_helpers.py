"""What the backup tests compare: a storage's graph as sets of rows, and its files by content.

Rows are compared by UUID (and links by the UUIDs of their ends), so the comparison does not
depend on ids, and a restored profile "holds" a recorded state when every recorded row is in it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from provgraph import orm
from provgraph.config import Config
from provgraph.storage import EntityTypes, StorageBackend, get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend


@dataclass(frozen=True)
class GraphState:
    """Every node (with its file keys), link, group, membership, comment and log of a storage."""

    nodes: dict[str, frozenset[tuple[str, str]]]
    links: frozenset[tuple[str, str, str, str]]
    groups: frozenset[tuple[str, str]]
    members: frozenset[tuple[str, str]]
    comments: frozenset[tuple[str, str]]
    logs: frozenset[tuple[str, str]]

    def keys(self) -> set[str]:
        return {key for files in self.nodes.values() for _path, key in files}

    def missing_from(self, other: GraphState) -> dict[str, int]:
        """How many rows of each kind of this state ``other`` lacks (empty: it holds them all)."""
        lacking = {
            "nodes": sum(1 for uuid, files in self.nodes.items() if other.nodes.get(uuid) != files),
            "links": len(self.links - other.links),
            "groups": len(self.groups - other.groups),
            "members": len(self.members - other.members),
            "comments": len(self.comments - other.comments),
            "logs": len(self.logs - other.logs),
        }
        return {kind: count for kind, count in lacking.items() if count}

    def size(self) -> dict[str, int]:
        return {
            "nodes": len(self.nodes),
            "links": len(self.links),
            "groups": len(self.groups),
            "members": len(self.members),
            "comments": len(self.comments),
            "logs": len(self.logs),
        }


def files_of(metadata: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """``(path, key)`` of every file in a node's ``repository_metadata``."""
    for name, entry in metadata.get("o", {}).items():
        if "k" in entry:
            yield f"{prefix}{name}", entry["k"]
        else:
            yield from files_of(entry, f"{prefix}{name}/")


def graph_state(storage: StorageBackend) -> GraphState:
    """Read every row, those that refer to others first: while another process writes, every
    reference then resolves (nothing is deleted), and all of it was committed before the call returned."""
    links = storage.get_rows(EntityTypes.LINK, columns=["input_id", "output_id", "type", "label"])
    members = storage.get_rows(EntityTypes.GROUP_NODE, columns=["dbgroup_id", "dbnode_id"])
    comments = storage.get_rows(EntityTypes.COMMENT, columns=["uuid", "content"])
    logs = storage.get_rows(EntityTypes.LOG, columns=["uuid", "message"])
    groups = storage.get_rows(EntityTypes.GROUP, columns=["id", "uuid", "label"])
    nodes = storage.get_rows(EntityTypes.NODE, columns=["id", "uuid", "repository_metadata"])
    uuid_of = {row["id"]: row["uuid"] for row in nodes}
    group_uuid = {row["id"]: row["uuid"] for row in groups}
    return GraphState(
        nodes={row["uuid"]: frozenset(files_of(row["repository_metadata"] or {})) for row in nodes},
        links=frozenset(
            (uuid_of[row["input_id"]], uuid_of[row["output_id"]], row["type"], row["label"]) for row in links
        ),
        groups=frozenset((row["uuid"], row["label"]) for row in groups),
        members=frozenset((group_uuid[row["dbgroup_id"]], uuid_of[row["dbnode_id"]]) for row in members),
        comments=frozenset((row["uuid"], row["content"]) for row in comments),
        logs=frozenset((row["uuid"], row["message"]) for row in logs),
    )


def assert_consistent(storage: StorageBackend) -> GraphState:
    """Every link and membership names existing rows, and every file's object is in the
    repository with the content its key (sha256) says."""
    state = graph_state(storage)
    for source, target, _type, _label in state.links:
        assert source in state.nodes
        assert target in state.nodes
    repository = storage.get_repository()
    keys = sorted(state.keys())
    assert all(repository.has_objects(keys)), "a node refers to an object the repository lacks"
    for key in keys:
        assert hashlib.sha256(repository.get_object_content(key)).hexdigest() == key
    return state


def store_files(count: int, size: int = 2048, tag: str = "f") -> list[str]:
    """Store ``count`` SinglefileData nodes of ``size`` random bytes; return their keys."""
    import os

    nodes = orm.store_many(
        [
            orm.SinglefileData(io.BytesIO(os.urandom(size)), filename=f"{tag}{index}.bin")
            for index in range(count)
        ]
    )
    return [key for node in nodes for _path, key in files_of(node.base.repository.metadata)]


def restore_options(backend: str, tmp_path: Path, request: pytest.FixtureRequest, tag: str) -> dict[str, Any]:
    """Where a test restores a backup of ``backend``: fresh folders, and a fresh database name."""
    if backend == "core.sqlite_dos":
        return {"filepath": str(tmp_path / f"restored-{tag}")}
    server = request.getfixturevalue("postgres_server")
    return {
        "database_name": server.new_database_name(),
        "repository_uri": (tmp_path / f"restored-repo-{tag}").as_uri(),
    }


def open_profile_storage(name: str) -> SqlDosBackend:
    """Open the storage of the profile ``name`` of the config (closed by the caller)."""
    profile = Config.load().get_profile(name)
    storage = get_storage_class(profile.storage_backend)(profile)
    assert isinstance(storage, SqlDosBackend)
    return storage


def tree_fingerprint(folder: Path) -> dict[str, tuple[int, str]]:
    """Relative path -> (size, sha256) of every file below ``folder``."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            found[str(path.relative_to(folder))] = (
                path.stat().st_size,
                hashlib.sha256(path.read_bytes()).hexdigest(),
            )
    return found
