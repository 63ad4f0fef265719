"""Every difference between the storage's SQL dialects, in one object per dialect.

:func:`dialect_for` gives the :class:`SqlDialect` of an engine (or a connection, or a SQLAlchemy
dialect): :class:`SqliteDialect` or :class:`PostgresqlDialect`. It is chosen when the engine is
made (``engines.py``) and the same object is returned for that engine from then on, so the
store, the row functions, the query compiler and the column types all share it. Nothing else in
provgraph compares dialect names; ``tests/storage/sql/test_dialects.py`` keeps it that way.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from sqlalchemy import JSON, Connection, Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

from provgraph.storage.sql.dialects.base import ReadMode, SqlDialect, TextDecoder
from provgraph.storage.sql.dialects.postgresql import PostgresqlDialect
from provgraph.storage.sql.dialects.sqlite import SqliteDialect

__all__ = [
    "DIALECTS",
    "DialectSource",
    "PostgresqlDialect",
    "ReadMode",
    "SqlDialect",
    "SqliteDialect",
    "TextDecoder",
    "dialect_for",
    "json_column_type",
]

DIALECTS: dict[str, type[SqlDialect]] = {kind.name: kind for kind in (SqliteDialect, PostgresqlDialect)}
"""The supported dialects by SQLAlchemy's name for them."""

DialectSource = SqlDialect | Dialect | Engine | Connection
"""Whatever a dialect can be found from."""

# One object per live SQLAlchemy dialect instance (i.e. per engine), by the instance's id: a
# plain dict look-up, because the timestamp type asks for every value it binds (a weak-keyed
# dict builds a weak reference per look-up, ten times the cost). The entry goes when the
# SQLAlchemy dialect does, so an id is never found for another object.
_CHOSEN: dict[int, SqlDialect] = {}
_CHOOSING = threading.Lock()


def dialect_for(source: DialectSource) -> SqlDialect:
    """The dialect object of ``source``'s engine; the same object on every call for one engine.

    ``NotImplementedError`` for a database provgraph does not support.
    """
    found = _CHOSEN.get(id(source))  # a SQLAlchemy dialect seen before: the usual case
    if found is not None:
        return found
    if isinstance(source, SqlDialect):
        return source
    sa = source if isinstance(source, Dialect) else source.dialect
    return _CHOSEN.get(id(sa)) or _choose(sa)


def _choose(sa: Dialect) -> SqlDialect:
    kind = DIALECTS.get(sa.name)
    if kind is None:
        raise NotImplementedError(
            f"provgraph has no support for the {sa.name} dialect; use one of {sorted(DIALECTS)}"
        )
    with _CHOOSING:  # two threads asking at once must still get one object
        key = id(sa)
        chosen = _CHOSEN.get(key)
        if chosen is None:
            chosen = _CHOSEN[key] = kind(sa)
            weakref.finalize(sa, _CHOSEN.pop, key, None)
        return chosen


def json_column_type() -> TypeEngine[Any]:
    """The type of every JSON column: generic JSON, with each dialect's own storage type where it has one.

    Built at import time, before any engine exists, from the dialect classes.
    """
    column_type: TypeEngine[Any] = JSON()
    for name, kind in DIALECTS.items():
        storage = kind.json_type()
        if storage is not None:
            column_type = column_type.with_variant(storage, name)
    return column_type
