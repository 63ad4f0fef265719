"""Groups: fields, extras, uniqueness per type, membership, loading and deletion."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from provgraph.exceptions import (
    InputValidationError,
    MultipleObjectsError,
    NotExistent,
    StoredEntityError,
)
from provgraph.orm.groups import Group, load_group
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.calculation import CalcFunctionNode
from provgraph.orm.users import User
from provgraph.storage.abstract import EntityTypes, StorageBackend


def stored_nodes(count: int) -> list[Node]:
    return [Data().store() for _ in range(count)]


# -- fields -----------------------------------------------------------------------------------------


def test_store_and_load(backend: StorageBackend) -> None:
    group = Group("results", description="final numbers")
    assert not group.is_stored
    group.store()
    loaded = load_group(group.pk)
    assert loaded == group
    assert (loaded.label, loaded.description, loaded.type_string) == ("results", "final numbers", "core")
    assert loaded.uuid == group.uuid
    assert loaded.user == User.collection.get_default()
    assert loaded.time == group.time
    assert loaded.time.tzinfo is not None
    assert loaded.is_user_defined()
    assert str(loaded) == "Group<results>"


def test_explicit_user_type_time_and_extras(backend: StorageBackend) -> None:
    owner = User("owner@x").store()
    moment = datetime(2020, 1, 1, tzinfo=timezone.utc)
    group = Group("auto", owner, "made by a tool", "core.auto", moment, extras={"k": [1, 2]}).store()
    loaded = load_group(group.uuid)
    assert loaded.user == owner
    assert (loaded.type_string, loaded.time) == ("core.auto", moment)
    assert loaded.base.extras.all == {"k": [1, 2]}
    assert not loaded.is_user_defined()


def test_invalid_label_and_unstored_user(backend: StorageBackend) -> None:
    with pytest.raises(InputValidationError, match="invalid group label ''"):
        Group("")
    with pytest.raises(StoredEntityError, match="store user 'loose@x'"):
        Group("g", user=User("loose@x"))


def test_fields_change_after_store(backend: StorageBackend) -> None:
    group = Group("before").store()
    other = User("new-owner@x").store()
    group.label = "after"
    group.description = "changed"
    group.user = other
    loaded = load_group(group.pk)
    assert (loaded.label, loaded.description, loaded.user) == ("after", "changed", other)


def test_label_is_unique_per_type_string(backend: StorageBackend) -> None:
    Group("same").store()
    with pytest.raises(InputValidationError, match="a group labelled 'same' of type 'core' exists already"):
        Group("same").store()
    Group("same", type_string="core.import").store()  # another type: allowed
    assert Group.collection.count({"label": "same"}) == 2


def test_relabel_to_a_taken_label_is_refused_and_changes_nothing(backend: StorageBackend) -> None:
    Group("taken").store()
    group = Group("mine").store()
    with pytest.raises(InputValidationError, match="'taken' of type 'core' exists already"):
        group.label = "taken"
    assert group.label == "mine"
    assert load_group(group.pk).label == "mine"
    with pytest.raises(InputValidationError, match="invalid group label"):
        group.label = "  "


def test_get_or_create(backend: StorageBackend) -> None:
    group, created = Group.collection.get_or_create("g")
    assert created
    assert group.is_stored
    again, created = Group.collection.get_or_create("g")
    assert (again, created) == (group, False)
    other, created = Group.collection.get_or_create("g", type_string="core.auto")
    assert created
    assert other != group


# -- extras -----------------------------------------------------------------------------------------


def test_extras_are_mutable_after_store_and_persist(backend: StorageBackend) -> None:
    group = Group("x").store()
    extras = group.base.extras
    extras.set("a", 1)
    extras.set_many({"b": (1, 2), "c": {"d": None}})
    assert load_group(group.pk).base.extras.all == {"a": 1, "b": [1, 2], "c": {"d": None}}
    assert extras.get("b") == [1, 2]
    assert extras.get("missing", "default") == "default"
    assert extras.get_many(["a", "c"]) == [1, {"d": None}]
    assert sorted(extras.keys()) == ["a", "b", "c"]
    assert dict(extras.items())["a"] == 1
    assert "a" in extras
    assert len(extras) == 3
    extras.delete("a")
    extras.delete_many(["b"])
    assert load_group(group.pk).base.extras.all == {"c": {"d": None}}
    extras.reset({"z": "only"})
    assert load_group(group.pk).base.extras.all == {"z": "only"}
    extras.clear()
    assert load_group(group.pk).base.extras.all == {}


def test_extras_errors(backend: StorageBackend) -> None:
    extras = Group("x").store().base.extras
    with pytest.raises(AttributeError, match="has no extra 'nope'"):
        extras.get("nope")
    with pytest.raises(AttributeError, match="has no extra 'nope'"):
        extras.delete("nope")
    with pytest.raises(InputValidationError, match=r"'a\.b'"):
        extras.set("a.b", 1)
    with pytest.raises(InputValidationError):
        extras.set("bad", float("nan"))
    with pytest.raises(InputValidationError):
        extras.set("bad", object())
    assert extras.all == {}


def test_extras_all_is_a_copy(backend: StorageBackend) -> None:
    group = Group("x", extras={"list": [1]}).store()
    group.base.extras.all["list"].append(2)
    group.base.extras.get("list").append(3)
    assert group.base.extras.get("list") == [1]


# -- membership -------------------------------------------------------------------------------------


def test_add_single_node_or_several(backend: StorageBackend) -> None:
    group = Group("members").store()
    single, *several = stored_nodes(3)
    group.add_nodes(single)
    group.add_nodes(several)
    assert group.count() == 3
    assert [node.pk for node in group.nodes] == sorted(node.pk for node in [single, *several])  # type: ignore[type-var]
    assert not group.is_empty


def test_adding_twice_is_idempotent(backend: StorageBackend) -> None:
    group = Group("twice").store()
    node = Data().store()
    group.add_nodes([node, node])
    group.add_nodes(node)
    assert group.count() == 1


def test_nodes_come_back_as_their_classes(backend: StorageBackend) -> None:
    group = Group("mixed").store()
    data, calc = Data().store(), CalcFunctionNode().store()
    group.add_nodes((calc, data))
    kinds = {type(node) for node in group.nodes}
    assert kinds == {Data, CalcFunctionNode}


def test_unstored_node_is_refused_naming_it(backend: StorageBackend) -> None:
    group = Group("strict").store()
    stored = Data().store()
    loose = Data()
    with pytest.raises(
        StoredEntityError, match=r"cannot add nodes to group 'strict': .* is not stored; store it first"
    ):
        group.add_nodes([stored, loose])
    assert group.count() == 0  # nothing added when one node is refused


def test_unstored_group_is_refused(backend: StorageBackend) -> None:
    node = Data().store()
    group = Group("unsaved")
    for action in (group.add_nodes, group.remove_nodes):
        with pytest.raises(StoredEntityError, match="group 'unsaved': store the group first"):
            action(node)
    with pytest.raises(StoredEntityError, match="cannot clear group 'unsaved'"):
        group.clear()
    assert group.count() == 0
    assert group.nodes == []


def test_non_nodes_are_refused(backend: StorageBackend) -> None:
    group = Group("typed").store()
    with pytest.raises(InputValidationError, match="is not a node"):
        group.add_nodes([Group("other").store()])  # type: ignore[list-item]
    with pytest.raises(InputValidationError, match="is not a node"):
        group.add_nodes([1])  # type: ignore[list-item]


def test_remove_and_clear(backend: StorageBackend) -> None:
    group = Group("shrinking").store()
    nodes = stored_nodes(4)
    group.add_nodes(nodes)
    group.remove_nodes(nodes[0])
    group.remove_nodes([nodes[1], Data().store()])  # a non-member is ignored
    assert {node.pk for node in group.nodes} == {nodes[2].pk, nodes[3].pk}
    group.clear()
    assert group.is_empty
    assert group.nodes == []
    assert Node.collection.count() == 5  # the nodes themselves stay
    group.clear()  # clearing an empty group is fine


def test_membership_uses_one_storage_call(backend: StorageBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    group = Group("bulk").store()
    nodes = stored_nodes(20)
    calls: list[str] = []

    def spy(name: str) -> Callable[..., Any]:
        original = getattr(backend, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return original(*args, **kwargs)

        return wrapper

    for name in ("add_group_nodes", "remove_group_nodes", "get_rows", "count_rows", "bulk_insert"):
        monkeypatch.setattr(backend, name, spy(name))
    group.add_nodes(nodes)
    group.remove_nodes(nodes[:10])
    assert calls == ["add_group_nodes", "remove_group_nodes"]


def test_large_group(backend: StorageBackend) -> None:
    user = User.collection.get_default().pk
    count = 5200  # more than one chunk of ids
    backend.bulk_insert(
        EntityTypes.NODE, [{"user_id": user, "node_type": "data.Data."}] * count, allow_defaults=True
    )
    nodes = Node.collection.find()
    group = Group("large").store()
    group.add_nodes(nodes)
    assert group.count() == count
    members = group.nodes
    assert len(members) == count
    assert [node.pk for node in members] == sorted(node.pk for node in nodes)  # type: ignore[type-var]
    group.clear()
    assert group.count() == 0


# -- loading and deleting ---------------------------------------------------------------------------


def test_load_group_by_each_identifier(backend: StorageBackend) -> None:
    group = Group("findme").store()
    assert group.pk is not None
    for identifier in (group.pk, str(group.pk), group.uuid, group.uuid[:9], "findme", "findme!"):
        assert load_group(identifier) == group
    assert load_group(label="findme") == group
    assert load_group(uuid=group.uuid) == group
    assert load_group(pk=group.pk, backend=backend) == group


def test_load_group_errors(backend: StorageBackend) -> None:
    Group("shared").store()
    Group("shared", type_string="core.auto").store()
    with pytest.raises(MultipleObjectsError, match="several Groups match label 'shared'"):
        load_group("shared")
    with pytest.raises(NotExistent, match="no Group with label 'nowhere'"):
        load_group("nowhere")
    with pytest.raises(InputValidationError, match="exactly one of"):
        load_group()


def test_delete_group_keeps_its_nodes(backend: StorageBackend) -> None:
    group = Group("doomed").store()
    nodes = stored_nodes(3)
    group.add_nodes(nodes)
    assert group.pk is not None
    Group.collection.delete(group.pk)
    assert Group.collection.count() == 0
    assert backend.count_rows(EntityTypes.GROUP_NODE) == 0
    assert Node.collection.count() == 3
    with pytest.raises(NotExistent, match=f"no Group with pk {group.pk}"):
        Group.collection.delete(group.pk)


def test_deleting_a_member_node_ends_its_membership(backend: StorageBackend) -> None:
    group = Group("g").store()
    node = Data().store()
    group.add_nodes(node)
    assert node.pk is not None
    with backend.transaction():
        backend.delete_nodes_and_connections([node.pk])
    assert group.count() == 0


def test_deprecated_extras_alias(backend: StorageBackend) -> None:
    from provgraph.common.warnings import AiidaDeprecationWarning

    group = Group("with-extras", backend=backend).store()
    group.base.extras.set("colour", "red")
    with pytest.warns(AiidaDeprecationWarning, match="base.extras.all"):
        assert group.extras == {"colour": "red"}
