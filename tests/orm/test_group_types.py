"""Group subclasses by type_string, entry points, aiida's error types, backend_entity, extras by reference."""

from __future__ import annotations

import pickle
import warnings

import pytest

from provgraph import orm
from provgraph.exceptions import (
    InputValidationError,
    IntegrityError,
    InvalidOperation,
    ModificationNotAllowed,
    StoredEntityError,
    StoringNotAllowed,
    UniquenessError,
)
from provgraph.orm.groups import AutoGroup, Group, ImportGroup, UpfFamily, load_group, load_group_class
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.plugins.entry_point import get_entry_point_from_string
from provgraph.storage.abstract import StorageBackend


@pytest.mark.parametrize(
    ("cls", "type_string"),
    [(Group, "core"), (AutoGroup, "core.auto"), (ImportGroup, "core.import"), (UpfFamily, "core.upf")],
)
def test_builtin_types_store_and_load_as_their_class(
    backend: StorageBackend, cls: type[Group], type_string: str
) -> None:
    group = cls(f"label-{type_string}").store()
    assert group.type_string == type_string
    loaded = load_group(group.pk)
    assert type(loaded) is cls
    assert cls.entry_point == get_entry_point_from_string(f"aiida.groups:{type_string}")


def test_subclass_collections_hold_their_own_type(backend: StorageBackend) -> None:
    Group("plain").store()
    auto, created = AutoGroup.collection.get_or_create("auto")
    again, created_again = AutoGroup.collection.get_or_create("auto")
    assert (created, created_again) == (True, False)
    assert isinstance(auto, AutoGroup)
    assert again == auto
    assert [group.label for group in AutoGroup.collection.all()] == ["auto"]
    assert {group.label for group in Group.collection.all()} == {"plain", "auto"}
    assert QueryBuilder().append(AutoGroup).count() == 1
    assert QueryBuilder().append(Group, subclassing=False).count() == 1
    assert QueryBuilder().append(Group).count() == 2


def test_unregistered_subclass_warns_and_cannot_be_stored(backend: StorageBackend) -> None:
    class Unregistered(Group):
        pass

    with pytest.warns(UserWarning, match="no registered entry point for .* will not be storable"):
        assert Unregistered._type_string is None
    assert Unregistered.entry_point is None
    group = Unregistered("not-storable")
    with pytest.raises(StoringNotAllowed):
        group.store()
    assert not group.is_stored


def test_unknown_type_string_loads_as_group_with_a_warning(backend: StorageBackend) -> None:
    group = Group("custom")
    group.backend_entity.bare_model.type_string = "plugin.unknown"
    group.store()
    with pytest.warns(UserWarning, match="falling back onto `Group`"):
        loaded = load_group(group.pk)
    assert type(loaded) is Group
    assert loaded.type_string == "plugin.unknown"
    with pytest.warns(UserWarning, match="could not load entry point"):
        assert load_group_class("plugin.unknown") is Group
    assert QueryBuilder().append(Group, filters={"type_string": "plugin.unknown"}).count() == 1


def test_bare_model_changes_only_unstored_rows(backend: StorageBackend) -> None:
    group = Group("bare").store()
    with pytest.raises(ModificationNotAllowed):
        group.backend_entity.bare_model.type_string = "other"
    with pytest.raises(AttributeError):
        Group("x").backend_entity.bare_model.no_such_column = 1
    assert group.backend_entity.bare_model.type_string == "core"
    assert group.backend_entity.pk == group.pk


def test_membership_errors_are_aiidas_types(backend: StorageBackend) -> None:
    unstored_group = Group("unstored")
    with pytest.raises(ModificationNotAllowed):
        unstored_group.add_nodes(orm.Data().store())
    group = Group("stored").store()
    with pytest.raises(ValueError, match="not stored"):
        group.add_nodes(orm.Data())
    with pytest.raises(StoredEntityError):  # still provgraph's own type too
        group.add_nodes(orm.Data())


def test_taken_label_is_an_integrity_and_uniqueness_error(backend: StorageBackend) -> None:
    Group("taken").store()
    duplicate = Group("taken")
    with pytest.raises(IntegrityError, match="exists already"):
        duplicate.store()
    duplicate.label = "free"
    duplicate.store()
    with pytest.raises(UniquenessError):
        duplicate.label = "taken"
    with pytest.raises(InputValidationError):
        duplicate.label = "taken"
    assert load_group(duplicate.pk).label == "free"


def test_backend_entity_adds_nodes_in_batches(backend: StorageBackend) -> None:
    nodes = [orm.Data().store().backend_entity for _ in range(7)]
    group = Group("batches").store()
    group.backend_entity.add_nodes(nodes, batch_size=3)
    assert {node.pk for node in group.nodes} == {node.pk for node in nodes}
    group.backend_entity.remove_nodes(nodes[:2], batch_size=1)
    assert group.count() == 5
    with pytest.raises(InputValidationError):
        group.backend_entity.add_nodes(nodes, batch_size=0)


def test_unstored_extras_are_kept_by_reference_then_copied_at_store(backend: StorageBackend) -> None:
    value = {"nested": {"a": 1}}
    group = Group("extras")
    group.base.extras.set("key", value)
    group.base.extras.get("key")["nested"]["a"] = 2
    assert value["nested"]["a"] == 2
    group.base.extras.set_many({"other": value})
    assert group.base.extras.get("other") is value
    group.base.extras.set("pair", (1, 2))  # converted, so not the same object
    assert group.base.extras.get("pair") == [1, 2]
    group.store()
    value["nested"]["a"] = 3
    assert group.base.extras.get("key") == {"nested": {"a": 2}}
    assert load_group(group.pk).base.extras.get("key") == {"nested": {"a": 2}}


def test_collections_are_cached_per_storage(backend: StorageBackend) -> None:
    assert orm.User.collection is orm.User.collection
    assert orm.User.get_collection(backend) is orm.User.collection
    assert orm.User.collection(backend) is orm.User.collection
    assert AutoGroup.collection is not Group.collection


def test_entities_refuse_pickling(backend: StorageBackend) -> None:
    with pytest.raises(InvalidOperation, match="pickling"):
        pickle.dumps(Group("pickled"))
    with pytest.raises(InvalidOperation):
        pickle.dumps(orm.Data().store())


def test_no_warning_for_registered_classes(backend: StorageBackend) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        AutoGroup("quiet").store()
        assert type(load_group(label="quiet")) is AutoGroup
