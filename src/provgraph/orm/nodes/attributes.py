"""``node.base.attributes`` and ``node.base.extras``: the two JSON dicts of a node.

Attributes describe what a node *is* and freeze when it is stored (a class may name a few keys
that stay updatable, e.g. a process's state); extras are the user's annotations and stay
mutable, each change writing the row's extras column in one UPDATE. Values are checked on the
way in (:mod:`provgraph.orm.json`) and again at store, because unstored values can still be
changed through references. Reads of a stored node return copies, so the stored state cannot be
changed behind the database's back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from provgraph.exceptions import ModificationNotAllowed
from provgraph.orm.json import clean_value, copy_value, validate_key

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["NodeAttributes", "NodeExtras"]


class _NotGiven:
    def __repr__(self) -> str:
        return "<not given>"


_NOT_GIVEN: Any = _NotGiven()


class _JsonFields:
    """The API shared by attributes and extras, over the row column ``_column``."""

    _column: ClassVar[str]
    _what: ClassVar[str]

    __slots__ = ("_node",)

    def __init__(self, node: Node) -> None:
        self._node = node

    @property
    def _data(self) -> dict[str, Any]:
        data: dict[str, Any] | None = self._node._row[self._column]
        if data is None:  # the column is nullable in AiiDA's schema
            data = self._node._row[self._column] = {}
        return data

    def _copy_out(self, value: Any) -> Any:
        return copy_value(value) if self._node.is_stored else value

    def _missing(self, key: str) -> AttributeError:
        return AttributeError(f"node {self._node.pk or self._node.uuid} has no {self._what} {key!r}")

    # -- mutability hooks (attributes and extras differ) ---------------------------------------

    def _check_mutable(self, keys: Iterable[str] | None) -> None:
        """Raise if the keys (None: all of them, e.g. reset/clear) may not change now."""

    # -- reading -------------------------------------------------------------------------------

    def get(self, key: str, default: Any = _NOT_GIVEN) -> Any:
        """The value of ``key``; ``AttributeError`` if it is missing and no default is given."""
        try:
            value = self._data[key]
        except KeyError:
            if default is _NOT_GIVEN:
                raise self._missing(key) from None
            return default
        return self._copy_out(value)

    def get_many(self, keys: Iterable[str]) -> list[Any]:
        """The values of ``keys`` in order; ``AttributeError`` names the first missing one."""
        return [self.get(key) for key in keys]

    @property
    def all(self) -> dict[str, Any]:
        """Every key and value (a deep copy once the node is stored)."""
        return self._copy_out(self._data)  # type: ignore[no-any-return]

    def items(self) -> Iterator[tuple[str, Any]]:
        for key, value in self._data.items():
            yield key, self._copy_out(value)

    def keys(self) -> Iterator[str]:
        yield from list(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    # -- writing -------------------------------------------------------------------------------

    def _apply(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Make ``change`` in place while unstored; on a stored node write a changed copy first.

        Writing before touching memory keeps the node equal to its row if the UPDATE fails.
        """
        node = self._node
        if not node.is_stored:
            change(self._data)
            return
        changed = dict(self._data)
        change(changed)
        node._update(**{self._column: changed})

    def set(self, key: str, value: Any) -> None:
        """Set one key to a JSON value (checked now, and again at store)."""
        validate_key(key, self._what)
        self._check_mutable((key,))
        cleaned = clean_value(value, key, self._what)
        self._apply(lambda data: data.__setitem__(key, cleaned))

    def set_many(self, values: Mapping[str, Any]) -> None:
        """Set several keys at once; nothing changes if one of them is invalid."""
        cleaned = self._cleaned(values)
        self._check_mutable(cleaned)
        self._apply(lambda data: data.update(cleaned))

    def reset(self, values: Mapping[str, Any]) -> None:
        """Replace every key and value by ``values``."""
        cleaned = self._cleaned(values)
        self._check_mutable(None)

        def replace(data: dict[str, Any]) -> None:
            data.clear()
            data.update(cleaned)

        self._apply(replace)

    def delete(self, key: str) -> None:
        """Remove ``key``; ``AttributeError`` if it is missing."""
        self._check_mutable((key,))
        if key not in self._data:
            raise self._missing(key)
        self._apply(lambda data: data.__delitem__(key))

    def delete_many(self, keys: Iterable[str]) -> None:
        """Remove several keys; nothing changes if one of them is missing."""
        keys = list(keys)
        self._check_mutable(keys)
        for key in keys:
            if key not in self._data:
                raise self._missing(key)

        def remove(data: dict[str, Any]) -> None:
            for key in keys:
                data.pop(key, None)

        self._apply(remove)

    def clear(self) -> None:
        """Remove every key."""
        self._check_mutable(None)
        self._apply(lambda data: data.clear())

    def _cleaned(self, values: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(values, Mapping):
            raise TypeError(f"expected a mapping of {self._what}s, got {type(values).__name__}")
        return {
            validate_key(key, self._what): clean_value(value, key, self._what)
            for key, value in values.items()
        }


class NodeAttributes(_JsonFields):
    """The attributes of a node: immutable once stored, except the class's ``_updatable_attributes``."""

    _column = "attributes"
    _what = "attribute"
    __slots__ = ()

    def _check_mutable(self, keys: Iterable[str] | None) -> None:
        self._node._check_attributes_mutable(keys)


class NodeExtras(_JsonFields):
    """The extras of a node: mutable at any time; on a stored node each change is one UPDATE."""

    _column = "extras"
    _what = "extra"
    __slots__ = ()


def refuse_stored_change(node: Node, what: str) -> ModificationNotAllowed:
    """The error for changing an immutable part of a stored node."""
    return ModificationNotAllowed(
        f"cannot change {what} of stored node pk={node.pk}: it is immutable once stored; "
        "create a new node (extras, label and description stay changeable)"
    )
