"""``Dict``: a JSON dictionary kept as the node's attributes (AiiDA's ``data.core.dict.Dict.``)."""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, KeysView, Mapping
from typing import Any

from provgraph.orm.nodes.data.data import Data

__all__ = ["Dict"]

_MISSING = object()


class Dict(Data, node_type="data.core.dict.Dict."):
    """A dictionary whose top-level keys are the node's attributes, as AiiDA stores it.

    Until stored it behaves like a mutable mapping; afterwards, like every node, it is read-only.
    """

    def __init__(self, value: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        legacy = kwargs.pop("dict", None)  # aiida-core 1.x spelling, still accepted there
        super().__init__(**kwargs)
        content = value if value is not None else legacy
        if content is not None:
            self.set_dict(content)

    def set_dict(self, value: Mapping[str, Any]) -> None:
        """Replace the whole content (unstored nodes only)."""
        if not isinstance(value, Mapping):
            raise TypeError(f"Dict takes a mapping, got {type(value).__name__}")
        self.base.attributes.reset(dict(value))

    def update_dict(self, value: Mapping[str, Any]) -> None:
        """Set several keys (unstored nodes only)."""
        self.base.attributes.set_many(dict(value))

    def get_dict(self) -> dict[str, Any]:
        """A deep copy of the content."""
        return dict(self.base.attributes.all)

    @property
    def value(self) -> dict[str, Any]:
        return self.get_dict()

    @property
    def dict(self) -> _AttributeView:
        """Attribute-style access to the top-level keys: ``node.dict.energy``."""
        return _AttributeView(self.get_dict())

    def get(self, key: str, default: Any = None) -> Any:
        return self.base.attributes.get(key, default)

    def keys(self) -> KeysView[str]:
        return self.get_dict().keys()

    def items(self) -> ItemsView[str, Any]:
        return self.get_dict().items()

    def __getitem__(self, key: str) -> Any:
        value = self.base.attributes.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.base.attributes.set(key, value)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.base.attributes.get(key, _MISSING) is not _MISSING

    def __iter__(self) -> Iterator[str]:
        return iter(self.get_dict())

    def __len__(self) -> int:
        return len(self.get_dict())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Dict):
            return (
                super().__eq__(other)
                if self.is_stored and other.is_stored
                else self.get_dict() == other.get_dict()
            )
        if isinstance(other, Mapping):
            return self.get_dict() == dict(other)
        return NotImplemented

    __hash__ = Data.__hash__


class _AttributeView:
    """Read-only attribute access to a dict's keys."""

    def __init__(self, content: dict[str, Any]) -> None:
        self._content = content

    def __getattr__(self, name: str) -> Any:
        try:
            return self._content[name]
        except KeyError:
            raise AttributeError(f"the Dict has no key {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        return self._content[name]
