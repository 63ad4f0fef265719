"""List: Python's list methods on a node, AiiDA's ``list`` attribute."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, ModificationNotAllowed
from provgraph.orm.nodes.data.core import List
from provgraph.storage.abstract import StorageBackend


def test_round_trip_and_reading(backend: StorageBackend) -> None:
    node = List([0, 1, 9, 0, {"a": [1]}, "x", 2.5]).store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is List
    assert loaded.node_type == "data.core.list.List."
    assert loaded.base.attributes.all == {"list": [0, 1, 9, 0, {"a": [1]}, "x", 2.5]}
    assert loaded.get_list() == loaded.value == [0, 1, 9, 0, {"a": [1]}, "x", 2.5]
    assert len(loaded) == 7
    assert loaded[2] == 9
    assert loaded[-1] == 2.5
    assert loaded[1:3] == [1, 9]
    assert list(loaded) == loaded.get_list()
    assert next(reversed(loaded)) == 2.5
    assert 9 in loaded
    assert loaded.index(0) == 0
    assert loaded.index(0, 1) == 3
    assert loaded.count(0) == 2
    assert loaded == [0, 1, 9, 0, {"a": [1]}, "x", 2.5]
    assert loaded == List([0, 1, 9, 0, {"a": [1]}, "x", 2.5])
    assert loaded != [0]
    # reads are copies: changing them does not change the stored node
    loaded[4]["a"].append(2)
    loaded.get_list().append(5)
    assert orm.load_node(node.pk).get_list() == [0, 1, 9, 0, {"a": [1]}, "x", 2.5]
    assert List().store().get_list() == []
    assert List((1, 2)).get_list() == [1, 2]
    assert List(list=[3]).get_list() == [3]
    assert List(loaded).get_list() == loaded.get_list()


def test_mutating_methods_before_store(backend: StorageBackend) -> None:
    node = List([3, 1, 2])
    node.append(4)
    node.extend([5, 6])
    node += [7]
    node.insert(0, 0)
    node.remove(5)
    assert node.pop() == 7
    assert node.pop(0) == 0
    node[0] = 10
    del node[1]
    assert node.get_list() == [10, 2, 4, 6]
    node.sort()
    assert node.get_list() == [2, 4, 6, 10]
    node.sort(key=lambda value: -value)
    node.reverse()
    assert node.get_list() == [2, 4, 6, 10]
    node[1:3] = [(1, 2)]
    assert node.get_list() == [2, [1, 2], 10]
    node.set_list([1])
    node.clear()
    assert node.get_list() == []
    node.append({"k": (1,)})
    node.store()
    assert orm.load_node(node.pk).get_list() == [{"k": [1]}]


def test_stored_list_is_immutable(backend: StorageBackend) -> None:
    node = List([1, 2]).store()
    for change in (
        lambda: node.append(3),
        lambda: node.extend([3]),
        lambda: node.insert(0, 3),
        lambda: node.remove(1),
        node.pop,
        node.sort,
        node.reverse,
        lambda: node.__setitem__(0, 5),
        lambda: node.__delitem__(0),
        lambda: node.set_list([]),
    ):
        with pytest.raises(ModificationNotAllowed, match="immutable once stored"):
            change()
    assert orm.load_node(node.pk).get_list() == [1, 2]


def test_bad_items_are_refused_where_they_are_added(backend: StorageBackend) -> None:
    with pytest.raises(TypeError, match="List takes a list or tuple, got str"):
        List("abc")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got dict"):
        List({"a": 1})  # type: ignore[arg-type]
    node = List([1])
    with pytest.raises(InputValidationError, match=r"attribute 'list\[1\]' holds a set"):
        node.append({1})
    with pytest.raises(InputValidationError, match="JSON cannot represent"):
        node.extend([2, float("nan")])
    with pytest.raises(InputValidationError, match="not a JSON value"):
        node[0] = object()
    assert node.get_list() == [1]
