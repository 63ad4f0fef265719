"""The interface every SQL dialect of the storage implements: :class:`SqlDialect`.

The storage keeps one table layout and one set of semantics on SQLite and PostgreSQL; wherever
the two databases need different SQL, types or driver handling to get there, the storage asks
its dialect object instead of testing the dialect's name. Each method here is one such
difference, documented with the reason it exists; ``sqlite.py`` and ``postgresql.py`` answer it.

Everything is decided when a statement is built or compiled (once per cached query), never per
row or per value: the column types ask for their storage type once per dialect.

This module imports nothing from the rest of the storage: the column types, the tables and the
query compiler all sit above it. The query compiler's JSON classes are imported by the methods
that need them, when they are first called.
"""

from __future__ import annotations

import abc
import weakref
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import ColumnElement, Connection, Insert, Select, Table, Text, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import FromClause
from sqlalchemy.types import TypeEngine

from provgraph.common.maintenance import MaintenanceStep

if TYPE_CHECKING:
    from provgraph.storage.sql.querybuilder.json_paths import JsonValue

__all__ = ["ReadMode", "SqlDialect", "TextDecoder"]

TextDecoder = Callable[[Any], Any]
"""A function from a column's raw stored text to its Python value (see ``lazy_rows``)."""


class ReadMode(Enum):
    """How the rows of one QueryBuilder statement leave the driver (see ``execution.DriverRows``)."""

    FETCH = "fetch"
    """Execute, then ``fetchmany``: the driver holds (or steps) the result itself."""
    SERVER_CURSOR = "server_cursor"
    """A named cursor (``DECLARE`` / ``FETCH``): a batch at a time, other statements in between."""
    CHUNKED = "chunked"
    """The driver's chunked-rows stream over the normal protocol: no extra round trips."""


class SqlDialect(abc.ABC):
    """The storage's differences for one SQLAlchemy dialect (one instance per engine).

    ``sa`` is the SQLAlchemy dialect of the engine, for compiling statements and for the
    column types' own processing. Instances are made by :func:`.dialect_for`, never directly
    by the storage, so that an engine always gets the same one.
    """

    name: ClassVar[str]
    """SQLAlchemy's name of the dialect (``Dialect.name``)."""

    display_name: ClassVar[str]
    """The database's name as people write it (``provgraph status`` shows ``SQLite 3.45.1``)."""

    def __init__(self, sa: Dialect) -> None:
        # weak: the registry of :func:`.dialect_for` keeps this object as long as ``sa`` lives,
        # so a strong reference back would keep both alive forever
        self._sa = weakref.ref(sa)

    @property
    def sa(self) -> Dialect:
        """The SQLAlchemy dialect this object speaks for (its engine's, which must be kept)."""
        sa = self._sa()
        if sa is None:  # pragma: no cover (the registry drops this object with its dialect)
            raise ReferenceError(f"the SQLAlchemy dialect of {type(self).__name__} is gone")
        return sa

    def __repr__(self) -> str:
        return f"<{type(self).__name__} over {type(self._sa()).__name__}>"

    # -- column types -----------------------------------------------------------------------------

    @classmethod
    @abc.abstractmethod
    def uuid_type(cls) -> TypeEngine[Any]:
        """The stored type of a UUID column (``UuidString``), read back as a dashed ``str``."""

    @classmethod
    @abc.abstractmethod
    def timestamp_type(cls) -> TypeEngine[Any]:
        """The stored type of a timestamp column (``UtcDateTime``), which is given UTC-aware values."""

    @classmethod
    @abc.abstractmethod
    def json_type(cls) -> TypeEngine[Any] | None:
        """The stored type of a JSON column, or ``None`` for SQLAlchemy's generic ``JSON``."""

    # -- schema -------------------------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def has_pattern_indexes(self) -> bool:
        """Whether AiiDA's ``ix_pat_*`` (``varchar_pattern_ops``) indexes exist in this database."""

    @abc.abstractmethod
    def initial_schema_types(self) -> tuple[TypeEngine[Any], TypeEngine[Any], TypeEngine[Any]]:
        """The (uuid, json, timestamp) column types of migration ``main_0001``, frozen as history."""

    @abc.abstractmethod
    def json_key_removal(self, column: str, key: str) -> tuple[str, str | None]:
        """SQL text for a migration: ``column`` without ``key``, and a condition rows must meet (if any).

        ``key`` must be a plain identifier (it is written into the SQL).
        """

    @abc.abstractmethod
    def schema_change(self, connection: Connection) -> AbstractContextManager[None]:
        """Around a migration's transaction: entered before ``BEGIN``, left after it ended.

        The database's own integrity checks must not turn a table rebuild (alembic's
        "move and copy") into lost rows; see each dialect.
        """

    @abc.abstractmethod
    def foreign_key_violations(self, connection: Connection) -> list[str]:
        """Rows breaking a foreign key, checked inside a migration's transaction before it commits.

        One line per offending table and parent; empty if the database checks at commit itself.
        """

    # -- writing --------------------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def failed_statement_keeps_transaction(self) -> bool:
        """Whether a transaction stays usable after one of its statements fails."""

    @property
    @abc.abstractmethod
    def copies_within_sqlite(self) -> bool:
        """Whether rows of another SQLite file can be copied in by the database itself (``ATTACH``)."""

    @abc.abstractmethod
    def reserve_ids(self, conn: Connection, table: Table, count: int) -> list[int] | None:
        """Ids, ascending, for ``count`` new rows of ``table``; ``None`` to let ``RETURNING`` tell."""

    @abc.abstractmethod
    def insert_ignoring_conflicts(self, table: Table, columns: Sequence[str], source: Select[Any]) -> Insert:
        """``INSERT INTO table (columns) <source>`` that skips rows clashing with a unique key."""

    # -- maintenance ----------------------------------------------------------------------------

    @abc.abstractmethod
    def maintain_database(self, conn: Connection, *, full: bool, dry_run: bool) -> MaintenanceStep:
        """Keep the database fast and small: refresh the planner's statistics, and with ``full``
        reclaim free space. ``conn`` is a fresh connection outside any transaction (these
        statements refuse to run inside one). A quick run must be safe while other processes
        read and write; a full one may assume the profile is locked."""

    @abc.abstractmethod
    def explain_prefix(self, *, execute: bool, verbose: bool) -> str:
        """What to put before a SELECT to get the database's plan for it (``execute``: also run
        it and report the real costs, where the database can)."""

    # -- reading --------------------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def autocommit_reads(self) -> bool:
        """Whether a single SELECT outside the storage's transaction should run in autocommit mode."""

    @abc.abstractmethod
    def read_mode(self, *, small: bool, shared: bool) -> ReadMode:
        """How to fetch a QueryBuilder result: ``small`` fits in one batch; ``shared``: in a transaction."""

    @property
    @abc.abstractmethod
    def lazy_row_decoding(self) -> bool:
        """Whether JSON and timestamp columns of plain row reads are best fetched raw and decoded lazily."""

    def rows_after_sorted_keys(
        self, keys: Select[Any], target: FromClause, key: ColumnElement[int], *, limited: bool
    ) -> FromClause | None:
        """A FROM clause that sorts only the ``keys`` query, then reads each ``target`` row by key.

        ``keys`` selects one column, ``key``, the ids of ``target``'s rows, already ordered and
        windowed (``limited``: it has a LIMIT); the clause must yield the rows in ``keys``' order
        without sorting again. A database that computes a row's projected values before it sorts
        (SQLite) then returns a sorted result's first row without computing every row's JSON
        values first. ``None`` (the default): sort the projected rows as they are (PostgreSQL
        returns its first sorted row in about the time it would take to read the rows by key).
        """
        return None

    @abc.abstractmethod
    def timestamp_as_text(self, column: ColumnElement[Any]) -> tuple[ColumnElement[Any], TextDecoder] | None:
        """A timestamp column as raw text and its decoder, or ``None`` to let the driver convert it."""

    def json_as_text(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """A JSON column as its JSON text, which Python then decodes lazily."""
        return type_coerce(column, Text)

    # -- expressions ------------------------------------------------------------------------------

    @abc.abstractmethod
    def json_text_at(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        """The string under top-level ``key`` of a JSON object column; NULL if missing or null."""

    @abc.abstractmethod
    def recursive_step(
        self,
        walk: FromClause,
        frontier: ColumnElement[int],
        link: FromClause,
        toward: str,
        away: str,
        *,
        carried: Sequence[ColumnElement[Any]] = (),
        conditions: Sequence[ColumnElement[bool]] = (),
        name: str = "next_step",
    ) -> Select[Any]:
        """The recursive term of a walk along links: ``(*carried, link.<away>)``.

        For every row of the recursive CTE ``walk`` whose ``frontier`` node is the ``toward`` end
        of a ``link`` passing ``conditions``, the node at the ``away`` end (labelled ``node``).
        ``name`` keeps the subqueries of several walks in one statement apart.
        """

    @abc.abstractmethod
    def in_long_list(
        self, column: ColumnElement[Any], values: Sequence[Any], *, uuids: bool
    ) -> ColumnElement[bool]:
        """``column IN values`` for a list too long for one parameter per value, as one parameter.

        ``values`` are distinct and not None; ``uuids``: the column is a UUID column.
        """

    @abc.abstractmethod
    def code_point_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """``text`` compared and sorted by code point, whatever the database's locale."""

    @abc.abstractmethod
    def ascii_lower(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """``text`` with A-Z folded to a-z and nothing else (what ``ilike`` means everywhere)."""

    @abc.abstractmethod
    def like(self, text: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        """``text LIKE pattern`` with ``\\`` as the escape character."""

    @abc.abstractmethod
    def nulls_as_postgresql(self, term: ColumnElement[Any], descending: bool) -> ColumnElement[Any]:
        """An ORDER BY term with NULLs after every value ascending, before every value descending."""

    # -- JSON in the QueryBuilder ---------------------------------------------------------------

    @abc.abstractmethod
    def json_value(self, column: ColumnElement[Any], path: Sequence[str]) -> JsonValue:
        """The value at ``path`` (keys, already checked) inside the JSON ``column``."""

    @abc.abstractmethod
    def json_number_as_int(self, number: ColumnElement[Any]) -> ColumnElement[Any]:
        """A JSON number truncated toward zero, NULL outside (-2**63, 2**63): never an overflow."""

    @abc.abstractmethod
    def json_boolean(self, boolean: ColumnElement[Any]) -> ColumnElement[Any]:
        """A JSON boolean (``JsonValue.boolean``) as an SQL boolean."""

    @abc.abstractmethod
    def datetime_key(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """Microseconds since the epoch (UTC) of an ISO time string; NULL for any other string."""
