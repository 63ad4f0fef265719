"""``List``: a JSON list kept in the attribute ``list`` (AiiDA's ``data.core.list.List.``)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, SupportsIndex, overload

from provgraph.orm.json import clean_value, copy_value
from provgraph.orm.nodes.attributes import refuse_stored_change
from provgraph.orm.nodes.data.data import ComparedByValue

__all__ = ["List"]

_KEY = "list"


class List(ComparedByValue, node_type="data.core.list.List."):
    """A list with the methods of Python's ``list``; the mutating ones work until it is stored.

    Items are checked when they come in (JSON values only), so a bad item fails at the line that
    added it rather than at ``store()``. Reads of a stored list hand out copies.
    """

    def __init__(self, value: Sequence[Any] | None = None, **kwargs: Any) -> None:
        legacy = kwargs.pop("list", None)  # the keyword AiiDA also accepts
        super().__init__(**kwargs)
        self.set_list(value if value is not None else legacy if legacy is not None else [])

    # -- whole-list access ---------------------------------------------------------------------

    def get_list(self) -> list[Any]:
        """The items as a new list (changing it does not change the node)."""
        return copy_value(self._items())  # type: ignore[no-any-return]

    def set_list(self, value: Sequence[Any]) -> None:
        """Replace every item (unstored nodes only)."""
        if isinstance(value, List):
            value = value.get_list()
        if not isinstance(value, (list, tuple)):
            raise TypeError(f"List takes a list or tuple, got {type(value).__name__} {value!r}")
        self.base.attributes.set(_KEY, list(value))

    @property
    def value(self) -> list[Any]:
        return self.get_list()

    def _items(self) -> list[Any]:
        """The stored list itself; callers copy before handing anything out."""
        items: list[Any] = (self._column("attributes") or {}).get(_KEY, [])
        return items

    def _mutable_items(self) -> list[Any]:
        """The list to change in place; refuses on a stored node."""
        if self.is_stored:
            raise refuse_stored_change(self, "the items of the List")
        attributes = self.base.attributes
        if _KEY not in attributes:
            attributes.set(_KEY, [])
        return self._items()

    def _clean(self, value: Any, index: object) -> Any:
        return clean_value(value, f"{_KEY}[{index}]")

    # -- reading -------------------------------------------------------------------------------

    @overload
    def __getitem__(self, index: SupportsIndex) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: SupportsIndex | slice) -> Any:
        return copy_value(self._items()[index])

    def __len__(self) -> int:
        return len(self._items())

    def __iter__(self) -> Iterator[Any]:
        items: list[Any] = self.get_list()
        return iter(items)

    def __reversed__(self) -> Iterator[Any]:
        return iter(self.get_list()[::-1])

    def __contains__(self, value: object) -> bool:
        return value in self._items()

    def index(self, value: Any, start: SupportsIndex = 0, stop: SupportsIndex = sys.maxsize) -> int:
        return self._items().index(value, start, stop)

    def count(self, value: Any) -> int:
        return self._items().count(value)

    def _compared_value(self) -> list[Any]:
        return self._items()

    # -- changing (unstored nodes only) --------------------------------------------------------

    def __setitem__(self, index: SupportsIndex | slice, value: Any) -> None:
        items = self._mutable_items()
        if isinstance(index, slice):
            items[index] = [self._clean(item, index) for item in value]
        else:
            items[index] = self._clean(value, index)

    def __delitem__(self, index: SupportsIndex | slice) -> None:
        del self._mutable_items()[index]

    def append(self, value: Any) -> None:
        items = self._mutable_items()
        items.append(self._clean(value, len(items)))

    def extend(self, values: Iterable[Any]) -> None:
        items = self._mutable_items()
        cleaned = [self._clean(value, len(items) + offset) for offset, value in enumerate(values)]
        items.extend(cleaned)

    def insert(self, index: SupportsIndex, value: Any) -> None:
        items = self._mutable_items()
        items.insert(index, self._clean(value, index))

    def remove(self, value: Any) -> None:
        self._mutable_items().remove(value)

    def pop(self, index: SupportsIndex = -1) -> Any:
        return self._mutable_items().pop(index)

    def sort(self, key: Callable[[Any], Any] | None = None, reverse: bool = False) -> None:
        self._mutable_items().sort(key=key, reverse=reverse)

    def reverse(self) -> None:
        self._mutable_items().reverse()

    def clear(self) -> None:
        self._mutable_items().clear()

    def __iadd__(self, values: Iterable[Any]) -> List:
        self.extend(values)
        return self
