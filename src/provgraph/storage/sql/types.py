"""Column types whose storage differs by dialect but whose Python values do not.

AiiDA keeps one table layout and changes three types per dialect: UUIDs are native on
PostgreSQL and ``VARCHAR(32)`` holding dashed 36-character strings on SQLite; JSON is ``JSONB``
on PostgreSQL and JSON text on SQLite; timestamps are ``timestamptz`` on PostgreSQL and naive
UTC text on SQLite. These types hide the difference: UUIDs come back as dashed ``str`` and
timestamps as UTC-aware ``datetime`` on both. The storage type of each dialect is its
dialect object's choice (``storage/sql/dialects``).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from provgraph.storage.sql.dialects import dialect_for, json_column_type

__all__ = ["JsonType", "UtcDateTime", "UuidString", "new_uuid", "utc_now"]


def new_uuid() -> str:
    """A fresh random UUID in the dashed form AiiDA stores."""
    return str(uuid.uuid4())


def utc_now() -> datetime:
    """The current time, UTC-aware (the default of every timestamp column)."""
    return datetime.now(timezone.utc)


class UuidString(TypeDecorator[str]):
    """A UUID kept as ``uuid`` on PostgreSQL and ``VARCHAR(32)`` on SQLite, always read as ``str``.

    The SQLite column is declared 32 characters wide (AiiDA's layout) but holds 36-character
    dashed strings; SQLite does not enforce ``VARCHAR`` lengths, and AiiDA relies on that too.
    """

    impl = String(32)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(dialect_for(dialect).uuid_type())

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return str(value)

    # No process_result_value: both dialects already return the dashed ``str`` (SQLite stores the
    # text; PostgreSQL's UUID(as_uuid=False) converts), and a Python call per row is not free when
    # listing many nodes.


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp that is ``timestamptz`` on PostgreSQL and naive UTC text on SQLite.

    Values are returned UTC-aware on both dialects. A naive value on the way in is taken to be
    UTC already (never the machine's local time, so results do not depend on where code runs).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return dialect.type_descriptor(dialect_for(dialect).timestamp_type())

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime for a timestamp column, got {value!r}")
        # UTC-aware for every dialect: SQLite's storage type writes the fields without the offset
        # (naive UTC, AiiDA's layout), PostgreSQL's keeps the instant (SqlDialect.timestamp_type)
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # a value written by hand into SQLite, not through this type
            value = datetime.fromisoformat(value)
        moment: datetime = value
        if moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)


JsonType: TypeEngine[Any] = json_column_type()
"""JSON text on SQLite, ``JSONB`` on PostgreSQL; serialisation is the engine's (NaN refused)."""
