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
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import ColumnElement, Connection, Insert, Select, Table, Text, type_coerce
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.expression import FromClause, TableClause
from sqlalchemy.types import TypeEngine

from provgraph.common.maintenance import MaintenanceStep
from provgraph.storage.indexes import IndexDeclaration, IndexProgress
from provgraph.storage.query_schema import escape_like
from provgraph.storage.sql.dialects.plans import PlanSummary

if TYPE_CHECKING:
    from provgraph.storage.sql.querybuilder.json_paths import JsonValue

__all__ = ["ReadMode", "SqlDialect", "TextDecoder", "node_type_pattern"]

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
        self._declared: dict[tuple[str, tuple[str, ...]], tuple[IndexDeclaration, ...]] = {}
        self._partial_patterns: dict[str, str] = {}  # LIKE pattern -> the node type prefix
        self.index_generation = 0
        """Counts changes of the declared indexes: a compiled query of an older generation is stale."""

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

    @abc.abstractmethod
    def plan_summary(self, cursor: Any, sql: str, parameters: Any) -> PlanSummary:
        """The plan of the driver statement ``sql`` in plain words (``dialects/plans.py``), read
        through the driver ``cursor`` without running the statement."""

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

    # -- declared attribute indexes (storage/indexes.py) -----------------------------------------

    def declare_indexes(self, declarations: Iterable[IndexDeclaration]) -> None:
        """From now on, write filters on these paths in the form their indexes were built on.

        The results are the same either way; only the SQL text changes, so that the planner
        recognises the indexed expression (and a partial index's ``node_type`` condition).
        """
        by_path: dict[tuple[str, tuple[str, ...]], list[IndexDeclaration]] = {}
        for declaration in declarations:
            by_path.setdefault((declaration.column, declaration.path), []).append(declaration)
        self._declared = {key: tuple(found) for key, found in by_path.items()}
        self._partial_patterns = {
            node_type_pattern(item.node_type): item.node_type
            for found in by_path.values()
            for item in found
            if item.node_type is not None
        }
        self.index_generation += 1

    def declared_indexes_at(
        self, column: ColumnElement[Any], path: Sequence[str]
    ) -> tuple[IndexDeclaration, ...]:
        """The declared indexes on ``path`` of ``column`` (nodes' attributes or extras only)."""
        if not self._declared or not path:
            return ()
        name = getattr(column, "name", None)
        if not isinstance(name, str) or _base_table_name(column) != "db_dbnode":
            return ()
        return self._declared.get((name, tuple(path)), ())

    def declarations_at(self, column: str, path: tuple[str, ...]) -> tuple[IndexDeclaration, ...]:
        """The declared indexes on ``path`` of the nodes' ``column`` (``attributes`` or ``extras``)."""
        return self._declared.get((column, path), ())

    @property
    def has_gin_indexes(self) -> bool:
        """Whether the database builds GIN indexes (containment of JSON values): PostgreSQL."""
        return False

    def is_partial_index_pattern(self, pattern: str) -> bool:
        """Whether ``node_type LIKE pattern`` is a declared partial index's condition (written as a
        constant then: a planner compares it with the index's condition as text)."""
        return pattern in self._partial_patterns

    def partial_index_prefix(self, pattern: str) -> str | None:
        """The node type prefix of the declared partial index whose condition is ``LIKE pattern``."""
        return self._partial_patterns.get(pattern)

    def off_index(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """``column`` written so that the planner does not drive the query through its index.

        For the ``node_type`` filter of a vertex also filtered on a declared path. PostgreSQL
        weighs both indexes by its statistics and needs no help: ``column`` as it is.
        """
        return column

    @abc.abstractmethod
    def create_index_sql(self, declaration: IndexDeclaration) -> str:
        """The ``CREATE INDEX`` of ``declaration`` on ``db_dbnode`` (online where the database can)."""

    @abc.abstractmethod
    def drop_index(self, conn: Connection, name: str) -> None:
        """Drop the index ``name`` if it exists, on a fresh connection (online where the database can)."""

    @abc.abstractmethod
    def build_index(
        self, conn: Connection, declaration: IndexDeclaration, progress: IndexProgress | None
    ) -> None:
        """Build the index on the autocommit connection ``conn``, reporting progress; then refresh
        the planner's statistics on it. A failure leaves no half-built index behind."""

    @abc.abstractmethod
    def index_details(
        self, conn: Connection, names: Sequence[str]
    ) -> dict[str, tuple[int | None, int | None]]:
        """For each of ``names`` the database holds: (size in bytes, times the planner used it)."""

    @abc.abstractmethod
    def refresh_statistics(self, conn: Connection) -> None:
        """Refresh the planner's statistics of the node and link tables, cheaply (sampled), after a
        large batch of rows: a planner that still believes the tables are empty picks scans."""

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


def node_type_pattern(node_type: str) -> str:
    """The ``LIKE`` pattern (escape ``\\``) of the node types starting with ``node_type``: the
    QueryBuilder's own pattern for a class and its subclasses (``data.core.dict.%``)."""
    return escape_like(node_type) + "%"


def _base_table_name(column: ColumnElement[Any]) -> str | None:
    """The name of the table ``column`` belongs to, through any alias of it."""
    table = getattr(column, "table", None)
    while table is not None and not isinstance(table, TableClause):
        table = getattr(table, "element", None)
    return table.name if isinstance(table, TableClause) else None
