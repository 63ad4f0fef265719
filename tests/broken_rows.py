"""Helpers for tests that damage a storage on purpose (imported as ``tests.broken_rows``).

The storage refuses broken rows (foreign keys, unique constraints), as it should; these helpers
write them anyway, with plain SQL on the storage's own database, the way another program, a
crash or a hand edit would: foreign keys off (SQLite's pragma, PostgreSQL's replica role), a
unique constraint dropped, a file in the object store removed or overwritten.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from provgraph.storage.abstract import EntityTypes, StorageBackend

__all__ = [
    "corrupt_object",
    "duplicate_uuid",
    "insert_link",
    "loose_object_path",
    "remove_object",
    "write_unchecked",
]


def _is_sqlite(storage: StorageBackend) -> bool:
    return storage.profile.storage_backend == "core.sqlite_dos"


def write_unchecked(storage: StorageBackend, *statements: str) -> None:
    """Run SQL ``statements`` on the storage's database, committed, with foreign keys unchecked."""
    engine: Any = storage.sql.engine
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if _is_sqlite(storage):  # provgraph's SQLite connections are in autocommit mode
            cursor.execute("PRAGMA foreign_keys = OFF")
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("PRAGMA foreign_keys = ON")
        else:
            cursor.execute("SET session_replication_role = replica")  # no foreign-key triggers
            for statement in statements:
                cursor.execute(statement)
            cursor.execute("SET session_replication_role = DEFAULT")
            raw.commit()
        cursor.close()
    finally:
        raw.close()


def insert_link(storage: StorageBackend, input_id: int, output_id: int, link_type: str, label: str) -> int:
    """Insert a link row as it is, whatever its ends; returns its id."""
    write_unchecked(
        storage,
        f"INSERT INTO db_dblink (input_id, output_id, type, label) VALUES ({input_id}, {output_id}, "
        f"'{link_type}', '{label}')",
    )
    (last,) = storage.get_rows(EntityTypes.LINK, columns=["id"], order_by=["-id"], limit=1)
    return int(last["id"])


def duplicate_uuid(storage: StorageBackend, table: str, pk: int) -> None:
    """Copy row ``pk`` of ``table`` under the same UUID (labels that must be unique get a suffix).

    PostgreSQL compares UUIDs as UUIDs, so its unique constraint on them is dropped first. SQLite
    keeps UUIDs as text: the copy's UUID is the same one in capitals, which its constraint lets
    through (the damage text UUIDs allow).
    """
    engine: Any = storage.sql.engine
    inspector = inspect(engine)
    columns = [column["name"] for column in inspector.get_columns(table) if column["name"] != "id"]
    statements = []
    if not _is_sqlite(storage):
        for constraint in inspector.get_unique_constraints(table):
            if constraint["column_names"] == ["uuid"]:
                statements.append(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint["name"]}"')
    copied = {"uuid": "upper(uuid)" if _is_sqlite(storage) else "uuid"}
    if table in ("db_dbcomputer", "db_dbgroup"):
        copied["label"] = "label || '_copy'"
    selected = ", ".join(copied.get(column, column) for column in columns)
    statements.append(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {selected} FROM {table} WHERE id = {pk}"
    )
    write_unchecked(storage, *statements)


def loose_object_path(storage: StorageBackend, key: str) -> Path:
    """Where the object ``key`` lies as a loose file of the storage's container (it must be loose)."""
    container: Path = storage.get_repository().path
    path = container / "loose" / key[:2] / key[2:]
    assert path.is_file(), f"object {key} is not a loose file of {container}"
    return path


def remove_object(storage: StorageBackend, key: str) -> None:
    """Delete the object ``key`` from the container behind the storage's back."""
    loose_object_path(storage, key).unlink()


def corrupt_object(storage: StorageBackend, key: str, content: bytes = b"bit rot") -> None:
    """Overwrite the object ``key`` with other ``content`` (its key no longer hashes it)."""
    path = loose_object_path(storage, key)
    path.chmod(0o644)
    path.write_bytes(content)
