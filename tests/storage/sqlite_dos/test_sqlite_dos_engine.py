"""SQLite connections: WAL, busy timeout, synchronous level, write transactions that lock up front."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from provgraph.config.profile import Profile
from provgraph.exceptions import ConfigurationError, UnreachableStorage
from provgraph.storage.sql.engines import sqlite_engine
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend

ProfileFactory = Callable[..., Profile]


def pragma(storage: SqliteDosBackend, name: str) -> object:
    with storage.sql.connection() as connection:
        return connection.execute(text(f"PRAGMA {name}")).scalar_one()


def open_storage(make_profile: ProfileFactory, **config: object) -> SqliteDosBackend:
    profile = make_profile("core.sqlite_dos", **config)
    SqliteDosBackend.initialise(profile)
    return SqliteDosBackend(profile)


def database_file(storage: SqliteDosBackend) -> Path:
    return Path(storage.profile.storage_config["filepath"]) / "database.sqlite"


def test_default_pragmas(make_profile: ProfileFactory) -> None:
    with open_storage(make_profile) as storage:
        assert pragma(storage, "journal_mode") == "wal"
        assert pragma(storage, "synchronous") == 1  # NORMAL
        assert pragma(storage, "busy_timeout") == 60_000
        assert pragma(storage, "foreign_keys") == 1
        with storage.sql.connection() as connection:
            assert connection.execute(text("SELECT 'A' LIKE 'a'")).scalar_one() == 0  # case_sensitive_like


def test_configured_pragmas(make_profile: ProfileFactory) -> None:
    with open_storage(make_profile, synchronous="FULL", busy_timeout_ms=1234) as storage:
        assert pragma(storage, "synchronous") == 2  # FULL
        assert pragma(storage, "busy_timeout") == 1234


@pytest.mark.parametrize(
    ("key", "value"),
    [("synchronous", "OFF"), ("busy_timeout_ms", -1), ("busy_timeout_ms", "5"), ("filepath", "")],
)
def test_invalid_config_is_refused(make_profile: ProfileFactory, key: str, value: object) -> None:
    profile = make_profile("core.sqlite_dos", **{key: value})
    with pytest.raises(ConfigurationError, match=key):
        SqliteDosBackend.initialise(profile)


def test_opening_restores_wal_mode(make_profile: ProfileFactory) -> None:
    storage = open_storage(make_profile)
    path = database_file(storage)
    storage.close()
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode = DELETE").fetchone() == ("delete",)
    raw.close()
    with SqliteDosBackend(storage.profile) as reopened:
        assert pragma(reopened, "journal_mode") == "wal"


def test_write_transaction_takes_the_write_lock_at_begin(make_profile: ProfileFactory) -> None:
    with open_storage(make_profile) as storage:
        other = sqlite3.connect(database_file(storage), timeout=0, isolation_level=None)
        try:
            with storage.transaction():  # nothing written yet
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
                assert other.execute("SELECT count(*) FROM db_dbuser").fetchone() == (0,)  # readers go on
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        finally:
            other.close()


def test_missing_database_file_is_not_created(make_profile: ProfileFactory) -> None:
    storage = open_storage(make_profile)
    path = database_file(storage)
    storage.close()
    path.unlink()
    with pytest.raises(UnreachableStorage, match="cannot reach the storage"):
        SqliteDosBackend(storage.profile)
    assert not path.exists()


def test_read_only_engine_refuses_writes(make_profile: ProfileFactory) -> None:
    storage = open_storage(make_profile)
    path = database_file(storage)
    storage.close()
    engine = sqlite_engine(path, read_only=True)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM db_dbuser")).scalar_one() == 0
            with pytest.raises(OperationalError, match="readonly"):
                connection.execute(
                    text(
                        "INSERT INTO db_dbuser (email, first_name, last_name, institution) "
                        "VALUES ('a', '', '', '')"
                    )
                )
    finally:
        engine.dispose()
