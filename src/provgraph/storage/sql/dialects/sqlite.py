"""SQLite's answers to :class:`.SqlDialect`: a file of JSON text, naive UTC timestamps, one writer.

SQLite stores JSON and timestamps as text (which Python converts, so reads defer it), orders
text by code point already (BINARY collation), and lets only one connection write at a time:
provgraph's write transactions begin ``IMMEDIATE`` and hold that lock, which is what makes
choosing new ids ahead of an insert safe here.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    Connection,
    DateTime,
    Insert,
    Select,
    String,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.sql.expression import FromClause, Join
from sqlalchemy.sql.operators import custom_op
from sqlalchemy.types import TypeEngine

from provgraph.common.maintenance import MaintenanceStep
from provgraph.exceptions import InputValidationError
from provgraph.storage.indexes import IndexDeclaration, IndexProgress
from provgraph.storage.sql.dialects.base import ReadMode, SqlDialect, TextDecoder
from provgraph.storage.sql.dialects.plans import NODE_TYPE_INDEX, PlanSummary, sqlite_plan_summary
from provgraph.storage.sql.lazy_rows import decode_sqlite_datetime
from provgraph.storage.sql.querybuilder.json_paths import (
    IndexedSqliteJson,
    SqliteJson,
    sql_string_literal,
    sqlite_json_path,
)

if TYPE_CHECKING:
    from provgraph.storage.sql.querybuilder.json_paths import JsonValue

__all__ = ["SqliteDialect"]


class _KeysFirstJoin(Join):
    """An inner join SQLite runs with its left side as the outer loop: rendered ``CROSS JOIN``."""

    inherit_cache = True


@compiles(_KeysFirstJoin, "sqlite")
def _render_keys_first_join(join: _KeysFirstJoin, compiler: SQLCompiler, **kw: Any) -> str:
    linter = kw.get("from_linter")
    if linter is not None:  # the two sides are joined (SQLAlchemy's cartesian-product check)
        linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
    kw["asfrom"] = True
    left = join.left._compiler_dispatch(compiler, **kw)
    right = join.right._compiler_dispatch(compiler, **kw)
    kw.pop("asfrom")
    assert join.onclause is not None  # rows_after_sorted_keys always gives one
    return f"{left} CROSS JOIN {right} ON {join.onclause._compiler_dispatch(compiler, **kw)}"


# The largest rowid SQLite can store; past it SQLite picks free ids at random.
_MAX_ROWID = 2**63 - 1

_INT64 = 9223372036854775808.0  # 2**63, exact as a double

# Progress of CREATE INDEX: the handler runs every _PROGRESS_STEPS virtual-machine steps; an
# expression index over JSON takes about _INDEX_STEPS_PER_ROW steps per row (measured on 3.40:
# 10.0 for 200,000 rows, string and float values alike).
_PROGRESS_STEPS = 10_000
_INDEX_STEPS_PER_ROW = 10.0


@cache
def _select_next_id(table: Table) -> Select[int]:
    return select(func.coalesce(func.max(table.c.id), 0) + 1)


class SqliteDialect(SqlDialect):
    """SQLite through the standard library's ``sqlite3`` (pysqlite)."""

    name = "sqlite"
    display_name = "SQLite"

    def __init__(self, sa: Dialect) -> None:
        super().__init__(sa)
        self._autoincrement: frozenset[str] | None = None

    # -- column types -----------------------------------------------------------------------------

    @classmethod
    def uuid_type(cls) -> TypeEngine[Any]:
        """``VARCHAR(32)`` holding the dashed 36-character string: AiiDA's layout.

        SQLite does not enforce ``VARCHAR`` lengths, and AiiDA relies on that too.
        """
        return String(32)

    @classmethod
    def timestamp_type(cls) -> TypeEngine[Any]:
        """``DATETIME`` text without an offset (AiiDA's naive UTC): SQLite has no time zones.

        SQLAlchemy's SQLite ``DATETIME`` writes a value's fields and ignores its offset, so the
        UTC-aware values ``UtcDateTime`` binds are stored as naive UTC with no conversion per value;
        ``_NaiveUtcText`` writes the same text faster (bulk inserts bind two timestamps per node).
        """
        return _NaiveUtcText()

    @classmethod
    def json_type(cls) -> TypeEngine[Any] | None:
        """SQLAlchemy's generic JSON: JSON text, which SQLite's JSON functions read."""
        return None

    # -- schema -------------------------------------------------------------------------------------

    @property
    def has_pattern_indexes(self) -> bool:
        """No: SQLite has no operator classes (its ``LIKE`` prefix search uses plain indexes)."""
        return False

    def initial_schema_types(self) -> tuple[TypeEngine[Any], TypeEngine[Any], TypeEngine[Any]]:
        """AiiDA's ``main_0001`` on SQLite: ``VARCHAR(32)``, ``JSON``, ``DATETIME``."""
        return String(32), sqlite.JSON(), DateTime(timezone=True)

    def json_key_removal(self, column: str, key: str) -> tuple[str, str | None]:
        """``json_remove``, which leaves a document without the key (or a scalar) as it is."""
        return f"json_remove({column}, '$.{key}')", None

    @contextmanager
    def schema_change(self, connection: Connection) -> Iterator[None]:
        """Foreign keys off for the migration (SQLite's procedure for schema changes), on after.

        With them on, dropping a table deletes its rows first and the ``ON DELETE CASCADE`` of
        its children fires: rebuilding ``db_dbnode`` would empty ``db_dblink``, ``db_dbcomment``
        and ``db_dblog``. The pragma is a no-op inside a transaction, so it is set on the driver
        connection before ``BEGIN``; :meth:`foreign_key_violations` checks before the commit.
        """
        driver = connection.connection.dbapi_connection
        if driver is None:  # pragma: no cover - a checked-out connection always has one
            raise RuntimeError("the SQLite connection is closed")
        driver.execute("PRAGMA foreign_keys = OFF")
        try:
            yield
        finally:
            driver.execute("PRAGMA foreign_keys = ON")

    def foreign_key_violations(self, connection: Connection) -> list[str]:
        """``PRAGMA foreign_key_check``, summarised per table and parent."""
        counts: dict[tuple[str, str], int] = {}
        for table, _rowid, parent, _index in connection.exec_driver_sql("PRAGMA foreign_key_check"):
            counts[table, parent] = counts.get((table, parent), 0) + 1
        return [
            f"{count} rows of {table} point at missing {parent} rows"
            for (table, parent), count in sorted(counts.items())
        ]

    # -- writing --------------------------------------------------------------------------------

    @property
    def failed_statement_keeps_transaction(self) -> bool:
        """Yes: SQLite undoes a failed statement by itself and the transaction carries on."""
        return True

    @property
    def copies_within_sqlite(self) -> bool:
        """Yes: the file is attached to the writing connection and copied by ``INSERT ... SELECT``."""
        return True

    def reserve_ids(self, conn: Connection, table: Table, count: int) -> list[int] | None:
        """The ids SQLite would give ``count`` new rows: ``max(id) + 1`` onwards.

        SQLAlchemy cannot batch ``INSERT ... RETURNING`` on SQLite (it sends one statement per
        row), so the ids are chosen first and the rows inserted with them in one
        ``executemany``. A rowid table without ``AUTOINCREMENT`` numbers a new row one past its
        largest id, so these are its own choices made explicit. Every write transaction of the
        store began with ``BEGIN IMMEDIATE`` and holds the write lock, so no other connection can
        insert in between; and were one to, the primary key would turn the clash into an error,
        never a wrong id. ``None`` for ``AUTOINCREMENT`` tables (which never reuse the ids of
        deleted rows) and past the largest rowid, where SQLite picks free ids at random.
        """
        if table.name in self._autoincrement_tables(conn):
            return None
        first: int = conn.execute(_select_next_id(table)).scalar_one()
        if first + count - 1 > _MAX_ROWID:
            return None
        return list(range(first, first + count))

    def _autoincrement_tables(self, conn: Connection) -> frozenset[str]:
        """Tables declared ``AUTOINCREMENT``: none in the schema provgraph creates, but a database
        made elsewhere might have some; looked up once per engine."""
        if self._autoincrement is None:
            query = text(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND instr(upper(sql), 'AUTOINCREMENT') > 0"
            )
            self._autoincrement = frozenset(conn.execute(query).scalars())
        return self._autoincrement

    def insert_ignoring_conflicts(self, table: Table, columns: Sequence[str], source: Select[Any]) -> Insert:
        """SQLite's ``INSERT ... ON CONFLICT DO NOTHING``."""
        statement: Insert = sqlite.insert(table).from_select(list(columns), source).on_conflict_do_nothing()
        return statement

    # -- maintenance ----------------------------------------------------------------------------

    def explain_prefix(self, *, execute: bool, verbose: bool) -> str:
        return "EXPLAIN QUERY PLAN "  # SQLite plans without running, and has no verbose form

    def plan_summary(self, cursor: Any, sql: str, parameters: Any) -> PlanSummary:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, parameters)
        return sqlite_plan_summary(cursor.fetchall())

    def maintain_database(self, conn: Connection, *, full: bool, dry_run: bool) -> MaintenanceStep:
        """``ANALYZE`` (sampled: ``analysis_limit``) and a WAL checkpoint; with ``full`` first a
        ``VACUUM``, which rewrites the file without its free pages, and a checkpoint that empties
        the WAL file. Run on the driver connection, which is in autocommit mode (VACUUM refuses
        to run in a transaction). A passive checkpoint never waits for, nor blocks, other
        connections; ANALYZE takes the write lock briefly, as any write."""
        driver = conn.connection.driver_connection
        if driver is None:  # pragma: no cover (only an invalidated connection has none)
            raise ConnectionError("the database connection was lost")

        def pragma(name: str) -> int:
            return int(driver.execute(f"PRAGMA {name}").fetchone()[0])

        page_size = pragma("page_size")
        free = pragma("freelist_count") * page_size
        done = ("VACUUM, " if full else "") + "statistics refreshed (ANALYZE), WAL checkpointed"
        if dry_run:
            note = (
                f"; VACUUM would free {free:,} bytes of free pages"
                if full
                else f" ({free:,} bytes of free pages)"
            )
            return MaintenanceStep("database", f"would be: {done}{note}")
        before = pragma("page_count") * page_size
        if full:
            driver.execute("VACUUM")
        driver.execute("PRAGMA analysis_limit = 1000")
        driver.execute("ANALYZE")
        self._analyze_node_type_and_declared(driver)
        driver.execute(f"PRAGMA wal_checkpoint({'TRUNCATE' if full else 'PASSIVE'})")
        return MaintenanceStep("database", done, before - pragma("page_count") * page_size)

    # -- declared attribute indexes -------------------------------------------------------------

    def create_index_sql(self, declaration: IndexDeclaration) -> str:
        """``json_extract(attributes, '$."energy"')``: the expression every filter on the path
        compiles to, whatever the value's type (SQLite orders numbers before text)."""
        if declaration.kind != "btree":
            raise InputValidationError(
                f"{declaration.kind} indexes are PostgreSQL's; on SQLite a btree index on "
                f"{declaration.dotted} serves equality and ranges (containment always reads the rows)"
            )
        path = sqlite_json_path(declaration.path).replace("'", "''")
        where = ""
        if declaration.node_type is not None:  # the terms ``like`` adds, as the query writes them
            low, high = _prefix_range(declaration.node_type)
            where = f" WHERE +node_type >= '{low}' AND +node_type < '{high}'"
        return (
            f'CREATE INDEX IF NOT EXISTS "{declaration.name}" ON db_dbnode '
            f"(json_extract({declaration.column}, '{path}')){where}"
        )

    def drop_index(self, conn: Connection, name: str) -> None:
        driver = conn.connection.driver_connection
        if driver is None:  # pragma: no cover (only an invalidated connection has none)
            raise ConnectionError("the database connection was lost")
        driver.execute(f'DROP INDEX IF EXISTS "{name}"')  # autocommit: its own transaction

    def build_index(
        self, conn: Connection, declaration: IndexDeclaration, progress: IndexProgress | None
    ) -> None:
        """One ``CREATE INDEX`` (its own transaction: SQLite builds it whole or not at all, and
        writers wait on the busy timeout meanwhile), then ``ANALYZE`` of the new index.

        Progress is estimated from SQLite's virtual-machine steps, which the progress handler
        counts: about ``_INDEX_STEPS_PER_ROW`` per row of ``db_dbnode`` for an expression index.
        """
        driver = conn.connection.driver_connection
        if driver is None:  # pragma: no cover (only an invalidated connection has none)
            raise ConnectionError("the database connection was lost")
        statement = self.create_index_sql(declaration)
        if progress is not None:
            rows = int(driver.execute("SELECT coalesce(max(id), 0) FROM db_dbnode").fetchone()[0])
            expected = max(1.0, rows * _INDEX_STEPS_PER_ROW / _PROGRESS_STEPS)
            calls = 0

            def advance() -> int:
                nonlocal calls
                calls += 1
                if calls % 4 == 0:
                    progress(min(0.99, calls / expected))
                return 0  # 0: go on

            driver.set_progress_handler(advance, _PROGRESS_STEPS)
        try:
            driver.execute(statement)
        finally:
            if progress is not None:
                driver.set_progress_handler(None, 0)
        self._analyze_node_type_and_declared(driver, [declaration.name])
        if progress is not None:
            progress(1.0)

    def index_details(
        self, conn: Connection, names: Sequence[str]
    ) -> dict[str, tuple[int | None, int | None]]:
        """Sizes from the ``dbstat`` table (pages of the index); SQLite counts no index use."""
        if not names:
            return {}
        marks = ", ".join("?" * len(names))
        present = conn.exec_driver_sql(
            f"SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ({marks})", tuple(names)
        ).scalars()
        found: dict[str, tuple[int | None, int | None]] = {name: (None, None) for name in present}
        try:
            sizes = conn.exec_driver_sql(
                f"SELECT name, sum(pgsize) FROM dbstat WHERE name IN ({marks}) GROUP BY name", tuple(names)
            ).all()
        except DBAPIError:  # a SQLite built without the dbstat table: sizes unknown
            sizes = []
        for name, size in sizes:
            if name in found:
                found[name] = (int(size), None)
        return found

    def refresh_statistics(self, conn: Connection) -> None:
        """Exact statistics of the indexes that decide an attribute query's plan (``node_type``
        and the declared ones), sampled ones (``analysis_limit``) of the link table."""
        driver = conn.connection.driver_connection
        if driver is None:  # pragma: no cover
            raise ConnectionError("the database connection was lost")
        driver.execute("PRAGMA analysis_limit = 1000")
        driver.execute("ANALYZE db_dblink")
        self._analyze_node_type_and_declared(driver)

    def _analyze_node_type_and_declared(self, driver: Any, also: Sequence[str] = ()) -> None:
        """``ANALYZE`` of the ``node_type`` index and of every declared index, reading each whole.

        A sampled ANALYZE reads the first rows of each index only; on the ``node_type`` index
        they are all of one type, and SQLite then believes a type filter selects a thousand rows
        where it selects a million, and prefers it to a declared index. Reading these few
        indexes whole costs about 0.1 s per million rows each.
        """
        names = {NODE_TYPE_INDEX, *also, *(item.name for found in self._declared.values() for item in found)}
        present = {
            row[0]
            for row in driver.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'db_dbnode'"
            )
        }
        driver.execute("PRAGMA analysis_limit = 0")
        for name in sorted(names & present):
            driver.execute(f'ANALYZE "{name}"')

    # -- reading --------------------------------------------------------------------------------

    @property
    def autocommit_reads(self) -> bool:
        """No change needed: provgraph's SQLite connections are in autocommit mode already
        (the engine emits ``BEGIN`` itself)."""
        return False

    def read_mode(self, *, small: bool, shared: bool) -> ReadMode:
        """Always a plain fetch: SQLite steps its statement lazily, a batch never sits in memory whole."""
        return ReadMode.FETCH

    @property
    def lazy_row_decoding(self) -> bool:
        """Yes: JSON and timestamps arrive as text, and parsing them is most of a row's cost."""
        return True

    def rows_after_sorted_keys(
        self, keys: Select[Any], target: FromClause, key: ColumnElement[int], *, limited: bool
    ) -> FromClause | None:
        """``(keys) CROSS JOIN target ON target.id = key``: SQLite never reorders a CROSS JOIN, so
        the ordered keys stay the outer loop and each row is read by its primary key as the keys
        arrive. SQLite keeps a subquery with a LIMIT as it is (a co-routine, in order) instead of
        merging it into the outer query, so a keys query without one gets ``LIMIT -1`` (no limit).
        """
        if not limited:
            keys = keys.limit(-1)
        ordered = keys.subquery("ordered")
        return _KeysFirstJoin(ordered, target, target.c.id == ordered.c[key.name])

    def timestamp_as_text(self, column: ColumnElement[Any]) -> tuple[ColumnElement[Any], TextDecoder] | None:
        """The stored text, parsed by ``decode_sqlite_datetime`` (faster than SQLAlchemy's parser)."""
        return type_coerce(column, Text), decode_sqlite_datetime

    # -- expressions ------------------------------------------------------------------------------

    def json_text_at(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        """``json_extract`` of ``$.key``: NULL when the key is missing or JSON null."""
        return func.json_extract(column, f"$.{key}", type_=String)

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
        """A plain join: SQLite always probes the link index for each row reached."""
        step = select(*carried, link.c[away].label("node")).select_from(walk)
        return step.join(link, link.c[toward] == frontier).where(*conditions)

    def in_long_list(
        self, column: ColumnElement[Any], values: Sequence[Any], *, uuids: bool
    ) -> ColumnElement[bool]:
        """Membership in ``json_each`` of one JSON text parameter (SQLite has no arrays).

        The values are bind-processed first, so they compare as the column stores them.
        """
        processor = column.type.bind_processor(self.sa)
        stored = [processor(value) for value in values] if processor else list(values)
        each = func.json_each(bindparam(None, json.dumps(stored), type_=Text)).table_valued("value")
        return column.in_(select(each.c.value))

    def code_point_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """As is: SQLite's default BINARY collation on UTF-8 is code-point order."""
        return text

    def ascii_lower(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQLite's own ``lower()`` folds A-Z only."""
        return func.lower(text)

    def like(self, text: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        """SQLite's ``LIKE`` has no default escape character; it must be named. A declared partial
        index's pattern is written as a constant, which is how SQLite recognises its condition."""
        prefix = self.partial_index_prefix(pattern)
        if prefix is None:
            return text.like(pattern, escape="\\")
        # SQLite refuses LIKE in an index's WHERE (case_sensitive_like makes it non-deterministic):
        # a partial index holds the prefix's range, which the LIKE implies, so both are written
        low, high = _prefix_range(prefix)
        return and_(
            text.like(pattern, escape="\\"), text >= sql_string_literal(low), text < sql_string_literal(high)
        )

    def off_index(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """``+node_type``: SQLite's planner has no histograms (no STAT4 in Python's build) and
        guesses that a ``LIKE 'prefix%'`` range keeps 1/64 of the rows; it would read every Dict
        through the ``node_type`` index rather than look up a value holding 2% of them. The
        unary plus is SQLite's documented way to keep a term from using an index."""
        return UnaryExpression(column, operator=custom_op("+"), type_=column.type)

    def nulls_as_postgresql(self, term: ColumnElement[Any], descending: bool) -> ColumnElement[Any]:
        """SQLite sorts NULLs as the smallest value; explicit ``NULLS`` clauses match PostgreSQL."""
        return term.nulls_first() if descending else term.nulls_last()

    # -- JSON in the QueryBuilder ---------------------------------------------------------------

    def json_value(self, column: ColumnElement[Any], path: Sequence[str]) -> JsonValue:
        """SQLite's JSON functions plus provgraph's user functions (``sqlite_functions``); a path
        with a declared index written as the index's expression."""
        if self.declared_indexes_at(column, path):
            return IndexedSqliteJson.indexed_at(column, path)
        return SqliteJson.at(column, path)

    def json_number_as_int(self, number: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQLite compares integers and reals exactly, and ``CAST`` truncates toward zero."""
        inside = and_(number > -_INT64, number < _INT64)
        return case((inside, cast(number, BigInteger)))

    def json_boolean(self, boolean: ColumnElement[Any]) -> ColumnElement[Any]:
        """``json_extract`` gives 1 / 0; the cast makes SQLAlchemy return ``bool``."""
        return cast(boolean, Boolean)

    def datetime_key(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """``provgraph_datetime_key``: SQLite's date functions cannot read every ISO form."""
        return func.provgraph_datetime_key(text, type_=BigInteger)


class _NaiveUtcText(sqlite.DATETIME):
    """SQLite ``DATETIME`` whose values are written with ``isoformat``: the same text as
    SQLAlchemy's (``YYYY-MM-DD HH:MM:SS.ffffff``, the fields of the value, no offset) in a third
    of the time. Values arrive UTC (``UtcDateTime`` converts them), so dropping the offset loses
    nothing."""

    cache_ok = True

    def __init__(self, **kwargs: Any) -> None:  # SQLAlchemy's adapt() passes the storage options
        super().__init__(**kwargs)  # type: ignore[no-untyped-call]

    def bind_processor(self, dialect: Any) -> Any:
        def process(value: Any) -> str | None:
            if value is None:
                return None
            if not isinstance(value, datetime):
                raise TypeError(f"SQLite DateTime type only accepts Python datetime objects, got {value!r}")
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")

        return process


def _prefix_range(prefix: str) -> tuple[str, str]:
    """The strings starting with ``prefix`` (ending with a dot) as a range in code-point order."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)
