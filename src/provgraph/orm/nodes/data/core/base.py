"""``BaseType`` and ``NumericType``: nodes that wrap one Python value in the attribute ``value``.

Int, Float, Str and Bool share this layout with AiiDA (``{"value": 5}``), so a row written by
either program reads back the same. Their operators follow AiiDA's: arithmetic and ordering work
on the wrapped values and return new, unstored nodes (``Int(2) + 3`` is ``Int(5)``,
``Int(2) < 3`` is ``Bool(True)``), so results can flow straight into a calcfunction. Equality
compares values, as in AiiDA (``Int(5) == 5``); hashing stays by uuid, so nodes remain usable as
dict keys and set members by identity, which the graph code needs.
"""

from __future__ import annotations

import numbers
import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.data import Data

if TYPE_CHECKING:
    from typing_extensions import Self

    from provgraph.storage.abstract import StorageBackend

__all__ = ["BaseType", "NumericType"]

_VALUE = "value"


# Python type -> the first class that declared it as its ``_type`` (bool -> Bool, int -> Int, ...):
# how operators wrap their results without importing the subclasses that import this module.
_BY_VALUE_TYPE: dict[type, type[BaseType]] = {}


class BaseType(Data):
    """A node holding one value of a Python type; subclasses say which (``_convert``)."""

    _type: ClassVar[type]
    """The Python type of the value; ``_type()`` is the value used when none is given (0, "")."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_type" in cls.__dict__:
            _BY_VALUE_TYPE.setdefault(cls._type, cls)

    def __init__(self, value: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.value = self._type() if value is None else value

    @classmethod
    def _convert(cls, value: Any) -> Any:
        """The value to store for ``value``; ``TypeError``/``ValueError`` name what is wrong."""
        raise NotImplementedError

    @property
    def value(self) -> Any:
        return self.base.attributes.get(_VALUE, None)

    @value.setter
    def value(self, value: Any) -> None:
        self.base.attributes.set(_VALUE, self._convert(value))

    def new(self, value: Any = None) -> Self:
        """A new unstored node of the same class holding ``value``, in the same storage."""
        return type(self)(value, backend=self.backend)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BaseType):
            return bool(self.value == other.value)
        return bool(self.value == other)

    __hash__ = Data.__hash__

    def __str__(self) -> str:
        return f"{super().__str__()} value: {self.value}"


def type_error(cls: type, expected: str, value: Any) -> TypeError:
    """The error for a value of the wrong type given to ``cls`` (shared by the value types)."""
    return TypeError(f"{cls.__name__} takes {expected}, got {type(value).__name__} {value!r}")


_NOT_A_NUMBER = object()


def _operand(other: Any) -> Any:
    """The plain number behind ``other``, or ``_NOT_A_NUMBER`` so the operator can decline."""
    if isinstance(other, NumericType):
        return other.value
    if isinstance(other, numbers.Number) and not isinstance(other, complex):
        return other
    return _NOT_A_NUMBER


def _binary(
    function: Callable[[Any, Any], Any], reflected: bool = False
) -> Callable[[NumericType, Any], Any]:
    """An operator method: apply ``function`` to the values and wrap the result in a new node."""

    def method(self: NumericType, other: Any) -> Any:
        right = _operand(other)
        if right is _NOT_A_NUMBER:
            return NotImplemented
        result = function(right, self.value) if reflected else function(self.value, right)
        return _wrap(result, self.backend)

    method.__doc__ = f"``{function.__name__}`` of the values, as a new unstored node."
    return method


# What a numeric operator may return, most specific first (a bool is an int too), with the
# Python type whose node class wraps it: AiiDA's ``to_aiida_type`` for these values.
_RESULT_KINDS: tuple[tuple[Callable[[Any], bool], type], ...] = (
    (lambda value: isinstance(value, bool) or is_numpy_bool(value), bool),
    (lambda value: isinstance(value, numbers.Integral), int),
    (lambda value: isinstance(value, numbers.Real), float),
)


def _wrap(result: Any, backend: StorageBackend) -> BaseType:
    """The result of an operator as a new node of the class registered for its Python type."""
    for matches, value_type in _RESULT_KINDS:
        if matches(result):
            return _BY_VALUE_TYPE[value_type](result, backend=backend)
    raise InputValidationError(
        f"the result {result!r} ({type(result).__name__}) has no node type; only bool, int and float "
        "results of operators on numeric nodes become nodes"
    )


def is_numpy_bool(value: Any) -> bool:
    """Whether ``value`` is numpy's bool scalar (checked without importing numpy)."""
    kind = type(value)
    return kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_")


class NumericType(BaseType):
    """A number whose operators work on the value and return new unstored nodes, as AiiDA's."""

    __add__ = _binary(operator.add)
    __radd__ = _binary(operator.add, reflected=True)
    __sub__ = _binary(operator.sub)
    __rsub__ = _binary(operator.sub, reflected=True)
    __mul__ = _binary(operator.mul)
    __rmul__ = _binary(operator.mul, reflected=True)
    __truediv__ = _binary(operator.truediv)
    __rtruediv__ = _binary(operator.truediv, reflected=True)
    __floordiv__ = _binary(operator.floordiv)
    __rfloordiv__ = _binary(operator.floordiv, reflected=True)
    __mod__ = _binary(operator.mod)
    __rmod__ = _binary(operator.mod, reflected=True)
    __pow__ = _binary(operator.pow)
    __rpow__ = _binary(operator.pow, reflected=True)
    # Ordering gives Bool nodes (AiiDA does the same); ``if Int(2) < 3:`` works through Bool.__bool__.
    __lt__ = _binary(operator.lt)
    __le__ = _binary(operator.le)
    __gt__ = _binary(operator.gt)
    __ge__ = _binary(operator.ge)

    def __neg__(self) -> Self:
        return self.new(-self.value)

    def __pos__(self) -> Self:
        return self.new(self.value)

    def __abs__(self) -> Self:
        return self.new(abs(self.value))

    def __int__(self) -> int:
        return int(self.value)

    def __float__(self) -> float:
        return float(self.value)

    def __round__(self, ndigits: int | None = None) -> Any:
        return round(self.value, ndigits)

    __hash__ = BaseType.__hash__
