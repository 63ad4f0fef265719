"""YAML serialisation of values holding entities (``provgraph.orm.utils.serialize``)."""

from __future__ import annotations

import dataclasses
import types

import numpy
import pytest

from provgraph import orm
from provgraph.common.extendeddicts import AttributeDict
from provgraph.common.links import LinkType
from provgraph.orm.utils.serialize import deserialize_unsafe, serialize
from provgraph.storage.abstract import StorageBackend


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_entities_round_trip(backend: StorageBackend) -> None:
    node = orm.Int(5).store()
    group = orm.Group(label="g").store()
    computer = orm.Computer("c", "localhost").store()
    text = serialize({"node": node, "nested": [{("key",): node}], "group": group, "computer": computer})
    assert f"!aiida_node '{node.uuid}'" in text  # aiida-core's tag: dumps read in either
    loaded = deserialize_unsafe(text)
    assert loaded["node"].uuid == node.uuid
    assert loaded["node"].value == 5
    assert loaded["nested"][0][("key",)].pk == node.pk
    assert (loaded["group"].uuid, loaded["computer"].uuid) == (group.uuid, computer.uuid)


@pytest.mark.parametrize(
    "entity",
    [orm.Data, lambda: orm.Group(label="unstored"), lambda: orm.Computer("u", "localhost")],
)
def test_unstored_entities_are_refused(backend: StorageBackend, entity: object) -> None:
    with pytest.raises(ValueError, match="not stored"):
        serialize(entity())  # type: ignore[operator]


def test_python_values_round_trip() -> None:
    nested = AttributeDict({"inner": AttributeDict({"a": 1})})
    nested["inner"]["plain"] = {"b": 2}
    loaded = deserialize_unsafe(serialize(nested))
    assert isinstance(loaded, AttributeDict)
    assert isinstance(loaded["inner"], AttributeDict)
    assert loaded["inner"]["plain"] == {"b": 2}
    assert deserialize_unsafe(serialize(LinkType.RETURN)) is LinkType.RETURN
    assert "!enum" in serialize(LinkType.RETURN)
    assert deserialize_unsafe(serialize(Point(1, 2))) == Point(1, 2)
    assert deserialize_unsafe(serialize(types.SimpleNamespace(a=1))) == types.SimpleNamespace(a=1)
    assert deserialize_unsafe(serialize(numpy.arange(3))).tolist() == [0, 1, 2]
    assert isinstance(serialize({"a": 1}, encoding="utf-8"), bytes)
