"""JsonableData: objects with ``as_dict`` stored as attributes and rebuilt with ``from_dict``."""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest

from provgraph import orm
from provgraph.orm.nodes.data.jsonable import JsonableData
from provgraph.storage.abstract import StorageBackend


class Point:
    """A minimal class with the interface JsonableData needs."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def as_dict(self) -> dict[str, Any]:
        return {"data": self.data}

    @classmethod
    def from_dict(cls, dictionary: dict[str, Any]) -> Point:
        return cls(dictionary["data"])


class NoFromDict:
    def as_dict(self) -> dict[str, Any]:
        return {}


def test_round_trip_with_float_constants(backend: StorageBackend) -> None:
    data = [1, math.inf, -math.inf, math.nan, "text"]
    node = JsonableData(Point(data))
    assert node.base.attributes.all == {
        "data": [1, "Infinity", "-Infinity", "NaN", "text"],
        "@class": "Point",
        "@module": __name__,
    }
    assert node.the_class == "Point"
    assert node.the_module == __name__
    node.store()
    loaded = orm.load_node(node.pk)
    assert isinstance(loaded, JsonableData)
    assert loaded == node
    rebuilt = loaded.obj
    assert isinstance(rebuilt, Point)
    assert rebuilt.data[:3] == [1, math.inf, -math.inf]
    assert math.isnan(rebuilt.data[3])
    assert rebuilt.data[4] == "text"
    assert loaded.obj is rebuilt  # rebuilt once


def test_the_given_object_is_returned_as_it_is(backend: StorageBackend) -> None:
    point = Point({"a": 1})
    assert JsonableData(point).obj is point


def test_objects_that_cannot_be_wrapped(backend: StorageBackend) -> None:
    with pytest.raises(TypeError, match="cannot be `None`"):
        JsonableData(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="does not have the required `as_dict` method"):
        JsonableData(object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"the object `.*` is not JSON-serializable"):
        JsonableData(Point({"when": datetime.datetime.now()}))


def test_objects_that_cannot_be_rebuilt(backend: StorageBackend) -> None:
    node = JsonableData(Point(1))
    node.base.attributes.set("@module", "not.existing")
    node.store()
    with pytest.raises(ImportError, match=r"the objects module `not\.existing` can not be imported"):
        _ = orm.load_node(node.pk).obj
    node = JsonableData(Point(1))
    node.base.attributes.set("@class", "Missing")
    node.store()
    with pytest.raises(ImportError, match=r"does not contain the class `Missing`"):
        _ = orm.load_node(node.pk).obj
    node = JsonableData(NoFromDict()).store()
    with pytest.raises(TypeError, match="has no `from_dict`"):
        _ = orm.load_node(node.pk).obj
