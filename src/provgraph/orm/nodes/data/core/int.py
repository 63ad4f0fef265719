"""``Int``: an integer node (AiiDA's ``data.core.int.Int.``, attribute ``value``)."""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

from provgraph.orm.nodes.data.core.base import NumericType, type_error

__all__ = ["Int"]


class Int(NumericType, node_type="data.core.int.Int."):
    """An integer; ``Int(5) + 1 == Int(6)``, ``int(node)``, and usable as an index."""

    _type: ClassVar[type[int]] = int

    @classmethod
    def _convert(cls, value: Any) -> int:
        """Integers (also numpy's) and integral floats; a fraction is refused, not truncated."""
        if isinstance(value, NumericType):
            value = value.value
        if isinstance(value, bool):
            raise type_error(cls, "an integer", value)
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real):
            number = float(value)
            if number.is_integer():
                return int(number)
            raise ValueError(f"Int takes an integer, got {value!r}; round it first or use Float")
        raise type_error(cls, "an integer", value)

    @property
    def value(self) -> int:
        return int(self.base.attributes.get("value", 0))

    @value.setter
    def value(self, value: Any) -> None:
        self.base.attributes.set("value", self._convert(value))

    def __index__(self) -> int:
        return self.value

    __hash__ = NumericType.__hash__
