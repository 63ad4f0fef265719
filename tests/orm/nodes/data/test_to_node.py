"""to_node: plain values become the node AiiDA's ``to_aiida_type`` would make."""

from __future__ import annotations

import enum
from collections import OrderedDict
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.core import ArrayData, Bool, Dict, EnumData, Float, Int, List, Str
from provgraph.orm.nodes.data.to_node import to_node
from provgraph.storage.abstract import StorageBackend


class Level(enum.IntEnum):
    HIGH = 3


def test_values_become_nodes(backend: StorageBackend) -> None:
    cases: list[tuple[Any, type[orm.Node], Any]] = [
        (True, Bool, True),
        (np.bool_(False), Bool, False),
        (5, Int, 5),
        (np.int32(5), Int, 5),
        (2.5, Float, 2.5),
        (np.float64(2.5), Float, 2.5),
        (Fraction(1, 4), Float, 0.25),
        ("text", Str, "text"),
        ({"a": 1}, Dict, {"a": 1}),
        (OrderedDict(a=1), Dict, {"a": 1}),
        ([1, "a"], List, [1, "a"]),
        ((1, 2), List, [1, 2]),
    ]
    for value, cls, expected in cases:
        node = to_node(value)
        assert type(node) is cls, value
        assert not node.is_stored
        assert node.value == expected, value
    assert type(to_node(True).value) is bool
    member = to_node(Level.HIGH)  # an IntEnum member is an enum first, not an int
    assert type(member) is EnumData
    assert member.get_member() is Level.HIGH
    array = to_node(np.arange(3))
    assert type(array) is ArrayData
    np.testing.assert_array_equal(array.get_array(), [0, 1, 2])
    stored = Int(1).store()
    assert to_node(stored) is stored
    data = orm.Data()
    assert to_node(data) is data


def test_other_values_are_refused_by_name(backend: StorageBackend) -> None:
    for value, message in [
        (None, r"cannot turn a NoneType \(None\) into a node; give a node or a bool"),
        ({1, 2}, r"cannot turn a set \(\{1, 2\}\)"),
        (Decimal("1.5"), r"cannot turn a decimal.Decimal \(Decimal\('1.5'\)\)"),
        (1j, r"cannot turn a complex \(1j\)"),
        (object, "cannot turn a type"),
        ({0: [0] * 50}.values(), r"cannot turn a dict_values \(dict_values\(\[\[0, 0, .*\.\.\.\) into"),
    ]:
        with pytest.raises(InputValidationError, match=message):
            to_node(value)
