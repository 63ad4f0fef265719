"""``Dict``: a JSON dictionary kept as the node's attributes (AiiDA's ``data.core.dict.Dict.``).

Each top-level key is one attribute, as in AiiDA, so queries can filter on them
(``attributes.energy``) and archives carry them unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from provgraph.orm.nodes.data.data import ComparedByValue

__all__ = ["Dict"]

_MISSING: Any = object()


class Dict(ComparedByValue, node_type="data.core.dict.Dict."):
    """A dictionary whose top-level keys are the node's attributes.

    Until stored it behaves like a mutable mapping; afterwards, like every node, it is read-only.
    Equality compares contents, as in AiiDA (``Dict({"a": 1}) == {"a": 1}``).
    """

    def __init__(self, value: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        legacy = kwargs.pop("dict", None)  # aiida-core 1.x spelling, still accepted there
        super().__init__(**kwargs)
        content = value if value is not None else legacy
        if content is not None:
            self.set_dict(content)

    # -- writing (unstored nodes only) ---------------------------------------------------------

    def set_dict(self, value: Mapping[str, Any]) -> None:
        """Replace the whole content; nothing changes if a key or value is invalid."""
        self.base.attributes.reset(_mapping(value))

    def update_dict(self, value: Mapping[str, Any]) -> None:
        """Set several keys, like ``dict.update``; nothing changes if one is invalid."""
        self.base.attributes.set_many(_mapping(value))

    def __setitem__(self, key: str, value: Any) -> None:
        self.base.attributes.set(key, value)

    def __delitem__(self, key: str) -> None:
        if key not in self.base.attributes:
            raise KeyError(key)
        self.base.attributes.delete(key)

    # -- reading -------------------------------------------------------------------------------

    def get_dict(self) -> dict[str, Any]:
        """The content as a new dict (a deep copy once stored)."""
        return dict(self.base.attributes.all)

    @property
    def value(self) -> dict[str, Any]:
        return self.get_dict()

    @property
    def dict(self) -> AttributeView:
        """Attribute-style access to the top-level keys: ``node.dict.energy``."""
        return AttributeView(self)

    def get(self, key: str, default: Any = None, /) -> Any:
        return self.base.attributes.get(key, default)

    def keys(self) -> Iterator[str]:
        return self.base.attributes.keys()

    def items(self) -> Iterator[tuple[str, Any]]:
        return self.base.attributes.items()

    def values(self) -> Iterator[Any]:
        return (value for _, value in self.base.attributes.items())

    def __getitem__(self, key: str) -> Any:
        value = self.base.attributes.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self.base.attributes

    def __iter__(self) -> Iterator[str]:
        return self.base.attributes.keys()

    def __len__(self) -> int:
        return len(self.base.attributes)

    def _compared_value(self) -> Mapping[str, Any]:
        return self.get_dict()


def _mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, Dict):
        return value.get_dict()
    if not isinstance(value, Mapping):
        raise TypeError(f"Dict takes a mapping of str keys, got {type(value).__name__} {value!r}")
    return dict(value)


class AttributeView:
    """``node.dict``: the Dict's keys as Python attributes, read and (while unstored) written."""

    __slots__ = ("_node",)

    def __init__(self, node: Dict) -> None:
        object.__setattr__(self, "_node", node)

    def __getattr__(self, name: str) -> Any:
        node: Dict = object.__getattribute__(self, "_node")
        value = node.get(name, _MISSING)
        if value is _MISSING:
            raise AttributeError(f"the Dict has no key {name!r}; its keys are {sorted(node.keys())}")
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._node[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self._node[name]
        except KeyError:
            raise AttributeError(f"the Dict has no key {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        return self._node[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self._node[name] = value

    def __dir__(self) -> list[str]:
        return sorted(self._node.keys())

    def __iter__(self) -> Iterator[str]:
        return iter(self._node.keys())
