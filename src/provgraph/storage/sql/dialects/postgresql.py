"""PostgreSQL's answers to :class:`.SqlDialect`: ``jsonb``, ``timestamptz``, sequences, psycopg 3.

PostgreSQL has native UUID, JSON and time types (psycopg converts them in C, so nothing is
deferred), sorts text by the database's locale unless told ``COLLATE "C"``, aborts a whole
transaction on any failed statement, and hands out ids from sequences that never give a value
twice, which makes reserving ids ahead of a large insert safe with concurrent writers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    DateTime,
    Insert,
    Integer,
    Numeric,
    Select,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    text,
    true,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.expression import FromClause
from sqlalchemy.types import TypeEngine

from provgraph.common.maintenance import MaintenanceStep
from provgraph.storage.indexes import IndexDeclaration, IndexProgress
from provgraph.storage.sql.dialects.base import ReadMode, SqlDialect, TextDecoder, node_type_pattern
from provgraph.storage.sql.dialects.plans import PlanSummary, postgres_plan_summary
from provgraph.storage.sql.querybuilder.json_paths import (
    IndexedPostgresJson,
    PostgresJson,
    sql_string_literal,
)

if TYPE_CHECKING:
    from provgraph.storage.sql.querybuilder.json_paths import JsonValue

__all__ = ["PostgresqlDialect"]

# From this many rows, drawing ids first and inserting with them beats one batched ``RETURNING``
# statement (measured: break-even between 10 and 300 rows, by row width).
_RESERVE_FROM = 100

_INT64 = 9223372036854775808  # 2**63


@cache
def _select_ids(table: Table) -> Select[int | None]:
    sequence = func.pg_get_serial_sequence(table.name, table.c.id.name)
    count = bindparam("count", type_=Integer)
    return select(func.nextval(sequence, type_=Integer)).select_from(func.generate_series(1, count))


class PostgresqlDialect(SqlDialect):
    """PostgreSQL through psycopg 3."""

    name = "postgresql"
    display_name = "PostgreSQL"

    # -- column types -----------------------------------------------------------------------------

    @classmethod
    def uuid_type(cls) -> TypeEngine[Any]:
        """Native ``uuid``; ``as_uuid=False`` makes psycopg return the dashed ``str`` in C."""
        return postgresql.UUID(as_uuid=False)

    @classmethod
    def timestamp_type(cls) -> TypeEngine[Any]:
        """``timestamptz``: an instant, taken aware and returned aware by the driver."""
        return postgresql.TIMESTAMP(timezone=True)

    @classmethod
    def json_type(cls) -> TypeEngine[Any] | None:
        """``jsonb`` (AiiDA's choice): indexable, with containment and typed equality."""
        return postgresql.JSONB()

    # -- schema -------------------------------------------------------------------------------------

    @property
    def has_pattern_indexes(self) -> bool:
        """Yes: ``LIKE 'prefix%'`` can only use a ``varchar_pattern_ops`` index outside the C locale."""
        return True

    def initial_schema_types(self) -> tuple[TypeEngine[Any], TypeEngine[Any], TypeEngine[Any]]:
        """AiiDA's ``main_0001`` on PostgreSQL: ``uuid``, ``jsonb``, ``timestamptz``."""
        return postgresql.UUID(as_uuid=True), postgresql.JSONB(astext_type=Text()), DateTime(timezone=True)

    def json_key_removal(self, column: str, key: str) -> tuple[str, str | None]:
        """``jsonb - key``, only on objects: ``-`` raises on JSON null and other scalars."""
        return f"{column} - '{key}'", f"jsonb_typeof({column}) = 'object'"

    @contextmanager
    def schema_change(self, connection: Connection) -> Iterator[None]:
        """Nothing to do: PostgreSQL's DDL is transactional and a dropped table cascades nothing."""
        yield

    def foreign_key_violations(self, connection: Connection) -> list[str]:
        """None to look for: the deferred foreign keys are checked when the transaction commits."""
        return []

    # -- writing --------------------------------------------------------------------------------

    @property
    def failed_statement_keeps_transaction(self) -> bool:
        """No: PostgreSQL aborts the whole transaction, so only a savepoint lets a caller carry on."""
        return False

    @property
    def copies_within_sqlite(self) -> bool:
        """No: PostgreSQL cannot read an SQLite file; its rows are streamed through Python."""
        return False

    def reserve_ids(self, conn: Connection, table: Table, count: int) -> list[int] | None:
        """From :data:`_RESERVE_FROM` rows: draw the ids from the sequence behind ``table.id``.

        SQLAlchemy batches ``RETURNING`` on PostgreSQL, but for large batches drawing the ids
        first and inserting with them spares psycopg re-parsing the placeholders of every
        1,000-row statement (costlier than the insert). These are the values the rows' defaults
        would draw; a sequence never hands a value to two sessions, so concurrent writers cannot
        clash. ``None`` below the threshold, or if the table has no sequence.
        """
        if count < _RESERVE_FROM:
            return None
        ids: list[int | None] = list(conn.execute(_select_ids(table), {"count": count}).scalars())
        if any(pk is None for pk in ids):
            return None
        return sorted(pk for pk in ids if pk is not None)

    def insert_ignoring_conflicts(self, table: Table, columns: Sequence[str], source: Select[Any]) -> Insert:
        """PostgreSQL's ``INSERT ... ON CONFLICT DO NOTHING``."""
        statement: Insert = (
            postgresql.insert(table).from_select(list(columns), source).on_conflict_do_nothing()
        )
        return statement

    # -- maintenance ----------------------------------------------------------------------------

    def explain_prefix(self, *, execute: bool, verbose: bool) -> str:
        options = [name for name, wanted in (("ANALYZE", execute), ("VERBOSE", verbose)) if wanted]
        return f"EXPLAIN ({', '.join(options)}) " if options else "EXPLAIN "

    def plan_summary(self, cursor: Any, sql: str, parameters: Any) -> PlanSummary:
        """``EXPLAIN (FORMAT JSON)`` read into words, and the plain ``EXPLAIN`` text beside it."""
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, parameters)
        summary = postgres_plan_summary(cursor.fetchone()[0])
        cursor.execute("EXPLAIN " + sql, parameters)
        summary.raw = "\n".join(str(row[0]) for row in cursor.fetchall())
        return summary

    def maintain_database(self, conn: Connection, *, full: bool, dry_run: bool) -> MaintenanceStep:
        """``ANALYZE``; with ``full`` a ``VACUUM (ANALYZE)``, which makes dead rows' space reusable
        (not ``VACUUM FULL``, which would lock every table while it rewrites them). Both run in
        autocommit mode, as PostgreSQL requires for VACUUM; ANALYZE never blocks readers or
        writers. The autovacuum daemon does the same on its own schedule."""
        done = "VACUUM (ANALYZE)" if full else "statistics refreshed (ANALYZE)"
        size = text("SELECT pg_database_size(current_database())")
        if dry_run:
            return MaintenanceStep("database", f"would be: {done}")
        autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
        before = int(autocommit.execute(size).scalar_one())
        autocommit.exec_driver_sql("VACUUM (ANALYZE)" if full else "ANALYZE")
        return MaintenanceStep("database", done, before - int(autocommit.execute(size).scalar_one()))

    # -- declared attribute indexes -------------------------------------------------------------

    @property
    def has_gin_indexes(self) -> bool:
        return True

    def create_index_sql(self, declaration: IndexDeclaration) -> str:
        """``CREATE INDEX CONCURRENTLY`` (writers go on meanwhile) on the expression the compiler
        writes: ``(attributes -> 'energy')`` (jsonb: equality of any value, ranges of numbers,
        exactly as jsonb compares them), ``((attributes ->> 'tag') COLLATE "C")`` for ``--type
        str`` (code-point order, as the QueryBuilder compares strings), or a GIN index with
        ``jsonb_path_ops`` on ``(attributes -> 'tags')`` for containment."""
        keys = [key.replace("'", "''") for key in declaration.path]
        parents = "".join(f" -> '{key}'" for key in keys[:-1])
        if declaration.kind == "gin":
            using, expression = "gin", f"({declaration.column}{parents} -> '{keys[-1]}') jsonb_path_ops"
        elif declaration.text_ordered:
            using, expression = "btree", f"(({declaration.column}{parents} ->> '{keys[-1]}') COLLATE \"C\")"
        else:
            using, expression = "btree", f"({declaration.column}{parents} -> '{keys[-1]}')"
        where = ""
        if declaration.node_type is not None:
            where = f" WHERE node_type LIKE '{node_type_pattern(declaration.node_type)}'"
        return (
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{declaration.name}" ON db_dbnode '
            f"USING {using} ({expression}){where}"
        )

    def drop_index(self, conn: Connection, name: str) -> None:
        autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.exec_driver_sql(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')

    def build_index(
        self, conn: Connection, declaration: IndexDeclaration, progress: IndexProgress | None
    ) -> None:
        """``CREATE INDEX CONCURRENTLY`` (autocommit: it runs in several transactions of its own),
        progress read from ``pg_stat_progress_create_index`` by a second connection; a failure
        drops the invalid index it leaves. Then ``ANALYZE db_dbnode``, which also gathers the
        statistics of the indexed expression the planner needs to estimate a filter on it."""
        autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
        statement = self.create_index_sql(declaration)
        watcher = _IndexProgressWatcher(conn, progress) if progress is not None else None
        try:
            if watcher is not None:
                watcher.start(int(autocommit.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()))
            autocommit.exec_driver_sql(statement.replace("%", "%%"))  # psycopg reads % as a placeholder
        except BaseException:
            if watcher is not None:
                watcher.stop()
            with conn.engine.connect() as fresh:  # the failed one is in no state to run more
                self.drop_index(fresh, declaration.name)
            raise
        if watcher is not None:
            watcher.stop()
        autocommit.exec_driver_sql("ANALYZE db_dbnode")
        if progress is not None:
            progress(1.0)

    def index_details(
        self, conn: Connection, names: Sequence[str]
    ) -> dict[str, tuple[int | None, int | None]]:
        """Size (``pg_relation_size``) and ``idx_scan`` of ``pg_stat_user_indexes``; an index a
        failed concurrent build left invalid counts as absent."""
        rows = conn.execute(
            text(
                "SELECT c.relname, pg_relation_size(c.oid), s.idx_scan FROM pg_class c "
                "JOIN pg_index i ON i.indexrelid = c.oid "
                "LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = c.oid "
                "WHERE c.relname = ANY(:names) AND i.indisvalid "
                "AND c.relnamespace = current_schema()::regnamespace"
            ),
            {"names": list(names)},
        ).all()
        return {str(name): (int(size), None if scans is None else int(scans)) for name, size, scans in rows}

    def refresh_statistics(self, conn: Connection) -> None:
        """``ANALYZE`` of the two tables (sampled by PostgreSQL itself: fast at any size)."""
        autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
        autocommit.exec_driver_sql("ANALYZE db_dbnode, db_dblink")

    # -- reading --------------------------------------------------------------------------------

    @property
    def autocommit_reads(self) -> bool:
        """Yes: one statement is its own consistent snapshot, and the connection goes back to the
        pool idle, without a ROLLBACK round trip (the pool restores the mode)."""
        return True

    def read_mode(self, *, small: bool, shared: bool) -> ReadMode:
        """A large result streams: in chunks on a connection of its own (libpq 17 and psycopg 3.2:
        no extra round trips), through a server-side cursor inside the storage's transaction
        (where other statements may run between batches); psycopg would otherwise hold it whole."""
        if small:
            return ReadMode.FETCH
        if shared:
            return ReadMode.SERVER_CURSOR
        return ReadMode.CHUNKED if self._has_chunked_rows else ReadMode.FETCH

    @cached_property
    def _has_chunked_rows(self) -> bool:
        """Whether the driver streams rows in chunks (psycopg 3.2+ on libpq 17+); asked once."""
        driver = self.sa.loaded_dbapi
        return hasattr(driver.Cursor, "stream") and bool(driver.pq.version() >= 170000)

    @property
    def lazy_row_decoding(self) -> bool:
        """No: psycopg parses ``jsonb`` and ``timestamptz`` in C as the rows arrive."""
        return False

    def timestamp_as_text(self, column: ColumnElement[Any]) -> tuple[ColumnElement[Any], TextDecoder] | None:
        """``None``: the driver's own conversion (in C) is the cheap one."""
        return None

    def json_as_text(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        """``jsonb`` cast to text on the server: psycopg would otherwise parse every document."""
        return cast(column, Text)

    # -- expressions ------------------------------------------------------------------------------

    def json_text_at(self, column: ColumnElement[Any], key: str) -> ColumnElement[str]:
        """``->>``: the value as text; NULL when the key is missing or JSON null."""
        return column.op("->>", return_type=String)(key)

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
        """A ``LATERAL`` lookup fenced by ``OFFSET 0``: one index probe per node reached.

        With a plain join the planner picks a hash join over a sequential scan of every link
        per step whenever table statistics are stale (just after a bulk insert), which turns a
        10,000-step chain from milliseconds into seconds. ``OFFSET 0`` keeps the subquery from
        being flattened back into a join; written as SQL text, not a bound 0, so that it adds
        no parameter to every run.
        """
        following = select(link.c[away].label("node")).where(link.c[toward] == frontier, *conditions)
        step_source = following.offset(literal_column("0")).lateral(name)
        return select(*carried, step_source.c.node).select_from(walk).join(step_source, true())

    def in_long_list(
        self, column: ColumnElement[Any], values: Sequence[Any], *, uuids: bool
    ) -> ColumnElement[bool]:
        """``column = ANY(:array)``: one array parameter, still an index scan.

        A UUID column's array is of the native ``uuid`` type (an array of the column's own
        decorated type would not be recognised as one by psycopg).
        """
        item_type = self.uuid_type() if uuids else column.type
        return column == any_(bindparam(None, list(values), type_=postgresql.ARRAY(item_type)))

    def code_point_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """``COLLATE "C"``: the database's default collation follows its locale."""
        return text.collate("C")

    def ascii_lower(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """``lower()`` under the "C" collation folds A-Z only, whatever the locale."""
        return func.lower(text.collate("C"))

    def like(self, text: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        """``\\`` is PostgreSQL's default escape; leaving ``ESCAPE`` out keeps pattern indexes usable.
        A declared partial index's pattern is written as a constant, so that the planner proves
        the query implies the index's condition even for a generic plan."""
        if self.is_partial_index_pattern(pattern):
            return text.like(sql_string_literal(pattern))
        return text.like(pattern)

    def nulls_as_postgresql(self, term: ColumnElement[Any], descending: bool) -> ColumnElement[Any]:
        """As is: this is PostgreSQL's own default."""
        return term

    # -- JSON in the QueryBuilder ---------------------------------------------------------------

    def json_value(self, column: ColumnElement[Any], path: Sequence[str]) -> JsonValue:
        """``jsonb`` operators (``->``, ``->>``, ``@>``, ``jsonb_typeof``); a path with a declared
        index in the form of its index (see ``IndexedPostgresJson``)."""
        declared = self.declared_indexes_at(column, path)
        if declared:
            text_index = any(item.text_ordered for item in declared)
            return IndexedPostgresJson.indexed_at(column, path, text_index)
        return PostgresJson.at(column, path)

    def json_number_as_int(self, number: ColumnElement[Any]) -> ColumnElement[Any]:
        """Exact ``numeric`` bounds, then ``trunc()`` toward zero (a cast would round)."""
        bound = literal(_INT64, Numeric())
        inside = and_(number > -bound, number < bound)
        return case((inside, cast(func.trunc(number), BigInteger)))

    def json_boolean(self, boolean: ColumnElement[Any]) -> ColumnElement[Any]:
        """As is: a ``jsonb`` boolean is cast to ``boolean`` already."""
        return boolean

    def datetime_key(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """Field arithmetic on the string, guarded by the regular expression that admits it.

        PostgreSQL's own ``timestamptz`` input raises on a malformed string (in any row, which
        would fail the whole query) and depends on the session's settings; arithmetic on the
        fields (``sqlite_functions.days_from_civil``, term by term) cannot fail.
        """
        from provgraph.storage.sql.querybuilder.sqlite_functions import DATETIME_PATTERN

        def field(start: int, length: int) -> ColumnElement[Any]:
            return cast(func.substr(text, start, length), BigInteger)

        year, month, day = field(1, 4), field(6, 2), field(9, 2)
        hour, minute, second = field(12, 2), field(15, 2), field(18, 2)
        fraction = func.coalesce(func.substring(text, literal(r"\.([0-9]+)", Text)), "")
        micro = cast(func.rpad(func.substr(fraction, 1, 6), 6, "0"), BigInteger)
        offset = func.substring(text, literal("([+-][0-9]{2}:[0-9]{2})$", Text))
        sign = case((func.substr(offset, 1, 1) == "-", -1), else_=1)
        offset_seconds = func.coalesce(
            sign
            * (
                cast(func.substr(offset, 2, 2), BigInteger) * 3600
                + cast(func.substr(offset, 5, 2), BigInteger) * 60
            ),
            0,
        )
        # all operands non-negative, so // and % mean the same as in Python
        shifted = year + 400 - case((month <= 2, 1), else_=0)
        era = shifted // 400
        year_of_era = shifted - era * 400
        day_of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
        day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
        days = era * 146097 + day_of_era - 719468 - 146097
        seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds
        matches = text.op("~", is_comparison=True)(literal(DATETIME_PATTERN, Text))
        return case((matches, seconds * 1_000_000 + micro))


class _IndexProgressWatcher:
    """Reads an index build's progress from a second connection, twice a second, in a thread."""

    def __init__(self, conn: Connection, progress: IndexProgress) -> None:
        self._engine = conn.engine
        self._progress = progress
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, pid: int) -> None:
        self._thread = threading.Thread(target=self._watch, args=(pid,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self, pid: int) -> None:
        query = text(
            "SELECT blocks_done, blocks_total, tuples_done, tuples_total "
            "FROM pg_stat_progress_create_index WHERE pid = :pid"
        )
        try:
            with self._engine.connect() as opened:
                watching = opened.execution_options(isolation_level="AUTOCOMMIT")
                while not self._done.wait(0.5):
                    row = watching.execute(query, {"pid": pid}).first()
                    if row is not None:
                        self._progress(_build_share(*row))
        except SQLAlchemyError:  # progress is a courtesy: the build goes on without it
            return


def _build_share(blocks_done: int, blocks_total: int, tuples_done: int, tuples_total: int) -> float:
    """Half for reading the table, half for loading the sorted entries (the phases' counters)."""
    if tuples_total:
        return min(0.99, 0.5 + 0.5 * tuples_done / tuples_total)
    if blocks_total:
        return min(0.5, 0.5 * blocks_done / blocks_total)
    return 0.0
