"""``Str``: a string node (AiiDA's ``data.core.str.Str.``, attribute ``value``)."""

from __future__ import annotations

from typing import Any, ClassVar

from provgraph.orm.nodes.data.core.base import BaseType, type_error

__all__ = ["Str"]


class Str(BaseType, node_type="data.core.str.Str."):
    """A string; compare it with ``==``, read it with ``.value`` (``str(node)`` describes the node)."""

    _type: ClassVar[type[str]] = str

    @classmethod
    def _convert(cls, value: Any) -> str:
        if isinstance(value, Str):
            return value.value
        if not isinstance(value, str):
            raise type_error(cls, "a str", value)
        return str.__str__(value)  # a str subclass (e.g. a str Enum member) becomes its text

    @property
    def value(self) -> str:
        return str(self.base.attributes.get("value", ""))

    @value.setter
    def value(self, value: Any) -> None:
        self.base.attributes.set("value", self._convert(value))

    __hash__ = BaseType.__hash__
