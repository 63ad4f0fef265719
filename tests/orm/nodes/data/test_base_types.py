"""Int, Float, Str and Bool: values, conversions, operators, storing and immutability."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np
import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, ModificationNotAllowed
from provgraph.orm.nodes.data.core import BaseType, Bool, Float, Int, NumericType, Str
from provgraph.storage import get_storage_class
from provgraph.storage.abstract import StorageBackend


def test_round_trip_keeps_class_value_and_layout(backend: StorageBackend) -> None:
    cases: list[tuple[BaseType, Any, str]] = [
        (Int(-7), -7, "data.core.int.Int."),
        (Float(2.5), 2.5, "data.core.float.Float."),
        (Str("Zürich ✓"), "Zürich ✓", "data.core.str.Str."),
        (Bool(True), True, "data.core.bool.Bool."),
        (Bool(False), False, "data.core.bool.Bool."),
    ]
    for node, value, node_type in cases:
        node.store()
        loaded = orm.load_node(node.pk)
        assert type(loaded) is type(node)
        assert loaded.node_type == node_type
        assert loaded.base.attributes.all == {"value": value}
        assert loaded.value == value
        assert type(loaded.value) is type(value)
    assert orm.load_node(cases[3][0].pk).value is True
    assert Int.collection.count() == 1
    assert Bool.collection.count() == 2


def test_defaults_and_conversions(backend: StorageBackend) -> None:
    assert (Int().value, Float().value, Str().value, Bool().value) == (0, 0.0, "", False)
    assert Int(np.int64(3)).value == 3
    assert type(Int(np.int64(3)).value) is int
    assert Int(4.0).value == 4
    assert Int(Int(5)).value == 5
    assert Float(3).value == 3.0
    assert type(Float(3).value) is float
    assert Float(np.float32(0.5)).value == 0.5
    assert Float(Int(2)).value == 2.0
    assert Bool(np.bool_(True)).value is True
    assert Str(Str("a")).value == "a"
    assert Float(1e20).store().value == 1e20
    assert type(orm.load_node(Float(1e20).store().pk).value) is float


BAD_VALUES: list[tuple[type[BaseType], Any, type[Exception], str]] = [
    (Int, "5", TypeError, "Int takes an integer, got str '5'"),
    (Int, True, TypeError, "got bool True"),
    (Int, 2.5, ValueError, "round it first"),
    (Float, "1.5", TypeError, "Float takes a real number, got str"),
    (Float, True, TypeError, "got bool"),
    (Float, 1j, TypeError, "got complex"),
    (Str, 5, TypeError, "Str takes a str, got int 5"),
    (Bool, 1, TypeError, "Bool takes True or False, got int 1"),
    (Bool, "yes", TypeError, "got str 'yes'"),
    (Float, math.nan, InputValidationError, "JSON cannot represent"),
    (Float, math.inf, InputValidationError, "JSON cannot represent"),
    (Str, "a\x00b", InputValidationError, "NUL"),
]


def test_bad_values_are_refused_clearly(backend: StorageBackend) -> None:
    for cls, value, error, message in BAD_VALUES:
        with pytest.raises(error, match=message):
            cls(value)
    node = Int(1)
    with pytest.raises(TypeError, match="Int takes an integer"):
        node.value = "2"
    assert node.value == 1


def test_arithmetic_gives_new_unstored_nodes(backend: StorageBackend) -> None:
    two, three = Int(2).store(), Int(3)
    cases: list[tuple[Any, type[NumericType], Any]] = [
        (two + three, Int, 5),
        (two + 1, Int, 3),
        (1 + two, Int, 3),
        (two + 0.5, Float, 2.5),
        (two - 5, Int, -3),
        (5 - two, Int, 3),
        (two * three, Int, 6),
        (3 * two, Int, 6),
        (Int(7) / two, Float, 3.5),
        (7 / two, Float, 3.5),
        (Int(7) // two, Int, 3),
        (7 // two, Int, 3),
        (Int(7) % three, Int, 1),
        (7 % three, Int, 1),
        (two**three, Int, 8),
        (2**three, Int, 8),
        (two**-1, Float, 0.5),
        (-two, Int, -2),
        (+two, Int, 2),
        (abs(Int(-4)), Int, 4),
        (Float(1.5) * 2, Float, 3.0),
        (Float(1.5) + two, Float, 3.5),
    ]
    for result, cls, value in cases:
        assert type(result) is cls
        assert result.value == value
        assert not result.is_stored
    assert two.is_stored
    assert two.value == 2
    assert (int(Float(2.7)), float(two), round(Float(2.567), 2)) == (2, 2.0, 2.57)
    assert [10, 20, 30][Int(1)] == 20
    with pytest.raises(ZeroDivisionError):
        _ = two / 0


def test_results_belong_to_the_storage_of_their_operand(backend: StorageBackend) -> None:
    other = get_storage_class(backend.profile.storage_backend)(backend.profile)
    try:
        two = Int(2, backend=other)
        for result in (two + 1, 1 + two, two < 3, -two, abs(two), two.new(5)):
            assert result.backend is other
        assert (Int(2) + 1).backend is backend
    finally:
        other.close()


def test_operators_refuse_what_is_not_a_number(backend: StorageBackend) -> None:
    with pytest.raises(TypeError, match=r"unsupported operand type\(s\) for \+: 'Int' and 'str'"):
        _ = Int(1) + "a"
    with pytest.raises(TypeError, match="'Int' and 'Str'"):
        _ = Int(1) * Str("a")
    with pytest.raises(TypeError, match="not supported between instances of 'Float' and 'str'"):
        _ = Float(1.0) < "a"
    with pytest.raises(InputValidationError, match="complex"):
        _ = Int(-8) ** 0.5


def test_comparisons(backend: StorageBackend) -> None:
    for comparison, expected in [
        (Int(2) < 3, True),
        (Int(2) <= Int(2), True),
        (Int(2) > Float(2.5), False),
        (Float(2.5) >= 2, True),
        (operator.gt(3, Int(2)), True),  # reflected: Int.__lt__
    ]:
        assert type(comparison) is Bool
        assert comparison.value is expected
    assert sorted([Int(3), Int(1), Int(2)], key=operator.attrgetter("value"))[0] == 1
    assert sorted([Int(3), Int(1), Int(2)])[0] == 1
    stored = Int(5).store()
    assert stored == 5
    assert stored == Int(5).store()  # values, as AiiDA compares them
    assert Int(5) == Float(5.0)
    assert Int(5) != 6
    assert Str("a") == "a"
    assert Str("a") != Str("b")
    assert Bool(True) == True  # noqa: E712 -- the node against a plain bool
    assert len({stored, orm.load_node(stored.pk)}) == 1  # hashed by uuid: one node, one entry
    assert len({Int(1), Int(1)}) == 2


def test_truthiness_and_text(backend: StorageBackend) -> None:
    assert bool(Bool(False)) is False
    assert bool(Bool(True)) is True
    assert int(Bool(True)) == 1
    assert not Bool(False)
    node = Str("hello")
    assert str(node).endswith("(unstored) value: hello")
    assert node.value == "hello"
    assert f"{Int(3)}".endswith("value: 3")


def test_value_is_immutable_once_stored(backend: StorageBackend) -> None:
    node = Int(1)
    node.value = 2
    assert node.value == 2
    node.store()
    with pytest.raises(ModificationNotAllowed, match="immutable once stored"):
        node.value = 3
    with pytest.raises(ModificationNotAllowed):
        node.base.attributes.set("value", 4)
    assert orm.load_node(node.pk).value == 2
    clone = node.clone()
    assert type(clone) is Int
    assert clone.value == 2
    assert not clone.is_stored
    clone.value = 9
    assert node.value == 2
    assert Int(3).new(4).value == 4
