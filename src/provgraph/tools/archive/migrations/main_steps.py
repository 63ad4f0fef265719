"""The SQLite-era steps ``main_0000`` -> ``main_0000a`` -> ``main_0000b`` -> ``main_0001`` on ``db.sqlite3``.

``main_0000`` is the head schema with some columns still nullable (legacy archives had NULLs
there); ``main_0000a`` replaces those NULLs by defaults; ``main_0000b`` makes the columns NOT NULL;
``main_0001`` only aligns the name with the profile schemas and changes nothing.

``main_0000b`` rebuilds the database into a fresh file with the head schema
(``ARCHIVE_SCHEMA``) and copies every row: that is what SQLite's table rebuild does anyway, and
it gives every migrated archive the same DDL whatever wrote the original.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from provgraph.common.archive_format import ARCHIVE_SCHEMA, MAIN_VERSIONS, create_archive_database
from provgraph.exceptions import ArchiveMigrationError

__all__ = [
    "MAIN_0000_SCHEMA",
    "MAIN_STEPS",
    "NULLABLE_IN_MAIN_0000",
    "MainStep",
    "check_foreign_keys",
    "create_main_0000_database",
    "main_pathway",
    "utc_now_text",
]

#: (database, working folder) -> the database to continue with (the same file or a new one).
MainStep = Callable[[Path, Path], Path]

#: The columns ``main_0000`` allows NULL in and ``main_0000b`` makes NOT NULL.
NULLABLE_IN_MAIN_0000: dict[str, tuple[str, ...]] = {
    "db_dbauthinfo": ("aiidauser_id", "dbcomputer_id", "metadata", "auth_params", "enabled"),
    "db_dbcomment": ("dbnode_id", "user_id", "content", "ctime", "mtime"),
    "db_dbcomputer": ("description", "hostname", "metadata", "scheduler_type", "transport_type"),
    "db_dbgroup": ("description", "time", "type_string"),
    "db_dblog": ("levelname", "loggername", "message", "time", "metadata"),
    "db_dbnode": ("ctime", "description", "label", "mtime"),
    "db_dbuser": ("first_name", "last_name", "institution"),
}

_CREATE_TABLE = re.compile(r"CREATE TABLE (\w+) \(")


def _relax(statement: str) -> str:
    """A head-schema statement with the ``main_0000`` nullable columns made nullable."""
    match = _CREATE_TABLE.match(statement)
    if match is None:
        return statement
    for column in NULLABLE_IN_MAIN_0000.get(match.group(1), ()):
        statement, count = re.subn(rf"\b({column} [A-Z]+(?:\(\d+\))?) NOT NULL", r"\1", statement)
        if count != 1:  # ARCHIVE_SCHEMA changed shape: this derivation must be revisited
            raise RuntimeError(f"cannot find NOT NULL column {match.group(1)}.{column} in ARCHIVE_SCHEMA")
    return statement


#: The ``main_0000`` schema: the head one with the legacy-nullable columns relaxed.
MAIN_0000_SCHEMA: tuple[str, ...] = tuple(_relax(statement) for statement in ARCHIVE_SCHEMA)


def create_main_0000_database(path: Path) -> sqlite3.Connection:
    """An empty ``main_0000`` archive database at ``path`` (which must not exist), open."""
    return create_archive_database(path, MAIN_0000_SCHEMA)


def check_foreign_keys(connection: sqlite3.Connection, schema: str = "main") -> None:
    """Refuse a database whose rows point at rows that do not exist (an import would fail later)."""
    problems = connection.execute(f"PRAGMA {schema}.foreign_key_check").fetchmany(5)
    if problems:
        described = "; ".join(
            f"{table} row {rowid} -> missing {parent}" for table, rowid, parent, _ in problems
        )
        raise ArchiveMigrationError(f"the archive database has rows pointing at missing rows: {described}")


def utc_now_text() -> str:
    """Now, in UTC, in the naive text form the archive database stores (as aiida-core writes it)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


# (table, column, replacement for NULL); None as replacement deletes the row instead (rows whose
# user, computer or node had been deleted are worthless and could not be imported).
_NULL_FIXES: tuple[tuple[str, str, object], ...] = (
    ("db_dbauthinfo", "aiidauser_id", None),
    ("db_dbauthinfo", "dbcomputer_id", None),
    ("db_dbauthinfo", "enabled", True),
    ("db_dbauthinfo", "auth_params", "{}"),
    ("db_dbauthinfo", "metadata", "{}"),
    ("db_dbcomment", "dbnode_id", None),
    ("db_dbcomment", "user_id", None),
    ("db_dbcomment", "content", ""),
    ("db_dbcomment", "ctime", "now"),
    ("db_dbcomment", "mtime", "now"),
    ("db_dbcomputer", "description", ""),
    ("db_dbcomputer", "hostname", ""),
    ("db_dbcomputer", "metadata", "{}"),
    ("db_dbcomputer", "scheduler_type", ""),
    ("db_dbcomputer", "transport_type", ""),
    ("db_dbgroup", "description", ""),
    ("db_dbgroup", "time", "now"),
    ("db_dbgroup", "type_string", "core"),
    ("db_dblog", "levelname", ""),
    ("db_dblog", "loggername", ""),
    ("db_dblog", "message", ""),
    ("db_dblog", "metadata", "{}"),
    ("db_dblog", "time", "now"),
    ("db_dbnode", "ctime", "now"),
    ("db_dbnode", "description", ""),
    ("db_dbnode", "label", ""),
    ("db_dbnode", "mtime", "now"),
    ("db_dbuser", "first_name", ""),
    ("db_dbuser", "last_name", ""),
    ("db_dbuser", "institution", ""),
)


def _tables(connection: sqlite3.Connection, schema: str = "main") -> dict[str, list[str]]:
    """Each table of the database with its column names."""
    names = [
        row[0]
        for row in connection.execute(f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table'")
        if not row[0].startswith("sqlite_")
    ]
    return {
        name: [row[1] for row in connection.execute(f'PRAGMA {schema}.table_info("{name}")')]
        for name in names
    }


def replace_nulls(database: Path, working: Path) -> Path:
    """``main_0000`` -> ``main_0000a``: NULLs become defaults, timestamps the time of migration."""
    now = utc_now_text()
    connection = sqlite3.connect(database, isolation_level=None)
    try:
        tables = _tables(connection)
        connection.execute("BEGIN")
        for table, column, replacement in _NULL_FIXES:
            if column not in tables.get(table, ()):
                continue
            if replacement is None:
                connection.execute(f"DELETE FROM {table} WHERE {column} IS NULL")
            else:
                value = now if replacement == "now" else replacement
                connection.execute(f"UPDATE {table} SET {column} = ? WHERE {column} IS NULL", (value,))
        connection.execute("COMMIT")
    except sqlite3.Error as exc:
        raise ArchiveMigrationError(f"cannot replace NULL values in the archive database: {exc}") from exc
    finally:
        connection.close()
    return database


def make_non_nullable(database: Path, working: Path) -> Path:
    """``main_0000a`` -> ``main_0000b``: every row copied into a fresh database with the head schema."""
    rebuilt = working / "db-main_0000b.sqlite3"
    rebuilt.unlink(missing_ok=True)
    connection = create_archive_database(rebuilt)
    try:
        connection.execute("ATTACH DATABASE ? AS old", (str(database),))
        old_tables = _tables(connection, "old")
        new_tables = _tables(connection)
        connection.execute("BEGIN")
        for table, columns in old_tables.items():
            if table not in new_tables:
                raise ArchiveMigrationError(f"the archive database has an unknown table {table!r}")
            unknown = sorted(set(columns) - set(new_tables[table]))
            if unknown:
                raise ArchiveMigrationError(
                    f"the archive database table {table} has unknown columns {unknown}"
                )
            listed = ", ".join(f'"{column}"' for column in columns)
            connection.execute(f"INSERT INTO main.{table} ({listed}) SELECT {listed} FROM old.{table}")
        check_foreign_keys(connection)
        connection.execute("COMMIT")
        connection.execute("DETACH DATABASE old")
    except sqlite3.Error as exc:
        raise ArchiveMigrationError(f"cannot make the archive database columns non-nullable: {exc}") from exc
    finally:
        connection.close()
    return rebuilt


def _unchanged(database: Path, working: Path) -> Path:
    """``main_0000b`` -> ``main_0001``: the schemas are the same."""
    return database


#: from-version -> (to-version, step).
MAIN_STEPS: dict[str, tuple[str, MainStep]] = {
    "main_0000": ("main_0000a", replace_nulls),
    "main_0000a": ("main_0000b", make_non_nullable),
    "main_0000b": ("main_0001", _unchanged),
}


def main_pathway(current: str, target: str) -> list[tuple[str, str, MainStep]]:
    """The steps ``(from, to, step)`` from ``current`` to ``target`` (both main versions, in order)."""
    if MAIN_VERSIONS.index(target) < MAIN_VERSIONS.index(current):
        raise ArchiveMigrationError(f"cannot migrate an archive backwards, from {current} to {target}")
    steps = []
    while current != target:
        to_version, step = MAIN_STEPS[current]
        steps.append((current, to_version, step))
        current = to_version
    return steps
