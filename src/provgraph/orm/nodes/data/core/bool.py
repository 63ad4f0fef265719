"""``Bool``: a boolean node (AiiDA's ``data.core.bool.Bool.``, attribute ``value``)."""

from __future__ import annotations

from typing import Any, ClassVar

from provgraph.orm.nodes.data.core.base import BaseType, is_numpy_bool, type_error

__all__ = ["Bool", "is_numpy_bool"]


class Bool(BaseType, node_type="data.core.bool.Bool."):
    """True or False; ``bool(node)`` and ``if node:`` use the value, ``node.value`` is a real bool."""

    _type: ClassVar[type[bool]] = bool

    @classmethod
    def _convert(cls, value: Any) -> bool:
        if isinstance(value, Bool):
            return value.value
        if isinstance(value, bool) or is_numpy_bool(value):
            return bool(value)
        raise type_error(cls, "True or False", value)

    @property
    def value(self) -> bool:
        return bool(self.base.attributes.get("value", False))

    @value.setter
    def value(self, value: Any) -> None:
        self.base.attributes.set("value", self._convert(value))

    def __bool__(self) -> bool:
        return self.value

    def __int__(self) -> int:
        return int(self.value)

    __hash__ = BaseType.__hash__
