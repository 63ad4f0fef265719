"""``Float``: a floating-point node (AiiDA's ``data.core.float.Float.``, attribute ``value``)."""

from __future__ import annotations

import numbers
from typing import Any, ClassVar

from provgraph.orm.nodes.data.core.base import NumericType, type_error

__all__ = ["Float"]


class Float(NumericType, node_type="data.core.float.Float."):
    """A finite float (JSON has no NaN or infinity, so those are refused when set)."""

    _type: ClassVar[type[float]] = float

    @classmethod
    def _convert(cls, value: Any) -> float:
        if isinstance(value, NumericType):
            value = value.value
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise type_error(cls, "a real number", value)
        return float(value)

    @property
    def value(self) -> float:
        # Integral floats from 1e16 on are stored as ints (see provgraph.orm.json); give a float back.
        return float(self.base.attributes.get("value", 0.0))

    @value.setter
    def value(self, value: Any) -> None:
        self.base.attributes.set("value", self._convert(value))

    __hash__ = NumericType.__hash__
