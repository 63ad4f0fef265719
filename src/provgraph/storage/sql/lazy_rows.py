"""Row dicts that convert their costly columns only when they are read.

Listing thousands of nodes (a group's members, a query's ``*`` projection) mostly reads pks,
uuids and labels, yet decoding three JSON documents and two timestamps per row cost more than
fetching the row. On SQLite those columns arrive as text, so a row keeps the text aside and
converts a column the first time it is looked up. The row is a real ``dict``: present keys are
read at C speed, and every way of looking at the row as a whole (iteration, ``items()``,
comparison, copying into a plain dict) converts the rest first, so no caller can ever see the
raw text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any

__all__ = ["LazyRow", "decode_json", "decode_sqlite_datetime"]

Decoder = Callable[[Any], Any]


def decode_json(text: Any) -> Any:
    """JSON text as stored by SQLite (``NULL`` stays ``None``)."""
    if text is None:
        return None
    if not isinstance(text, str):  # already a Python value (written by hand, or a JSON number)
        return text
    if text == "{}":  # the commonest document by far (empty extras, empty repository metadata)
        return {}
    return json.loads(text)


def decode_sqlite_datetime(text: Any) -> datetime | None:
    """A timestamp as SQLAlchemy writes it into SQLite (naive UTC text), as an aware datetime."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text) if isinstance(text, str) else text
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


class LazyRow(dict[str, Any]):  # noqa: PLW1641  (unhashable, like dict)
    """A column dict holding some columns as raw values, converted on first access.

    Raw values wait in ``_pending`` under keys that are absent from the dict itself, so that
    ``row[key]`` on a converted or ordinary column never leaves C; :meth:`__missing__` converts a
    pending one with its decoder from ``decoders`` (one table shared by all rows of a result).
    Assigning a pending key simply replaces it (the raw value is then ignored).
    """

    __slots__ = ("_decoders", "_pending")

    _pending: dict[str, Any]
    _decoders: dict[str, Decoder]

    @classmethod
    def of(
        cls, ready: Iterable[tuple[str, Any]], pending: dict[str, Any], decoders: dict[str, Decoder]
    ) -> LazyRow:
        """A row of the ``ready`` (key, value) pairs plus the raw ``pending`` columns.

        No ``__init__`` of our own: ``dict``'s, in C, builds the row; this runs once per row
        of every bulk read, where a Python ``__init__`` frame is a measurable share.
        """
        row = cls(ready)
        row._pending = pending
        row._decoders = decoders
        return row

    def __missing__(self, key: str) -> Any:
        try:
            raw = self._pending.pop(key)
        except KeyError:
            raise KeyError(key) from None
        value = self._decoders[key](raw)
        dict.__setitem__(self, key, value)
        return value

    def _materialize(self) -> None:
        pending, self._pending = self._pending, {}
        for key, raw in pending.items():
            if not dict.__contains__(self, key):
                dict.__setitem__(self, key, self._decoders[key](raw))

    # -- single-key access ------------------------------------------------------------------------

    def get(self, key: str, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        if key in self._pending:
            return self[key]
        return default

    def __contains__(self, key: object) -> bool:
        return dict.__contains__(self, key) or key in self._pending

    def pop(self, key: str, *default: Any) -> Any:
        self._materialize()
        return dict.pop(self, key, *default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key in self._pending:
            return self[key]
        return dict.setdefault(self, key, default)

    def __delitem__(self, key: str) -> None:
        self._materialize()
        dict.__delitem__(self, key)

    # -- the row as a whole: convert everything first ---------------------------------------------

    def __iter__(self) -> Iterator[str]:
        self._materialize()
        return dict.__iter__(self)

    def __len__(self) -> int:
        return dict.__len__(self) + sum(1 for key in self._pending if not dict.__contains__(self, key))

    def keys(self) -> Any:
        self._materialize()
        return dict.keys(self)

    def values(self) -> Any:
        self._materialize()
        return dict.values(self)

    def items(self) -> Any:
        self._materialize()
        return dict.items(self)

    def popitem(self) -> tuple[str, Any]:
        self._materialize()
        return dict.popitem(self)

    def __eq__(self, other: object) -> bool:
        self._materialize()
        if isinstance(other, LazyRow):
            other._materialize()
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __repr__(self) -> str:
        self._materialize()
        return dict.__repr__(self)

    def __reduce__(self) -> Any:
        self._materialize()
        return (dict, (dict(dict.items(self)),))

    def copy(self) -> LazyRow:
        """A copy that stays lazy (``dict.copy`` would drop the pending columns)."""
        return LazyRow.of(dict.items(self), dict(self._pending), self._decoders)

    def __copy__(self) -> LazyRow:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        import copy

        self._materialize()
        return copy.deepcopy(dict(dict.items(self)), memo)

    def __or__(self, other: Any) -> Any:
        self._materialize()
        return dict.__or__(self, other)
