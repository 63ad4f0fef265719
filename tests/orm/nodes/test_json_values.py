"""JSON values of attributes and extras: what is refused (with its key path) and exact round trips."""

from __future__ import annotations

import enum
import math
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provgraph.exceptions import InputValidationError
from provgraph.orm.json import checked_value, clean_value, copy_value, validate_key
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.storage.abstract import EntityTypes, StorageBackend


class Color(enum.IntEnum):
    RED = 1


class Name(str, enum.Enum):
    ALICE = "alice"


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        ({"a": (1, 2)}, {"a": [1, 2]}),
        (OrderedDict(b=1), {"b": 1}),
        (Color.RED, 1),
        (Name.ALICE, "alice"),
        (1e20, 100000000000000000000),
        (-1e16, -10000000000000000),
        (1.5e300, 15 * 10**299),
        (-1.5e-300, -1.5e-300),
        (0.1, 0.1),
        ("ünïcødé ✓", "ünïcødé ✓"),
        (None, None),
        (True, True),
        (2**70, 2**70),
    ],
)
def test_clean_value_converts(value: Any, cleaned: Any) -> None:
    result = clean_value(value, "v")
    assert result == cleaned
    assert type(result) is type(cleaned)
    if result is not value:  # conversions are copies; checked_value makes the same ones
        assert checked_value(value, "v") == cleaned
        assert type(checked_value(value, "v")) is type(cleaned)


def test_checked_value_keeps_plain_json_values_themselves() -> None:
    plain = {"a": [1, 2.5, {"b": "c"}], "d": None}
    assert checked_value(plain, "v") is plain
    nested = {"a": [1, (2, 3)], "b": {"c": 1}}
    converted = checked_value(nested, "v")
    assert converted is not nested
    assert converted == {"a": [1, [2, 3]], "b": {"c": 1}}


@pytest.mark.parametrize("value", [{"a": [0, float("nan")]}, {1: "a"}, {"a": {"b": object()}}, "nul\x00"])
def test_checked_value_refuses_what_clean_value_refuses(value: Any) -> None:
    with pytest.raises(InputValidationError):
        checked_value(value, "x")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": {"b": [0, 1, float("nan")]}}, r"attribute 'x\.a\.b\[2\]' holds a float\('nan'\)"),
        ([float("inf")], r"attribute 'x\[0\]' holds a float\('inf'\)"),
        ({"a": -math.inf}, r"'x\.a' holds a float\('-inf'\)"),
        ({1: "int key"}, r"attribute 'x' has the key 1 of type int"),
        ({"a": {(1, 2): 3}}, r"'x\.a' has the key \(1, 2\) of type tuple"),
        ({"a": object()}, r"attribute 'x\.a' holds a object"),
        ({"a": {1, 2}}, r"attribute 'x\.a' holds a set"),
        ({"a": b"bytes"}, r"attribute 'x\.a' holds a bytes"),
        ({"a": "nul\x00"}, r"'x\.a' has a value with a NUL character"),
        ({"nul\x00": 1}, r"has a key with a NUL character"),
        ({"a": "\ud800"}, r"'x\.a' has a value with a lone surrogate"),
    ],
)
def test_clean_value_refuses_with_key_path(value: Any, message: str) -> None:
    with pytest.raises(InputValidationError, match=message):
        clean_value(value, "x")


def test_numpy_scalars_if_available() -> None:
    numpy = pytest.importorskip("numpy")
    assert clean_value({"a": numpy.int64(3), "b": numpy.float64(0.5), "c": numpy.bool_(True)}, "v") == {
        "a": 3,
        "b": 0.5,
        "c": True,
    }
    with pytest.raises(InputValidationError, match="ndarray"):
        clean_value(numpy.zeros(2), "v")


def test_validate_key() -> None:
    assert validate_key("ok") == "ok"
    with pytest.raises(InputValidationError, match="separates nested keys"):
        validate_key("a.b", "extra")


def test_copy_value_is_deep() -> None:
    value = {"a": [{"b": 1}]}
    copied = copy_value(value)
    copied["a"][0]["b"] = 2
    assert value == {"a": [{"b": 1}]}


def test_error_names_extras_and_attributes(backend: StorageBackend) -> None:
    node = Data()
    with pytest.raises(InputValidationError, match=r"extra 'tags\[1\]'"):
        node.base.extras.set("tags", ["a", float("nan")])
    with pytest.raises(InputValidationError, match=r"attribute 'cfg\.n'"):
        node.base.attributes.set("cfg", {"n": float("nan")})


def test_nan_at_store_leaves_nothing(backend: StorageBackend) -> None:
    node = Data()
    node.base.extras.set("ok", [])
    node.base.extras.get("ok").append(float("nan"))
    with pytest.raises(InputValidationError, match=r"extra 'ok\[0\]'"):
        node.store()
    assert backend.count_rows(EntityTypes.NODE) == 0


_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_SCALARS = st.none() | st.booleans() | _INT64 | st.floats(allow_nan=False, allow_infinity=False) | st.text()
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
_KEYS = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00."), min_size=1, max_size=8
)


def _cleanable(value: Any) -> bool:
    try:
        clean_value(value, "v")
    except InputValidationError:
        return False
    return True


_CLEANABLE = _JSON.filter(_cleanable)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attributes=st.dictionaries(_KEYS, _CLEANABLE))
def test_json_round_trip_through_store(backend: StorageBackend, attributes: dict[str, Any]) -> None:
    node = Data()
    node.base.attributes.set_many(attributes)
    node.base.extras.set_many(attributes)
    node.store()
    expected = clean_value(attributes, "v")
    loaded = Node.collection.get(pk=node.pk)
    assert _typed(loaded.base.attributes.all) == _typed(expected)
    extras = loaded.base.extras.all
    assert extras.pop("_aiida_hash") == loaded.base.caching.compute_hash()  # added at store
    assert _typed(extras) == _typed({key: value for key, value in expected.items() if key != "_aiida_hash"})


def _typed(value: Any) -> Any:
    """The value with the type of every leaf next to it, so 1 and 1.0 (and True) compare unequal."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    if isinstance(value, float) and value == 0.0:
        return (float, 0.0)  # PostgreSQL keeps no sign on zero
    return (type(value), value)
