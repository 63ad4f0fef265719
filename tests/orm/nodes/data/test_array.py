"""ArrayData and XyData: arrays as ``.npy`` files, shapes as ``array|<name>`` attributes."""

from __future__ import annotations

import numpy as np
import pytest

from provgraph import orm
from provgraph.common.warnings import AiidaDeprecationWarning
from provgraph.exceptions import InputValidationError, ModificationNotAllowed, NotExistent
from provgraph.orm.nodes.data.core import ArrayData, XyData
from provgraph.storage.abstract import StorageBackend


def test_round_trip_of_several_arrays(backend: StorageBackend) -> None:
    matrix = np.arange(12.0).reshape(3, 4)
    flags = np.array([True, False])
    words = np.array(["a", "bc"])
    node = ArrayData({"matrix": matrix})
    node.set_array("flags", flags)
    node.set_array("words", words)
    node.set_array("scalar", np.array(3))
    node.store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is ArrayData
    assert loaded.node_type == "data.core.array.ArrayData."
    assert loaded.base.attributes.all == {
        "array|matrix": [3, 4],
        "array|flags": [2],
        "array|words": [2],
        "array|scalar": [],
    }
    assert sorted(loaded.base.repository.list_object_names()) == [
        "flags.npy",
        "matrix.npy",
        "scalar.npy",
        "words.npy",
    ]
    assert loaded.get_arraynames() == ["flags", "matrix", "scalar", "words"]
    assert loaded.get_shape("matrix") == (3, 4)
    array = loaded.get_array("matrix")
    np.testing.assert_array_equal(array, matrix)
    assert array.dtype == matrix.dtype
    assert loaded.get_array("matrix") is array  # read once, then served from memory
    loaded.clear_internal_cache()
    assert loaded.get_array("matrix") is not array
    np.testing.assert_array_equal(loaded.get_array("words"), words)
    assert loaded.get_array("scalar") == 3
    assert dict(loaded.get_iterarrays()).keys() == loaded.arrays.keys()
    with pytest.raises(ValueError, match="node contains multiple arrays"):
        loaded.get_array()
    with pytest.raises(KeyError, match="no array 'missing'"):
        loaded.get_array("missing")
    with pytest.raises(KeyError, match="no array 'missing'"):
        loaded.get_shape("missing")
    with pytest.raises(ModificationNotAllowed):
        loaded.set_array("more", matrix)
    with pytest.raises(ModificationNotAllowed):
        loaded.delete_array("matrix")


def test_unstored_arrays_change_and_clone(backend: StorageBackend) -> None:
    node = ArrayData(np.array([[1, 2], [3, 4]]))  # one array is named "default", as in AiiDA
    assert node.get_arraynames() == ["default"]
    np.testing.assert_array_equal(node.get_array(), [[1, 2], [3, 4]])
    node.set_array("default", np.zeros(3))
    assert node.get_shape("default") == (3,)
    np.testing.assert_array_equal(node.get_array(), np.zeros(3))
    node.set_array("other", np.ones(2))
    node.delete_array("default")
    assert node.get_arraynames() == ["other"]
    assert node.base.repository.list_object_names() == ["other.npy"]
    with pytest.raises(KeyError, match="no array 'default'"):
        node.delete_array("default")
    assert ArrayData([1, 2, 3]).get_shape("default") == (3,)
    clone = node.store().clone()
    assert not clone.is_stored
    clone.set_array("third", np.ones(1))
    clone.store()
    assert orm.load_node(clone.pk).get_arraynames() == ["other", "third"]
    assert orm.load_node(node.pk).get_arraynames() == ["other"]


def test_bad_arrays_are_refused(backend: StorageBackend) -> None:
    node = ArrayData()
    with pytest.raises(TypeError, match="ArrayData stores numpy arrays, got list"):
        node.set_array("a", [1, 2])  # type: ignore[arg-type]
    for name in ("", "a b", "x.y", "a/b", "ü"):
        with pytest.raises(ValueError, match="invalid array name"):
            node.set_array(name, np.zeros(1))
    with pytest.raises(InputValidationError, match="dtype object"):
        node.set_array("objects", np.array([{"a": 1}], dtype=object))
    with pytest.raises(TypeError, match="ArrayData takes arrays or sequences, got int"):
        ArrayData({"a": 5})
    assert node.get_arraynames() == []
    node.set_array("ok", np.zeros(1))
    node.base.repository.put_object_from_bytes(b"not an array", "stray.npy")
    with pytest.raises(InputValidationError, match="do not match the files"):
        node.store()
    assert not node.is_stored


def test_xy_data_layout_and_round_trip(backend: StorageBackend) -> None:
    x = np.arange(3.0)
    node = XyData(x, [x * 2, x + 1], x_name="x", x_units="m", y_names=["y", "z"], y_units=["s", "t"])
    node.store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is XyData
    assert loaded.node_type == "data.core.array.xy.XyData."
    assert isinstance(loaded, ArrayData)
    assert loaded.base.attributes.all == {
        "x_name": "x",
        "x_units": "m",
        "array|x_array": [3],
        "array|y_array_0": [3],
        "array|y_array_1": [3],
        "y_names": ["y", "z"],
        "y_units": ["s", "t"],
    }
    name, array, units = loaded.get_x()
    assert (name, units) == ("x", "m")
    np.testing.assert_array_equal(array, x)
    (y_name, y_array, y_unit), (z_name, _, z_unit) = loaded.get_y()
    assert (y_name, y_unit, z_name, z_unit) == ("y", "s", "z", "t")
    np.testing.assert_array_equal(y_array, x * 2)
    assert ArrayData.collection.count() == 1  # XyData is found as an ArrayData too
    assert XyData.collection.count() == 1


def test_xy_data_rules(backend: StorageBackend) -> None:
    node = XyData()
    with pytest.raises(NotExistent, match="no x array"):
        node.get_x()
    with pytest.raises(NotExistent, match="no y arrays"):
        node.get_y()
    with pytest.raises(ValueError, match="set the x array with set_x"):
        node.set_y(np.zeros(2), "y", "s")
    with pytest.raises(TypeError, match="must be a numpy array"):
        node.set_x([1, 2], "x", "m")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must hold numbers"):
        node.set_x(np.array(["a"]), "x", "m")
    with pytest.raises(TypeError, match="units of 'x' must be a str"):
        node.set_x(np.zeros(2), "x", 1)  # type: ignore[arg-type]
    node.set_x(np.zeros(2), "x", "m")
    with pytest.raises(
        ValueError,
        match=r"y_array .y. \(shape \(3,\)\) does not have the same shape as x_array",
    ):
        node.set_y(np.zeros(3), "y", "s")
    with pytest.raises(ValueError, match="as many y names and units"):
        node.set_y([np.zeros(2)], ["y", "z"], ["s"])
    with pytest.raises(TypeError, match="also needs"):
        XyData(np.zeros(2))
    node.set_y([np.zeros(2), np.ones(2)], ["y", "z"], ["s", "t"])
    node.set_y(np.ones(2), "only", "u")  # fewer y arrays: the old ones go
    assert node.get_arraynames() == ["x_array", "y_array_0"]
    assert [name for name, _, _ in node.get_y()] == ["only"]


def test_get_array_without_a_name_needs_exactly_one_array(backend: StorageBackend) -> None:
    with pytest.raises(ValueError, match="`name` not specified but the node contains no arrays"):
        ArrayData().get_array()
    with pytest.raises(ValueError, match="`name` not specified but the node contains multiple arrays"):
        ArrayData({"a": np.zeros(1), "b": np.zeros(1)}).get_array()
    np.testing.assert_array_equal(ArrayData(np.arange(3)).get_array(), np.arange(3))


def test_save_and_load_arrays_are_deprecated_but_round_trip(backend: StorageBackend) -> None:
    arrays = {"a": np.arange(3), "b": np.eye(2)}
    with pytest.warns(AiidaDeprecationWarning, match="ArrayData.save_arrays"):
        encoded = ArrayData.save_arrays(arrays)
    assert all(isinstance(value, bytes) for value in encoded.values())
    with pytest.warns(AiidaDeprecationWarning, match="ArrayData.load_arrays"):
        decoded = ArrayData.load_arrays(encoded)
    assert decoded.keys() == arrays.keys()
    for name, array in arrays.items():
        np.testing.assert_array_equal(decoded[name], array)
