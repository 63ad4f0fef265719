"""Node fields, storing, loading and node types on both SQL backends."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest

from provgraph.exceptions import (
    InputValidationError,
    InvalidOperation,
    ModificationNotAllowed,
    NotExistent,
    StoredEntityError,
)
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import (
    CalcFunctionNode,
    CalcJobNode,
    CalculationNode,
    ProcessNode,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
)
from provgraph.orm.users import User
from provgraph.storage.abstract import EntityTypes, StorageBackend


def test_store_and_load_round_trip(backend: StorageBackend) -> None:
    node = Data(label="first", description="a node")
    assert not node.is_stored
    assert node.pk is None
    uuid, ctime = node.uuid, node.ctime
    assert node.store() is node
    assert node.is_stored
    assert isinstance(node.pk, int)

    loaded = Node.collection.get(pk=node.pk)
    assert type(loaded) is Data
    assert loaded.uuid == uuid
    assert loaded.label == "first"
    assert loaded.description == "a node"
    assert loaded.ctime == ctime
    assert loaded.mtime == node.mtime
    assert loaded.mtime >= ctime
    assert loaded.node_type == "data.Data."
    assert loaded.process_type is None
    assert loaded.user.email == User.collection.get_default().email
    assert loaded.computer is None
    assert loaded.repository_metadata == {}
    assert loaded == node
    assert hash(loaded) == hash(node)


def test_stored_row_equals_memory(backend: StorageBackend) -> None:
    node = Data(label="x")
    node.base.attributes.set("a", [1, (2, 3)])
    node.base.extras.set("e", {"k": None})
    node.store()
    (row,) = backend.get_rows(EntityTypes.NODE, {"id": node.pk})
    assert row == node._row
    assert row["attributes"] == {"a": [1, [2, 3]]}


def test_times_are_utc_aware(backend: StorageBackend) -> None:
    before = datetime.now(timezone.utc)
    node = Data().store()
    assert node.ctime.tzinfo is not None
    assert before <= node.ctime <= node.mtime <= datetime.now(timezone.utc)


def test_label_and_description_settable_after_store(backend: StorageBackend) -> None:
    node = Data(label="old").store()
    mtime = node.mtime
    node.label = "new"
    node.description = "described"
    loaded = Node.collection.get(pk=node.pk)
    assert (loaded.label, loaded.description) == ("new", "described")
    assert loaded.mtime >= mtime
    assert loaded.mtime == node.mtime


def test_bad_label_refused(backend: StorageBackend) -> None:
    with pytest.raises(InputValidationError, match="label"):
        Data(label=5)  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="255"):
        Data(label="x" * 256)


def test_user_and_computer_immutable_after_store(backend: StorageBackend) -> None:
    node = Data().store()
    user = User.collection.get_default()
    with pytest.raises(ModificationNotAllowed):
        node.user = user
    with pytest.raises(ModificationNotAllowed):
        node.computer = None
    with pytest.raises(ModificationNotAllowed):
        node.process_type = "x"


def test_explicit_user(backend: StorageBackend) -> None:
    other = User("other@example.com").store()
    node = Data(user=other).store()
    assert Node.collection.get(pk=node.pk).user.email == "other@example.com"
    with pytest.raises(StoredEntityError):
        Data(user=User("unstored@example.com"))


def test_computer_round_trip(backend: StorageBackend) -> None:
    from provgraph.orm.computers import Computer

    computer = Computer("localhost-test", hostname="localhost").store()
    node = CalcJobNode(computer=computer).store()
    loaded = Node.collection.get(pk=node.pk)
    assert loaded.computer is not None
    assert loaded.computer.label == "localhost-test"
    assert Node.collection.count({"computer": computer}) == 1


@pytest.mark.parametrize("cls", [Node, ProcessNode])
def test_base_classes_not_storable(backend: StorageBackend, cls: type[Node]) -> None:
    node = cls()
    with pytest.raises(InvalidOperation, match="cannot be stored"):
        node.store()
    assert not node.is_stored
    assert backend.count_rows(EntityTypes.NODE) == 0


def test_unregistered_subclass_not_storable(backend: StorageBackend) -> None:
    class Custom(Data):
        pass

    with pytest.raises(InvalidOperation, match="node_type"):
        Custom().store()


@pytest.mark.parametrize(
    ("cls", "node_type"),
    [
        (Node, ""),
        (Data, "data.Data."),
        (ProcessNode, "process.ProcessNode."),
        (CalculationNode, "process.calculation.CalculationNode."),
        (CalcFunctionNode, "process.calculation.calcfunction.CalcFunctionNode."),
        (CalcJobNode, "process.calculation.calcjob.CalcJobNode."),
        (WorkflowNode, "process.workflow.WorkflowNode."),
        (WorkFunctionNode, "process.workflow.workfunction.WorkFunctionNode."),
        (WorkChainNode, "process.workflow.workchain.WorkChainNode."),
    ],
)
def test_node_type_strings(backend: StorageBackend, cls: type[Node], node_type: str) -> None:
    assert cls.node_type == node_type
    assert cls().node_type == node_type
    if cls._storable:
        stored = cls().store()
        assert type(Node.collection.get(pk=stored.pk)) is cls


def test_subclass_collections_filter_by_type(backend: StorageBackend) -> None:
    data = Data().store()
    calc = CalcFunctionNode().store()
    work = WorkChainNode().store()
    assert [n.pk for n in Data.collection.find()] == [data.pk]
    assert [n.pk for n in CalculationNode.collection.find()] == [calc.pk]
    assert [n.pk for n in ProcessNode.collection.find()] == [calc.pk, work.pk]
    assert Node.collection.count() == 3
    assert WorkflowNode.collection.count() == 1


def test_unknown_node_type_loads_as_closest_ancestor(
    backend: StorageBackend, caplog: pytest.LogCaptureFixture
) -> None:
    user_id = User.collection.get_default().pk
    rows = [
        {"node_type": "data.foo.bar.BarData.", "attributes": {"x": 1}, "user_id": user_id},
        {"node_type": "process.calculation.plugin.PluginNode.", "user_id": user_id},
    ]
    first, second = backend.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
    with caplog.at_level(logging.WARNING):
        loaded = Node.collection.get(pk=first)
        Node.collection.get(pk=first)
        calc = Node.collection.get(pk=second)
    assert type(loaded) is Data
    assert loaded.node_type == "data.foo.bar.BarData."
    assert loaded.base.attributes.all == {"x": 1}
    assert type(calc) is CalculationNode
    assert calc.node_type == "process.calculation.plugin.PluginNode."
    warned = [r for r in caplog.records if "data.foo.bar.BarData." in r.getMessage()]
    assert len(warned) <= 1  # once per process (possibly earlier in the session)
    loaded.base.extras.set("still", "usable")
    (row,) = backend.get_rows(EntityTypes.NODE, {"id": first})
    assert row["node_type"] == "data.foo.bar.BarData."
    assert row["extras"] == {"still": "usable"}


def test_collection_delete(backend: StorageBackend) -> None:
    lonely = Data().store()
    Node.collection.delete(lonely.pk)  # type: ignore[arg-type]
    assert Node.collection.count() == 0
    with pytest.raises(NotExistent):
        Node.collection.delete(12345)


def test_extras_keyword_and_str(backend: StorageBackend) -> None:
    node = Data(extras={"tag": 1})
    assert node.base.extras.get("tag") == 1
    assert "unstored" in str(node)
    node.store()
    assert f"pk: {node.pk}" in str(node)


def test_files_are_stored_with_the_node(backend: StorageBackend) -> None:
    import hashlib

    node = Data()
    node.base.repository.put_object_from_bytes(b"abc", "d/f.txt")
    node.store()
    key = hashlib.sha256(b"abc").hexdigest()
    assert node.repository_metadata == {"o": {"d": {"o": {"f.txt": {"k": key}}}}}
    loaded = Node.collection.get(pk=node.pk)
    assert loaded.repository_metadata == node.repository_metadata
    assert loaded.base.repository.get_object_content("d/f.txt", mode="rb") == b"abc"
    assert backend.get_repository().has_object(key)


def test_failed_store_leaves_no_row(backend: StorageBackend) -> None:
    node = Data()
    node.base.repository.put_object_from_bytes(b"content", "f.txt")
    user_id = node._row["user_id"]
    node._row["user_id"] = 999_999  # no such user: the insert fails
    with pytest.raises(InputValidationError, match="violates a database constraint"):
        node.store()
    assert not node.is_stored
    assert backend.count_rows(EntityTypes.NODE) == 0
    node._row["user_id"] = user_id
    node.store()  # the sandbox is still there: a retry succeeds
    assert Node.collection.get(pk=node.pk).base.repository.get_object_content("f.txt") == "content"


def test_data_clone(backend: StorageBackend) -> None:
    original = Data(label="orig", description="d")
    original.base.attributes.set("a", {"b": [1]})
    original.base.extras.set("e", 1)
    original.base.repository.put_object_from_bytes(b"file", "f.txt")
    original.store()
    clone = original.clone()
    assert not clone.is_stored
    assert clone.uuid != original.uuid
    assert (clone.label, clone.description) == ("orig", "d")
    assert clone.base.attributes.all == {"a": {"b": [1]}}
    assert clone.base.extras.all == {}
    clone.base.attributes.get("a")["b"].append(2)  # the copy is deep
    assert original.base.attributes.get("a") == {"b": [1]}
    clone.store()
    assert Node.collection.get(pk=clone.pk).base.repository.get_object_content("f.txt") == "file"


def test_a_dropped_node_is_freed_without_the_cycle_collector(backend: StorageBackend) -> None:
    """Nodes must not form reference cycles with ``node.base``: batches of a million nodes are
    only released promptly if reference counting alone frees them."""
    import gc
    import weakref

    from provgraph.orm.nodes.data.core.int import Int
    from provgraph.orm.nodes.link_types import LinkType
    from provgraph.orm.nodes.process import CalculationNode

    gc.disable()
    try:
        source = CalculationNode()
        node = Int(1)
        node.base.attributes.get("value")
        node.base.extras.set("k", 1)
        node.base.repository.put_object_from_bytes(b"content", "file.txt")
        node.base.links.add_incoming(source, LinkType.CREATE, "result")
        unstored = weakref.ref(node)
        del node
        assert unstored() is None, "an unstored node with links and files outlived its last reference"

        stored = Int(2).store()
        stored.base.repository.list_object_names()
        stored.base.links.get_incoming().all()
        dropped = weakref.ref(stored)
        del stored
        assert dropped() is None, "a stored node outlived its last reference"
    finally:
        gc.enable()
