"""The selected rows, read from the profile in batches and shaped as an archive database stores them.

An archive's ``db.sqlite3`` keeps values as aiida-core writes them: times as naive UTC text
``YYYY-MM-DD HH:MM:SS.ffffff``, JSON columns as ``json.dumps`` text (ASCII escapes), UUIDs
dashed, booleans 0/1. The columns of each table are read from the archive schema itself
(:data:`~provgraph.common.archive_format.ARCHIVE_SCHEMA`), and each value is converted by its
column's declared type, so the two cannot drift apart. Rows keep their profile ids, which are
unique, so links and memberships point at the same ids in the archive.

Everything streams: the QueryBuilder fetches ``batch_size`` rows per round trip and
:func:`stream_tables` hands them on in lists of ``batch_size``; memory holds one batch, plus the
repository keys of the nodes seen (one short string per distinct file content).

>>> columns = archive_columns()["db_dbuser"]
>>> [column.name for column in columns]
['id', 'email', 'first_name', 'last_name', 'institution']
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from provgraph.common.archive_format import ARCHIVE_SCHEMA
from provgraph.orm.groups import Group
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.repository.tree import Repository
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.tools.archive.selection import ENTITY_CLASSES, WRITE_ORDER, Selection

__all__ = [
    "ARCHIVE_TABLES",
    "CHECKPOINTS_KEY",
    "Column",
    "RowBatch",
    "archive_columns",
    "copy_entities",
    "stream_connections",
    "stream_tables",
]

#: The archive table of each kind of row.
ARCHIVE_TABLES: dict[EntityTypes, str] = {
    EntityTypes.USER: "db_dbuser",
    EntityTypes.COMPUTER: "db_dbcomputer",
    EntityTypes.AUTHINFO: "db_dbauthinfo",
    EntityTypes.GROUP: "db_dbgroup",
    EntityTypes.NODE: "db_dbnode",
    EntityTypes.COMMENT: "db_dbcomment",
    EntityTypes.LOG: "db_dblog",
    EntityTypes.LINK: "db_dblink",
    EntityTypes.GROUP_NODE: "db_dbgroup_dbnodes",
}

#: The process attribute holding a serialised process state (code, potentially unsafe to load).
CHECKPOINTS_KEY = "checkpoints"

# Ids per copy step of ``copy_entities``: few statements, and progress as a large table is copied.
_IDS_PER_COPY = 20_000

# One encoder for every value: json.dumps builds a new one per call when given options, and its
# default (no options) is exactly this: aiida-core's json.dumps serialiser, separators included.
_JSON_ENCODER = json.JSONEncoder()


@dataclass(frozen=True)
class Column:
    """One column of an archive table: its name and declared SQL type (``DATETIME``, ``JSON``...)."""

    name: str
    declared_type: str

    def converter(self) -> Callable[[Any], Any]:
        """Profile value (as the QueryBuilder returns it) -> archive database value."""
        if self.declared_type == "DATETIME":
            return _archive_time
        if self.declared_type == "JSON":
            return _archive_json
        if self.declared_type == "BOOLEAN":
            return _archive_bool
        return _unchanged


@dataclass(frozen=True)
class RowBatch:
    """Rows for one archive table, each a tuple in the order of ``columns``."""

    entity_type: EntityTypes
    table: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@functools.cache
def archive_columns() -> dict[str, tuple[Column, ...]]:
    """Table name -> its columns, read from an in-memory database made from the archive schema."""
    connection = sqlite3.connect(":memory:")
    try:
        for statement in ARCHIVE_SCHEMA:
            connection.execute(statement)
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            table: tuple(
                Column(row[1], str(row[2]).upper())
                for row in connection.execute(f"PRAGMA table_info({table})")  # names from our own schema
            )
            for table in tables
        }
    finally:
        connection.close()


def stream_tables(
    storage: StorageBackend,
    selection: Selection,
    *,
    batch_size: int,
    filter_size: int,
    strip_checkpoints: bool,
    repository_keys: set[str],
) -> Iterator[RowBatch]:
    """Every selected row, table by table in archive order (entities, links, then memberships).

    The repository keys of the nodes streamed are added to ``repository_keys`` on the way.
    """
    for entity_type in WRITE_ORDER:
        yield from _entity_batches(
            storage,
            selection,
            entity_type,
            batch_size=batch_size,
            filter_size=filter_size,
            strip_checkpoints=strip_checkpoints,
            repository_keys=repository_keys,
        )
    yield from stream_connections(storage, selection, batch_size=batch_size, filter_size=filter_size)


def stream_connections(
    storage: StorageBackend, selection: Selection, *, batch_size: int, filter_size: int
) -> Iterator[RowBatch]:
    """The links between selected nodes, then the memberships of selected groups, in batches."""
    yield from _batches(
        EntityTypes.LINK,
        ("input_id", "output_id", "type", "label"),
        _links(storage, selection, batch_size, filter_size),
        batch_size,
    )
    yield from _batches(
        EntityTypes.GROUP_NODE,
        ("dbgroup_id", "dbnode_id"),
        _memberships(storage, selection, batch_size, filter_size),
        batch_size,
    )


def copy_entities(
    storage: StorageBackend,
    selection: Selection,
    database: Path,
    on_copied: Callable[[EntityTypes, int], None],
) -> None:
    """Have the storage write the selected rows of every entity table straight into ``database``.

    The storage copies the rows as archives keep them (``copy_rows_to_sqlite``: on SQLite no row
    passes through Python), a range or list of ids at a time; ``on_copied`` hears each step.
    """
    for entity_type in WRITE_ORDER:
        ids = selection.scope[entity_type]
        if ids is None:
            if entity_type not in selection.bounds:
                continue  # the table was empty
            last = selection.bounds[entity_type]
            for first in range(selection.lower_bound(entity_type, storage), last + 1, _IDS_PER_COPY):
                copied = storage.copy_rows_to_sqlite(
                    entity_type, database, id_range=(first, min(first + _IDS_PER_COPY - 1, last))
                )
                on_copied(entity_type, copied)
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), _IDS_PER_COPY):
            chunk = ordered[start : start + _IDS_PER_COPY]
            on_copied(entity_type, storage.copy_rows_to_sqlite(entity_type, database, ids=chunk))


def strip_checkpoints_and_collect_keys(database: sqlite3.Connection, strip_checkpoints: bool) -> set[str]:
    """Finish the node rows copied into an archive database: drop the process nodes'
    ``checkpoints`` (when asked) and return the repository keys the nodes refer to."""
    if strip_checkpoints:
        database.execute(
            f"UPDATE db_dbnode SET attributes = json_remove(attributes, '$.{CHECKPOINTS_KEY}') "
            f"WHERE node_type LIKE 'process.%' AND instr(attributes, '\"{CHECKPOINTS_KEY}\"') > 0"
        )
    keys: set[str] = set()
    rows = database.execute(
        "SELECT repository_metadata FROM db_dbnode WHERE repository_metadata IS NOT NULL "
        "AND repository_metadata NOT IN ('{}', '')"
    )
    for (metadata,) in rows:
        keys.update(key for key in Repository.flatten(json.loads(metadata)).values() if key is not None)
    return keys


def _entity_batches(
    storage: StorageBackend,
    selection: Selection,
    entity_type: EntityTypes,
    *,
    batch_size: int,
    filter_size: int,
    strip_checkpoints: bool,
    repository_keys: set[str],
) -> Iterator[RowBatch]:
    columns = archive_columns()[ARCHIVE_TABLES[entity_type]]
    names = tuple(column.name for column in columns)
    converters = [column.converter() for column in columns]
    node_row = (
        _node_row_hook(names, strip_checkpoints, repository_keys) if entity_type is EntityTypes.NODE else None
    )

    def batches() -> Iterator[RowBatch]:
        for filters in selection.filters(entity_type, filter_size):
            query = QueryBuilder(backend=storage).append(
                ENTITY_CLASSES[entity_type], tag="row", filters=filters, project=list(names)
            )
            query.order_by({"row": ["id"]})
            batch: list[list[Any]] = []
            for values in query.iterall(batch_size=batch_size):
                if node_row is not None:
                    node_row(values)
                batch.append(values)
                if len(batch) >= batch_size:
                    yield _converted(entity_type, names, converters, batch)
                    batch = []
            if batch:
                yield _converted(entity_type, names, converters, batch)

    yield from batches()


def _converted(
    entity_type: EntityTypes,
    names: tuple[str, ...],
    converters: Sequence[Callable[[Any], Any]],
    batch: list[list[Any]],
) -> RowBatch:
    """A batch of profile rows as archive rows, converted column by column (a call per value
    through one ``map`` per column costs far less than a generator per row)."""
    columns = [
        column if convert is _unchanged else list(map(convert, column))
        for convert, column in zip(converters, zip(*batch, strict=True), strict=True)
    ]
    return RowBatch(entity_type, ARCHIVE_TABLES[entity_type], names, list(zip(*columns, strict=True)))


def _node_row_hook(
    names: tuple[str, ...], strip_checkpoints: bool, repository_keys: set[str]
) -> Callable[[list[Any]], None]:
    """A function that notes a node row's repository keys and drops its checkpoints, in place."""
    node_type = names.index("node_type")
    attributes = names.index("attributes")
    repository_metadata = names.index("repository_metadata")

    def hook(values: list[Any]) -> None:
        keys = Repository.flatten(values[repository_metadata]).values()
        repository_keys.update(key for key in keys if key is not None)
        if strip_checkpoints and str(values[node_type]).startswith("process.") and values[attributes]:
            values[attributes] = {
                key: value for key, value in values[attributes].items() if key != CHECKPOINTS_KEY
            }

    return hook


def _links(
    storage: StorageBackend, selection: Selection, batch_size: int, filter_size: int
) -> Iterator[tuple[Any, ...]]:
    """Distinct (input, output, type, label) of links between selected nodes.

    Every link between two exported nodes is part of the export: each link type has one
    direction the EXPORT rules always follow, so the traversal has walked every such link.
    """
    for filters in selection.filters(EntityTypes.NODE, filter_size):
        query = QueryBuilder(backend=storage)
        query.append(Node, tag="source", filters=filters, project=["id"])
        query.append(Node, with_incoming="source", project=["id"], edge_project=["type", "label"])
        for source, target, link_type, label in query.distinct().iterall(batch_size=batch_size):
            if selection.is_selected(EntityTypes.NODE, target):
                yield (source, target, link_type, label)


def _memberships(
    storage: StorageBackend, selection: Selection, batch_size: int, filter_size: int
) -> Iterator[tuple[Any, ...]]:
    """(group, node) of every member of a selected group (its members are selected with it)."""
    for filters in selection.filters(EntityTypes.GROUP, filter_size):
        query = QueryBuilder(backend=storage)
        query.append(Group, tag="group", filters=filters, project=["id"])
        query.append(Node, with_group="group", project=["id"])
        for group, node in query.distinct().iterall(batch_size=batch_size):
            if selection.is_selected(EntityTypes.NODE, node):
                yield (group, node)


def _batches(
    entity_type: EntityTypes, columns: Sequence[str], rows: Iterable[tuple[Any, ...]], batch_size: int
) -> Iterator[RowBatch]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield RowBatch(entity_type, ARCHIVE_TABLES[entity_type], tuple(columns), batch)
            batch = []
    if batch:
        yield RowBatch(entity_type, ARCHIVE_TABLES[entity_type], tuple(columns), batch)


def _archive_time(value: Any) -> Any:
    if not isinstance(value, datetime):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(sep=" ", timespec="microseconds")  # always with microseconds, as aiida-core


def _archive_json(value: Any) -> Any:
    return None if value is None else _JSON_ENCODER.encode(value)


def _archive_bool(value: Any) -> Any:
    return None if value is None else int(bool(value))


def _unchanged(value: Any) -> Any:
    return value
