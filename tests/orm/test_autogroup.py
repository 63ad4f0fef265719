"""AutogroupManager: labels of the run's AutoGroup, include/exclude filters."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import ValidationError
from provgraph.orm.autogroup import AutogroupManager
from provgraph.storage.abstract import StorageBackend


def test_labels_take_the_next_free_integer_suffix(backend: StorageBackend) -> None:
    prefix = "run_x"
    orm.AutoGroup(f"{prefix}yy").store()  # the prefix followed by other text is not a suffix
    labels = []
    for _ in range(3):
        manager = AutogroupManager(backend)
        manager.set_group_label_prefix(prefix)
        labels.append(manager.get_or_create_group().label)
    assert labels == [prefix, f"{prefix}_1", f"{prefix}_2"]
    orm.AutoGroup(f"{prefix}_9").store()
    orm.AutoGroup(f"{prefix}_15b").store()
    orm.Group(f"{prefix}_20").store()  # not an AutoGroup: ignored
    manager = AutogroupManager(backend)
    manager.set_group_label_prefix(prefix)
    group = manager.get_or_create_group()
    assert group.label == f"{prefix}_10"
    assert isinstance(group, orm.AutoGroup)
    assert manager.get_or_create_group() == group  # the same group for the rest of the run


def test_include_exclude_rules(backend: StorageBackend) -> None:
    manager = AutogroupManager(backend)
    assert not manager.is_to_be_grouped(orm.Int(1))
    manager.enable()
    assert manager.is_enabled
    assert manager.is_to_be_grouped(orm.Int(1))
    manager.set_include(["aiida.data:core.int", "aiida.data:core.str%"])
    assert manager.is_to_be_grouped(orm.Int(1))
    assert manager.is_to_be_grouped(orm.Str("x"))
    assert not manager.is_to_be_grouped(orm.Float(1.0))
    with pytest.raises(ValidationError, match="both"):
        manager.set_exclude("aiida.data:core.float")
    manager.set_include(None)
    manager.set_exclude("aiida.data:core.float")
    assert not manager.is_to_be_grouped(orm.Float(1.0))
    assert manager.is_to_be_grouped(orm.Int(1))
    with pytest.raises(ValidationError, match="invalid prefix"):
        manager.set_exclude("aiida.nothing:core.int")
    with pytest.raises(ValidationError, match="two parts"):
        manager.set_exclude("core.int")
    manager.disable()
    assert not manager.is_to_be_grouped(orm.Int(1))
