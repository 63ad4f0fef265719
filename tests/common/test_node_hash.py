"""Node hashes from row data equal the ``_aiida_hash`` aiida-core 2.9.4 stored.

``tests/data/aiida-archives/small.aiida`` is an archive aiida-core 2.9.4 exported (47 nodes:
every core data type it uses, calcfunctions, a workfunction, a computer); every node's hash is
recomputed here from its row, its files and its inputs, and compared with the hash aiida stored
in its extras. ``tests/data/aiida_node_hashes.json`` adds node kinds the archive lacks (a
CalcJobNode, a WorkChainNode, two root directories), also hashed by aiida-core 2.9.4.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.data_files import AIIDA_NODE_HASHES, SMALL_ARCHIVE

from provgraph.common.hashing import HashingError, make_hash
from provgraph.common.node_hash import (
    AIIDA_CLASS_PATHS,
    class_representation,
    compute_node_hash,
    hash_rules,
    objects_to_hash,
    repository_hash,
)

EMPTY_REPOSITORY_HASH = "076c4a75b0e7f3de89d0f21d3c4fad9c09fb83054f8e6c467b875095d93fd154"


@dataclass
class Archive:
    """The rows of an AiiDA archive needed to hash its nodes, and its object contents."""

    zip_file: zipfile.ZipFile
    nodes: dict[int, dict[str, Any]]
    computers: dict[int, str]
    inputs: dict[int, list[tuple[int, str]]] = field(default_factory=dict)

    def content_sha256(self, path: str, key: str) -> str:
        """The sha256 of the file's content as read from the archive (not trusting the key)."""
        return hashlib.sha256(self.zip_file.read(f"repo/{key}")).hexdigest()


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    folder = tmp_path_factory.mktemp("archive")
    with zipfile.ZipFile(SMALL_ARCHIVE) as zip_file:
        zip_file.extract("db.sqlite3", folder)
        connection = sqlite3.connect(folder / "db.sqlite3")
        connection.row_factory = sqlite3.Row
        try:
            nodes = {
                row["id"]: dict(row)
                for row in connection.execute(
                    "SELECT id, node_type, attributes, extras, repository_metadata, dbcomputer_id "
                    "FROM db_dbnode"
                )
            }
            computers = dict(connection.execute("SELECT id, uuid FROM db_dbcomputer").fetchall())
            result = Archive(zip_file, nodes, computers)
            for source, target, label in connection.execute(
                "SELECT input_id, output_id, label FROM db_dblink WHERE type IN ('input_calc', 'input_work')"
            ):
                result.inputs.setdefault(target, []).append((source, label))
        finally:
            connection.close()
        yield result


def _archive_hash(archive: Archive, pk: int, memo: dict[int, str]) -> str:
    """The hash of node ``pk`` from its row, recomputing its inputs' hashes (as AiiDA does)."""
    if pk not in memo:
        row = archive.nodes[pk]
        computer = row["dbcomputer_id"]
        memo[pk] = compute_node_hash(
            row["node_type"],
            json.loads(row["attributes"]),
            repository_metadata=json.loads(row["repository_metadata"]),
            object_sha256=archive.content_sha256,
            computer_uuid=None if computer is None else archive.computers[computer],
            input_hashes={
                label: _archive_hash(archive, source, memo) for source, label in archive.inputs.get(pk, [])
            },
        )
    return memo[pk]


def test_every_archive_node_hash_equals_aiidas(archive: Archive) -> None:
    memo: dict[int, str] = {}
    compared = {}
    for pk, row in archive.nodes.items():
        stored = json.loads(row["extras"])["_aiida_hash"]
        compared[pk] = (row["node_type"], _archive_hash(archive, pk, memo) == stored)
    mismatches = {pk: node_type for pk, (node_type, equal) in compared.items() if not equal}
    assert mismatches == {}
    assert len(compared) == 47
    kinds = {node_type for node_type, _ in compared.values()}
    assert "process.workflow.workfunction.WorkFunctionNode." in kinds
    assert "data.core.folder.FolderData." in kinds
    assert "data.core.code.installed.InstalledCode." in kinds


def test_a_changed_input_changes_the_process_hash(archive: Archive) -> None:
    """The hash really depends on the inputs: swap in a wrong hash for one input."""
    (pk,) = [pk for pk, row in archive.nodes.items() if row["node_type"].startswith("process.workflow.")]
    memo: dict[int, str] = {}
    original = _archive_hash(archive, pk, memo)
    source, _label = archive.inputs[pk][0]
    memo = {source: 64 * "0"}
    assert _archive_hash(archive, pk, memo) != original


def _reference_nodes() -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = json.loads(AIIDA_NODE_HASHES.read_text())["nodes"]
    return nodes


@pytest.mark.parametrize("node", _reference_nodes(), ids=lambda node: node["name"])
def test_reference_node_hash_equals_aiidas(node: dict[str, Any]) -> None:
    computed = compute_node_hash(
        node["node_type"],
        node["attributes"],
        repository_metadata=node["repository_metadata"],
        computer_uuid=node["computer_uuid"],
        input_hashes=node["inputs"],
    )
    assert computed == node["hash"]
    if node["repository_hash"] is not None:
        assert repository_hash(node["repository_metadata"]) == node["repository_hash"]


def test_calcjob_ignores_its_files_and_scheduler_options() -> None:
    (node,) = [node for node in _reference_nodes() if node["name"] == "calcjob"]
    objects = objects_to_hash(
        node["node_type"],
        node["attributes"],
        repository_hash="anything",
        computer_uuid=node["computer_uuid"],
        input_hashes=node["inputs"],
    )
    assert "repository_hash" not in objects
    assert objects["attributes"] == {"resources": {"num_machines": 1}, "withmpi": False, "parser_name": "p"}
    assert make_hash(objects) == node["hash"]


def test_process_inputs_labelled_like_call_links_are_left_out() -> None:
    objects = objects_to_hash(
        "process.workflow.workchain.WorkChainNode.",
        {"stepper_state_info": "1", "custom": 1},
        repository_hash=EMPTY_REPOSITORY_HASH,
        computer_uuid=None,
        input_hashes={"a": "h1", "CALL_CALC": "h2", "CALL_WORK": "h3"},
    )
    assert objects["inputs"] == {"a": "h1"}
    assert objects["attributes"] == {"custom": 1}


def test_data_nodes_have_no_inputs_part() -> None:
    objects = objects_to_hash(
        "data.core.int.Int.", {"value": 1}, repository_hash=None, computer_uuid=None, input_hashes={"x": "h"}
    )
    assert set(objects) == {"class", "attributes", "repository_hash", "computer_uuid"}


def test_repository_hash_counts_only_the_root_directory_names() -> None:
    """AiiDA overwrites ``__dirnames__`` per directory and walks the root last."""
    assert repository_hash({}) == repository_hash({"o": {}}) == EMPTY_REPOSITORY_HASH
    nested: dict[str, Any] = {"o": {"a": {"o": {"x": {}, "y": {}}}}}
    nested_reordered: dict[str, Any] = {"o": {"a": {"o": {"y": {}, "x": {}}}}}
    assert repository_hash(nested) == repository_hash(nested_reordered)
    assert repository_hash({"o": {"x": {}, "y": {}}}) != repository_hash({"o": {"y": {}, "x": {}}})
    with_file = {"o": {"a": {"o": {"f": {"k": "k1"}}}}}
    other_content = {"o": {"a": {"o": {"f": {"k": "k2"}}}}}
    assert repository_hash(with_file) != repository_hash(other_content)


def test_repository_hash_asks_for_the_content_hash_by_path() -> None:
    seen: list[tuple[str, str]] = []

    def sha256(path: str, key: str) -> str:
        seen.append((path, key))
        return key.upper()

    metadata = {"o": {"sub": {"o": {"deep": {"o": {"f.txt": {"k": "k1"}}}}}, "top": {"k": "k2"}}}
    repository_hash(metadata, sha256)
    assert sorted(seen) == [("sub/deep/f.txt", "k1"), ("top", "k2")]


def test_rules_follow_the_aiida_class_hierarchy() -> None:
    assert hash_rules("data.core.int.Int.").ignored_attributes == frozenset()
    assert not hash_rules("data.core.int.Int.").is_process
    calcfunction = hash_rules("process.calculation.calcfunction.CalcFunctionNode.")
    assert calcfunction.is_process
    assert {"metadata_inputs", "sealed", "process_state"} <= calcfunction.ignored_attributes
    assert "version" not in calcfunction.ignored_attributes
    calcjob = hash_rules("process.calculation.calcjob.CalcJobNode.")
    assert not calcjob.hashes_repository
    assert {"version", "queue_name", "job_id", "scheduler_state"} <= calcjob.ignored_attributes
    assert "stepper_state_info" in hash_rules("process.workflow.workchain.WorkChainNode.").ignored_attributes


def test_class_representation() -> None:
    assert class_representation("data.core.int.Int.") == "<class 'aiida.orm.nodes.data.int.Int'>"
    assert class_representation("data.core.array.ArrayData.") == (
        "<class 'aiida.orm.nodes.data.array.array.ArrayData'>"
    )
    assert class_representation("data.myplugin.Thing.") is None
    assert all(node_type == "" or node_type.endswith(".") for node_type in AIIDA_CLASS_PATHS)


def test_unknown_node_type_needs_a_class_name() -> None:
    with pytest.raises(HashingError, match=r"data\.myplugin\.Thing\."):
        compute_node_hash("data.myplugin.Thing.", {})
    named = compute_node_hash("data.myplugin.Thing.", {}, class_name="<class 'myplugin.Thing'>")
    assert named != compute_node_hash("data.Data.", {})
