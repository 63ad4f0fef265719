"""``to_node``: wrap a plain Python value in the data node AiiDA would use for it.

This is what lets process functions take plain values (``add(1, 2)``) and what the numeric
operators use to wrap their results. The mapping is AiiDA's ``to_aiida_type``: bool -> Bool,
int -> Int, float -> Float, str -> Str, dict -> Dict, list or tuple -> List, Enum member ->
EnumData, numpy array -> ArrayData; a node is returned as it is.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Callable, Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.core.array import ArrayData
from provgraph.orm.nodes.data.core.bool import Bool, is_numpy_bool
from provgraph.orm.nodes.data.core.dict import Dict
from provgraph.orm.nodes.data.core.enum import EnumData
from provgraph.orm.nodes.data.core.float import Float
from provgraph.orm.nodes.data.core.int import Int
from provgraph.orm.nodes.data.core.list import List
from provgraph.orm.nodes.data.core.str import Str
from provgraph.orm.nodes.node import Node

if TYPE_CHECKING:
    from provgraph.storage.abstract import StorageBackend

__all__ = ["to_node"]


def _is_numpy_array(value: Any) -> bool:
    numpy = sys.modules.get("numpy")  # a numpy array can only exist if numpy was imported
    return numpy is not None and isinstance(value, numpy.ndarray)


# Most specific first: a bool is a Bool (not an Int), an IntEnum member an EnumData (not an Int).
_CONVERSIONS: tuple[tuple[Callable[[Any], bool], Callable[..., Node]], ...] = (
    (lambda value: isinstance(value, bool) or is_numpy_bool(value), Bool),
    (lambda value: isinstance(value, Enum), EnumData),
    (lambda value: isinstance(value, numbers.Integral), Int),
    (lambda value: isinstance(value, numbers.Real), Float),
    (lambda value: isinstance(value, str), Str),
    (lambda value: isinstance(value, Mapping), Dict),
    (lambda value: isinstance(value, (list, tuple)), List),
    (_is_numpy_array, ArrayData),
)


def to_node(value: Any, *, backend: StorageBackend | None = None) -> Node:
    """A new, unstored node holding ``value``, or ``value`` itself if it is a node already.

    The new node belongs to ``backend`` (default: the loaded profile's storage).

    Anything that is neither a node nor one of the types above is an ``InputValidationError``
    naming its type.
    """
    if isinstance(value, Node):
        return value
    for matches, node_class in _CONVERSIONS:
        if matches(value):
            return node_class(value, backend=backend)
    kind = type(value)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    text = repr(value)
    raise InputValidationError(
        f"cannot turn a {name} ({text if len(text) <= 40 else text[:37] + '...'}) into a node; give a node "
        "or a bool, int, float, str, dict, list, tuple, Enum member or numpy array"
    )
