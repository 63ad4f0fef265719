"""``0.13`` -> ``main_0000``: the JSON rows into an SQLite archive database, node files into ``repo/``.

Rows keep the archive's own primary keys (links and group members are resolved by uuid). Fields
missing from a row get the defaults aiida-core's converter gives them; fields given as ``null``
stay NULL here and become defaults in ``main_0000a``, as in aiida-core.

Order matters for cost: every row, link and group membership is checked before any file is
copied, so an archive refused for a dangling link is refused in seconds, not after its files.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid as uuid_module
from collections.abc import Callable
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from provgraph.common.archive_format import KEY_FORMAT
from provgraph.exceptions import ArchiveMigrationError, CorruptArchive
from provgraph.tools.archive.migrations.legacy_reader import READ_ERRORS, LegacyReader
from provgraph.tools.archive.migrations.main_steps import (
    check_foreign_keys,
    create_main_0000_database,
    utc_now_text,
)
from provgraph.tools.archive.migrations.metadata import expect_version, record_conversion
from provgraph.tools.archive.migrations.repository_tree import RepositoryTree
from provgraph.tools.archive.migrations.zip_output import ArchiveZipWriter

__all__ = ["LEGACY_TO_MAIN_VERSION", "convert_legacy"]

LOGGER = logging.getLogger(__name__)

LEGACY_TO_MAIN_VERSION = "main_0000"

#: (done, total or None) for the files copied so far.
FileProgress = Callable[[int, int | None], None]

# Entities in the order their rows may reference each other, with their table and the data.json
# fields that are named differently in the table.
_ENTITIES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("User", "db_dbuser", {}),
    ("Computer", "db_dbcomputer", {}),
    ("Group", "db_dbgroup", {"user": "user_id"}),
    ("Node", "db_dbnode", {"dbcomputer": "dbcomputer_id", "user": "user_id"}),
    ("Log", "db_dblog", {"dbnode": "dbnode_id"}),
    ("Comment", "db_dbcomment", {"dbnode": "dbnode_id", "user": "user_id"}),
)
_JSON_COLUMNS = frozenset({"metadata", "extras", "attributes", "repository_metadata", "auth_params"})
_TIME_COLUMNS = frozenset({"time", "ctime", "mtime"})
_NOW = object()  # stands for the time of migration in the defaults below
_NEW_UUID = object()
# What aiida-core's converter fills in for a field the row lacks.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "db_dbuser": {"first_name": "", "last_name": "", "institution": ""},
    "db_dbcomputer": {
        "uuid": _NEW_UUID,
        "hostname": "",
        "description": "",
        "scheduler_type": "",
        "transport_type": "",
        "metadata": {},
    },
    "db_dbgroup": {"uuid": _NEW_UUID, "type_string": "", "time": _NOW, "description": "", "extras": {}},
    "db_dbnode": {
        "uuid": _NEW_UUID,
        "node_type": "",
        "label": "",
        "description": "",
        "ctime": _NOW,
        "mtime": _NOW,
        "repository_metadata": {},
    },
    "db_dblog": {
        "uuid": _NEW_UUID,
        "time": _NOW,
        "loggername": "",
        "levelname": "",
        "message": "",
        "metadata": {},
    },
    "db_dbcomment": {"uuid": _NEW_UUID, "ctime": _NOW, "mtime": _NOW, "content": ""},
}


def _timestamp(value: Any, where: str) -> str | None:
    """A data.json datetime (naive UTC ISO text) in the archive database's text form."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise CorruptArchive(f"data.json: {where} is not a date: {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CorruptArchive(f"data.json: {where} is not a date: {value!r}") from exc
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed.strftime("%Y-%m-%d %H:%M:%S.%f")


def _pk(value: str, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CorruptArchive(
            f"data.json: {where} has a primary key that is not an integer: {value!r}"
        ) from None


class _Converter:
    """The rows of one data.json going into one ``main_0000`` database."""

    def __init__(self, connection: sqlite3.Connection, data: dict[str, Any], now: str) -> None:
        self.connection = connection
        self.data = data
        self.now = now
        self.columns = {
            table: [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            for _, table, _ in _ENTITIES
        }

    def _default(self, table: str, column: str) -> Any:
        value = _DEFAULTS.get(table, {}).get(column)
        if value is _NOW:
            return self.now
        if value is _NEW_UUID:
            return str(uuid_module.uuid4())
        return value

    def _table_row(self, entity: str, table: str, renames: dict[str, str], pk: str, fields: Any) -> list[Any]:
        """One table row (values in column order) from a data.json entry."""
        where = f"{entity} pk={pk}"
        if not isinstance(fields, dict):
            raise CorruptArchive(f"data.json: {where} is not an object")
        columns = self.columns[table]
        values: dict[str, Any] = {}
        for field, value in fields.items():
            column = renames[field] if field in renames else str(field)
            if column not in columns or column == "id":
                raise ArchiveMigrationError(
                    f"data.json: {where} has a field {field!r} the archive database has no column for"
                )
            values[column] = value
        values["id"] = _pk(pk, where)
        if entity == "Node":
            values["attributes"] = self._node_json("node_attributes", "attributes", pk)
            values["extras"] = self._node_json("node_extras", "extras", pk)
        row = []
        for column in columns:
            value = values[column] if column in values else self._default(table, column)
            if column in _TIME_COLUMNS:
                value = _timestamp(value, f"{where} {column}")
            elif column in _JSON_COLUMNS:
                value = json.dumps(value)
            row.append(value)
        return row

    def _node_json(self, section: str, what: str, pk: str) -> Any:
        values = self.data.get(section, {})
        if pk not in values:
            raise CorruptArchive(f"data.json: no {what} for the node with pk={pk}")
        return values[pk]

    def insert_entities(self) -> None:
        for entity, table, renames in _ENTITIES:
            entries = self.data.get("export_data", {}).get(entity, {})
            if not isinstance(entries, dict):
                raise CorruptArchive(f"data.json: export_data.{entity} is not an object")
            columns = self.columns[table]
            statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            rows = (self._table_row(entity, table, renames, pk, fields) for pk, fields in entries.items())
            try:
                self.connection.executemany(statement, rows)
            except sqlite3.IntegrityError as exc:
                raise ArchiveMigrationError(
                    f"the archive's {entity} rows contradict each other: {exc}"
                ) from exc

    def ids_by_uuid(self, table: str) -> dict[str, int]:
        return dict(self.connection.execute(f"SELECT uuid, id FROM {table}"))

    def insert_links(self, node_ids: dict[str, int]) -> None:
        links = self.data.get("links_uuid") or []
        if not isinstance(links, list):
            raise CorruptArchive("data.json: links_uuid is not a list")
        self.connection.executemany(
            "INSERT INTO db_dblink (input_id, output_id, label, type) VALUES (?, ?, ?, ?)",
            (_link_row(link, node_ids) for link in links),
        )

    def insert_group_members(self, node_ids: dict[str, int]) -> None:
        members = self.data.get("groups_uuid") or {}
        if not isinstance(members, dict):
            raise CorruptArchive("data.json: groups_uuid is not an object")
        group_ids = self.ids_by_uuid("db_dbgroup")
        dropped: dict[str, set[Any]] = {}
        rows: list[tuple[int, int]] = []
        for group_uuid, node_uuids in members.items():
            if group_uuid not in group_ids:
                raise CorruptArchive(
                    f"data.json: members listed for a group not in the archive: {group_uuid}"
                )
            if not isinstance(node_uuids, list):
                raise CorruptArchive(f"data.json: the members of group {group_uuid} are not a list")
            known = []
            for node_uuid in node_uuids:
                if isinstance(node_uuid, str) and node_uuid in node_ids:
                    known.append(node_ids[node_uuid])
                else:
                    dropped.setdefault(group_uuid, set()).add(node_uuid)
            rows.extend((node_id, group_ids[group_uuid]) for node_id in dict.fromkeys(known))
        self.connection.executemany(
            "INSERT INTO db_dbgroup_dbnodes (dbnode_id, dbgroup_id) VALUES (?, ?)", rows
        )
        if dropped:
            LOGGER.warning("Dropped unknown nodes in groups: %s", dropped)


def _link_row(link: Any, node_ids: dict[str, int]) -> tuple[int, int, Any, Any]:
    """A link's row, refusing links to nodes the archive does not hold (as aiida-core does)."""
    if not isinstance(link, dict) or "label" not in link or "type" not in link:
        raise CorruptArchive(f"data.json: malformed link {link!r}")
    for end in ("input", "output"):
        if link.get(end) not in node_ids:
            raise ArchiveMigrationError(f"Database contains link with unknown {end} node: {link}")
    return node_ids[link["input"]], node_ids[link["output"]], link["label"], link["type"]


def _copy_repository(
    reader: LegacyReader,
    writer: ArchiveZipWriter,
    node_uuids: set[str],
    on_file: FileProgress,
) -> dict[str, RepositoryTree]:
    """Stream the files of the archive's nodes into ``repo/``; each node's tree."""
    trees: dict[str, RepositoryTree] = {}
    total = reader.count_repository()
    done = 0
    with closing(reader.iter_repository()) as entries:
        for entry, stream in entries:
            done += 1
            on_file(done, total)
            if entry.node_uuid not in node_uuids:
                continue  # files of a node the archive does not hold: nobody could reach them
            tree = trees.setdefault(entry.node_uuid, RepositoryTree())
            if stream is None:
                tree.add_folder(entry.path)
                continue
            what = f"{reader.path}: file {entry.path} of node {entry.node_uuid}"
            tree.add_file(entry.path, writer.add_unnamed(stream, what, READ_ERRORS))
    return trees


def convert_legacy(
    reader: LegacyReader,
    *,
    metadata: dict[str, Any],
    data: dict[str, Any],
    writer: ArchiveZipWriter,
    database: Path,
    on_file: FileProgress,
) -> None:
    """Write the ``main_0000`` database at ``database`` and the node files into ``writer``.

    ``metadata`` is updated to ``main_0000`` (the legacy-only keys dropped, ``export_parameters``
    renamed ``creation_parameters``, ``key_format`` set).
    """
    expect_version(metadata, "0.13")
    with closing(create_main_0000_database(database)) as connection:
        converter = _Converter(connection, data, utc_now_text())
        try:
            connection.execute("BEGIN")
            converter.insert_entities()
            node_ids = converter.ids_by_uuid("db_dbnode")
            converter.insert_links(node_ids)
            converter.insert_group_members(node_ids)
            check_foreign_keys(connection)
            trees = _copy_repository(reader, writer, set(node_ids), on_file)
            connection.executemany(
                "UPDATE db_dbnode SET repository_metadata = ? WHERE uuid = ?",
                ((json.dumps(tree.serialize()), node_uuid) for node_uuid, tree in trees.items()),
            )
            connection.execute("COMMIT")
        except sqlite3.Error as exc:
            raise ArchiveMigrationError(f"cannot write the archive database: {exc}") from exc

    metadata.pop("unique_identifiers", None)
    metadata.pop("all_fields_info", None)
    metadata["creation_parameters"] = metadata.pop("export_parameters", None) or {}
    metadata["key_format"] = KEY_FORMAT
    record_conversion(metadata, LEGACY_TO_MAIN_VERSION)
