"""A compiled query as the database driver takes it, and the driver's rows as Python values.

The storage runs QueryBuilder statements on the driver's own cursor rather than through
SQLAlchemy's execution: the SQL text and its processed parameters are fixed when the query is
compiled (and cached with it), so a run is one ``cursor.execute``. That spares SQLAlchemy's
per-run bookkeeping, a ``BEGIN`` round trip on SQLite (one SELECT reads one consistent snapshot
on its own), and a ``Row`` object per result row. SQLAlchemy still supplies everything
type-specific: the dialect's SQL, its bind processors, and the result processors of each
column's type, so values come out exactly as ``Connection.execute`` would give them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.sql import ClauseElement

from provgraph.storage.sql.dialects import ReadMode, SqlDialect

__all__ = ["DriverRows", "DriverStatement", "driver_statement", "result_processors"]

Processor = Callable[[Any], Any]
Row = tuple[Any, ...]

_CURSOR_NAMES = itertools.count(1)


@dataclass(frozen=True)
class DriverStatement:
    """SQL text in the driver's parameter style and the parameters, already bind-processed."""

    sql: str
    parameters: Sequence[Any] | Mapping[str, Any]


def driver_statement(statement: ClauseElement, dialect: SqlDialect) -> DriverStatement:
    """``statement`` compiled for ``dialect``, its parameters processed as SQLAlchemy would.

    Expanding parameters (``IN`` lists) are rendered into the text, so the result is final.
    """
    compiled: Any = statement.compile(dialect=dialect.sa)
    state = compiled.construct_expanded_state(escape_names=False)
    # the processors of plain parameters, plus those of the parameters an IN list expanded into
    processors: dict[str, Processor] = {**compiled._bind_processors, **state.processors}
    values = {
        name: processors[name](value) if name in processors else value
        for name, value in state.parameters.items()
    }
    if compiled.positional:
        return DriverStatement(state.statement, tuple(values[name] for name in state.positiontup))
    escaped: Mapping[str, str] = compiled.escaped_bind_names
    return DriverStatement(
        state.statement, {escaped.get(name, name): value for name, value in values.items()}
    )


def result_processors(
    columns: Sequence[ColumnElement[Any]], dialect: SqlDialect, type_codes: Sequence[Any]
) -> list[Processor | None]:
    """SQLAlchemy's result processor of each column (``None``: the driver's value is final).

    ``type_codes`` are the driver's (``cursor.description``); some PostgreSQL types pick their
    processor by them.
    """
    return [
        column.type.dialect_impl(dialect.sa).result_processor(dialect.sa, code)
        for column, code in zip(columns, type_codes, strict=True)
    ]


class DriverRows:
    """The rows of one statement on a driver connection, fetched ``batch_size`` at a time.

    How they are fetched depends on what the caller knows (a result that fits in one batch is
    ``small``; a ``shared`` connection is the storage's transaction, where other statements may
    run between batches) and is the dialect's choice (``SqlDialect.read_mode``): on PostgreSQL
    a large result streams in chunks of ``batch_size`` rows over the normal protocol (libpq
    17's chunked mode: no extra round trips), or through a server-side cursor (DECLARE / FETCH)
    when shared; SQLite steps its statement lazily anyway. Either way a large result never sits
    in memory whole. ``close`` releases it early.
    """

    def __init__(
        self, dbapi_connection: Any, dialect: SqlDialect, statement: DriverStatement, batch_size: int, *,
        small: bool, shared: bool,
    ) -> None:  # fmt: skip
        self._batch_size = batch_size
        self._stream: Iterator[Row] | None = None
        mode = dialect.read_mode(small=small, shared=shared)
        if mode is ReadMode.SERVER_CURSOR:
            self._cursor = dbapi_connection.cursor(name=f"provgraph_rows_{next(_CURSOR_NAMES)}")
        else:
            self._cursor = dbapi_connection.cursor()
        try:
            if mode is ReadMode.CHUNKED:
                self._stream = self._cursor.stream(statement.sql, statement.parameters, size=batch_size)
                self._first = self._next_from_stream()  # the description arrives with the first rows
            else:
                self._cursor.execute(statement.sql, statement.parameters)
                self._first = self._cursor.fetchmany(batch_size)
        except BaseException:
            self.close()
            raise

    @property
    def type_codes(self) -> list[Any]:
        """The driver's type of each column (``cursor.description``)."""
        return [column[1] for column in self._cursor.description or ()]

    def _next_from_stream(self) -> list[Row]:
        assert self._stream is not None
        return list(itertools.islice(self._stream, self._batch_size))

    def batches(self) -> Iterator[list[Row]]:
        """The rows, a batch at a time (never an empty batch)."""
        batch, self._first = self._first, []
        fetch = self._next_from_stream if self._stream is not None else self._fetch
        while batch:
            yield batch
            batch = fetch()

    def _fetch(self) -> list[Row]:
        rows: list[Row] = self._cursor.fetchmany(self._batch_size)
        return rows

    def close(self) -> None:
        """Stop reading (a stream still under way is cancelled) and close the cursor."""
        stream, self._stream = self._stream, None
        try:
            if stream is not None:
                stream.close()  # type: ignore[attr-defined]  # a generator
        finally:
            self._cursor.close()
