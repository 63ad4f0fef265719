"""One JSON dict column of an entity as a dict-like API: node attributes and extras, group extras.

Values are checked on the way in (:mod:`provgraph.orm.json`: JSON only, string keys, errors
naming the key path) and the same rules hold for every owner, so a value that a node's extras
accept is accepted by a group's, and both databases store the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, ClassVar, Protocol

from provgraph.orm.json import checked_value, clean_value, copy_value, validate_key

__all__ = ["JsonFields", "JsonOwner"]


class JsonOwner(Protocol):
    """What :class:`JsonFields` needs from the entity that owns the column (``Entity`` has it)."""

    @property
    def pk(self) -> int | None: ...

    @property
    def is_stored(self) -> bool: ...

    def _json_column(self, column: str) -> dict[str, Any]: ...

    def _json_owner_name(self) -> str: ...

    def _update(self, **columns: Any) -> None: ...


class _NotGiven:
    def __repr__(self) -> str:
        return "<not given>"


_NOT_GIVEN: Any = _NotGiven()


class JsonFields:
    """The API of one JSON dict column of an entity (``_column``): get, set, delete, reset.

    Unstored, changes go into the entity's row in place; with ``_by_reference`` (node attributes
    and extras, whose store copies every value) values are kept by reference, as aiida-core
    does: a dict set and then changed by the caller changes the node (values that need
    converting, such as tuples, are kept as converted copies). Stored, a changed copy is
    written first (``owner._update``), so the entity equals its row even if the UPDATE fails,
    and reads return copies. Subclasses say what may change when (``_check_mutable``) and
    how the owner is named in errors (``owner._json_owner_name``).
    """

    _column: ClassVar[str]
    _what: ClassVar[str]
    #: Keep unstored values by reference (aiida-core's behaviour): only for owners whose store
    #: copies every value, so that a stored row never shares objects with the caller.
    _by_reference: ClassVar[bool] = False

    __slots__ = ("_owner",)

    def __init__(self, owner: JsonOwner) -> None:
        self._owner = owner

    @property
    def _data(self) -> dict[str, Any]:
        return self._owner._json_column(self._column)

    def _copy_out(self, value: Any) -> Any:
        return copy_value(value) if self._owner.is_stored else value

    def _missing(self, key: str) -> AttributeError:
        return AttributeError(f"{self._owner._json_owner_name()} has no {self._what} {key!r}")

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
        owner = self._owner
        if not owner.is_stored:
            change(self._data)
            return
        changed = dict(self._data)
        change(changed)
        owner._update(**{self._column: changed})

    def set(self, key: str, value: Any) -> None:
        """Set one key to a JSON value (checked now, and again at store)."""
        validate_key(key, self._what)
        self._check_mutable((key,))
        cleaned = self._clean(value, key)
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

    def _clean(self, value: Any, key: str) -> Any:
        """The value to keep: by reference on an unstored owner that allows it (if it needs no
        conversion), else a cleaned copy (a stored row must not share objects with the caller)."""
        if self._by_reference and not self._owner.is_stored:
            return checked_value(value, key, self._what)
        return clean_value(value, key, self._what)

    def _cleaned(self, values: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(values, Mapping):
            raise TypeError(f"expected a mapping of {self._what}s, got {type(values).__name__}")
        return {validate_key(key, self._what): self._clean(value, key) for key, value in values.items()}
