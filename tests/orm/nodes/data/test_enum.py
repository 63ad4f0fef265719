"""EnumData: an enum member stored as AiiDA stores it (name, value, class identifier)."""

from __future__ import annotations

import enum

import pytest

from provgraph import orm
from provgraph.orm.nodes.data.core import EnumData
from provgraph.orm.nodes.data.core.enum import load_enum
from provgraph.storage.abstract import StorageBackend


class Color(enum.Enum):
    RED = "red"
    BLUE = (0, 0, 255)


class Level(enum.IntEnum):
    LOW = 1


def test_round_trip_gives_the_member_back(backend: StorageBackend) -> None:
    node = EnumData(Color.RED).store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is EnumData
    assert loaded.node_type == "data.core.enum.EnumData."
    assert loaded.base.attributes.all == {"name": "RED", "value": "red", "identifier": f"{__name__}:Color"}
    assert (loaded.name, loaded.value, loaded.identifier) == ("RED", "red", f"{__name__}:Color")
    assert loaded.get_member() is Color.RED
    assert loaded.member is Color.RED
    assert loaded.get_enum() is Color
    assert loaded == Color.RED
    assert loaded != Color.BLUE
    assert loaded == EnumData(Color.RED)
    assert loaded != EnumData(Level.LOW)
    assert loaded != "RED"
    blue = orm.load_node(EnumData(Color.BLUE).store().pk)
    assert blue.value == [0, 0, 255]  # a tuple comes back from JSON as a list
    assert blue.get_member() is Color.BLUE
    assert orm.load_node(EnumData(Level.LOW).store().pk).get_member() is Level.LOW


def test_unloadable_enums_are_refused_early_and_explained_late(backend: StorageBackend) -> None:
    class Local(enum.Enum):
        A = 1

    with pytest.raises(ValueError, match="define it at the top level"):
        EnumData(Local.A)
    with pytest.raises(TypeError, match=r"Got object of type str .*expecting an Enum member"):
        EnumData("RED")  # type: ignore[arg-type]
    node = EnumData(Color.RED)
    node.base.attributes.set("value", "green")
    with pytest.raises(ValueError, match="is no longer a valid value for the enum"):
        node.get_member()
    assert node != Color.RED
    node.base.attributes.set("identifier", "no_such_module_xyz:Color")
    with pytest.raises(ImportError, match="cannot import module 'no_such_module_xyz'"):
        node.get_enum()
    assert node != Color.RED
    with pytest.raises(ImportError, match="has no 'Missing'"):
        load_enum(f"{__name__}:Missing")
    with pytest.raises(ImportError, match="not of the form"):
        load_enum("nocolon")
    with pytest.raises(ImportError, match="not an Enum class"):
        load_enum("enum:auto")
