"""``node.base.attributes`` and ``node.base.extras``: API, copies and mutability rules."""

from __future__ import annotations

import pytest

from provgraph.exceptions import InputValidationError, ModificationNotAllowed, StorageError
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import CalcJobNode, WorkChainNode
from provgraph.storage.abstract import EntityTypes, StorageBackend


@pytest.fixture(params=["attributes", "extras"])
def fields(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _of(node: Node, fields: str) -> object:
    return getattr(node.base, fields)


def test_api_on_unstored_node(backend: StorageBackend, fields: str) -> None:
    node = Data()
    values = getattr(node.base, fields)
    values.set("a", 1)
    values.set_many({"b": [1, 2], "c": {"d": "x"}})
    assert values.get("a") == 1
    assert values.get("missing", None) is None
    assert values.get_many(["a", "b"]) == [1, [1, 2]]
    assert values.all == {"a": 1, "b": [1, 2], "c": {"d": "x"}}
    assert dict(values.items()) == values.all
    assert sorted(values.keys()) == ["a", "b", "c"]
    assert "a" in values
    assert len(values) == 3
    values.delete("a")
    values.delete_many(["b"])
    assert values.all == {"c": {"d": "x"}}
    values.reset({"z": True})
    assert values.all == {"z": True}
    values.clear()
    assert values.all == {}


def test_missing_keys_raise_attribute_error(backend: StorageBackend, fields: str) -> None:
    values = getattr(Data().base, fields)
    values.set("present", 1)
    with pytest.raises(AttributeError, match="missing"):
        values.get("missing")
    with pytest.raises(AttributeError, match="missing"):
        values.get_many(["present", "missing"])
    with pytest.raises(AttributeError, match="missing"):
        values.delete("missing")
    with pytest.raises(AttributeError):
        values.delete_many(["present", "missing"])
    assert values.all == {"present": 1}  # nothing removed by the failed delete_many


@pytest.mark.parametrize("key", ["", "a.b", 1, None])
def test_invalid_keys(backend: StorageBackend, fields: str, key: object) -> None:
    values = getattr(Data().base, fields)
    with pytest.raises(InputValidationError):
        values.set(key, 1)
    with pytest.raises(InputValidationError):
        values.set_many({key: 1})


def test_set_many_is_all_or_nothing(backend: StorageBackend, fields: str) -> None:
    values = getattr(Data().base, fields)
    with pytest.raises(InputValidationError, match="nan"):
        values.set_many({"good": 1, "bad": float("nan")})
    assert values.all == {}


def test_stored_attributes_are_immutable(backend: StorageBackend) -> None:
    node = Data()
    node.base.attributes.set("a", {"b": [1]})
    node.store()
    attributes = node.base.attributes
    for action in (
        lambda: attributes.set("a", 2),
        lambda: attributes.set("new", 2),
        lambda: attributes.set_many({"a": 2}),
        lambda: attributes.reset({}),
        lambda: attributes.delete("a"),
        lambda: attributes.delete_many(["a"]),
        attributes.clear,
    ):
        with pytest.raises(ModificationNotAllowed):
            action()
    assert Node.collection.get(pk=node.pk).base.attributes.all == {"a": {"b": [1]}}


def test_stored_values_are_copies(backend: StorageBackend) -> None:
    node = Data()
    node.base.attributes.set("a", {"b": [1]})
    node.base.extras.set("e", [1])
    node.store()
    node.base.attributes.get("a")["b"].append(2)
    node.base.attributes.all["a"]["b"].append(3)
    node.base.extras.get("e").append(2)
    assert node.base.attributes.get("a") == {"b": [1]}
    assert node.base.extras.get("e") == [1]


def test_unstored_values_are_live_and_rechecked_at_store(backend: StorageBackend) -> None:
    node = Data()
    node.base.attributes.set("a", [1])
    node.base.attributes.get("a").append(float("inf"))  # a change through a reference
    with pytest.raises(InputValidationError, match=r"attribute 'a\[1\]'"):
        node.store()
    assert not node.is_stored
    assert backend.count_rows(EntityTypes.NODE) == 0


def test_extras_mutable_after_store(backend: StorageBackend) -> None:
    node = Data().store()
    extras = node.base.extras
    extras.set("a", 1)
    extras.set_many({"b": 2, "c": 3})
    extras.delete("b")
    extras.delete_many(["c"])
    node_hash = node.base.caching.get_hash()  # written at store
    assert node_hash is not None
    assert Node.collection.get(pk=node.pk).base.extras.all == {"_aiida_hash": node_hash, "a": 1}
    extras.reset({"x": [1, 2]})
    assert Node.collection.get(pk=node.pk).base.extras.all == {"x": [1, 2]}
    extras.clear()
    (row,) = backend.get_rows(EntityTypes.NODE, {"id": node.pk})
    assert row["extras"] == {}
    assert row["mtime"] == node.mtime


def test_extras_unchanged_in_memory_if_the_write_fails(backend: StorageBackend) -> None:
    node = Data().store()
    node.base.extras.set("a", 1)
    backend.close()
    with pytest.raises(StorageError, match="is closed"):
        node.base.extras.set("b", 2)
    assert node.base.extras.all == {"_aiida_hash": node.base.caching.get_hash(), "a": 1}


def test_updatable_attributes_hook(backend: StorageBackend) -> None:
    job = CalcJobNode()
    job.base.attributes.set("process_state", "running")
    job.base.attributes.set("input", 1)
    job.store()
    job.base.attributes.set("process_state", "finished")
    job.base.attributes.set("job_id", "123")
    job.base.attributes.delete("job_id")
    with pytest.raises(ModificationNotAllowed):
        job.base.attributes.set("input", 2)
    with pytest.raises(ModificationNotAllowed):
        job.base.attributes.clear()
    assert Node.collection.get(pk=job.pk).base.attributes.all == {"process_state": "finished", "input": 1}
    chain = WorkChainNode().store()
    chain.base.attributes.set("stepper_state_info", "1:step")
    with pytest.raises(ModificationNotAllowed):
        chain.base.attributes.set("job_id", "1")


def test_null_json_columns_read_as_empty(backend: StorageBackend) -> None:
    from provgraph.orm.users import User

    user_id = User.collection.get_default().pk
    (pk,) = backend.bulk_insert(
        EntityTypes.NODE,
        [{"node_type": "data.Data.", "attributes": None, "extras": None, "user_id": user_id}],
        allow_defaults=True,
    )
    node = Node.collection.get(pk=pk)
    assert node.base.attributes.all == {}
    assert node.base.extras.all == {}
    node.base.extras.set("k", "v")
    assert Node.collection.get(pk=pk).base.extras.get("k") == "v"
