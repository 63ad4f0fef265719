"""Rows copied between the storage and another SQLite file, on each SQL backend.

``bulk_insert_from_sqlite`` (in) and ``copy_rows_to_sqlite`` (out): SQLite copies inside the
database (the file attached), PostgreSQL streams the rows; both must give the same rows, ids,
timestamps and errors.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import text

from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend

_NODES = (
    "SELECT uuid, node_type, process_type, label, description, ctime, mtime, attributes, "
    "coalesce(extras, '{}') AS extras, repository_metadata, NULL AS dbcomputer_id, :user AS user_id "
    "FROM source.db_dbnode WHERE id BETWEEN :first AND :last ORDER BY id"
)

_CTIMES = (
    ("2026-01-02 03:04:05.000006", datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)),
    ("2026-01-02T03:04:05+02:00", datetime(2026, 1, 2, 1, 4, 5, tzinfo=timezone.utc)),
    ("2026-01-02 03:04:05", datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)),
    ("2026-01-02T03:04:05.123Z", datetime(2026, 1, 2, 3, 4, 5, 123000, tzinfo=timezone.utc)),
)


def _source(
    path: Path, count: int, *, ctime: Callable[[int], str] = lambda index: _CTIMES[index % 4][0]
) -> Path:
    """A file with a ``db_dbnode`` of ``count`` rows whose archive ids run backwards to their uuids."""
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE db_dbnode (id INTEGER PRIMARY KEY, uuid TEXT, node_type TEXT, process_type TEXT, "
        "label TEXT, description TEXT, ctime TEXT, mtime TEXT, attributes TEXT, extras TEXT, "
        "repository_metadata TEXT)"
    )
    connection.executemany(
        "INSERT INTO db_dbnode VALUES (?, ?, 'data.core.int.Int.', NULL, ?, '', ?, ?, ?, ?, '{}')",
        [
            (
                10 * (count - index),  # ids need not be contiguous, nor in uuid order
                f"00000000-0000-4000-8000-{index:012d}",
                f"n{index}",
                ctime(index),
                "2026-01-02 03:04:05.000006",
                json.dumps({"value": index, "nested": {"flag": True, "list": [1, None]}}),
                None if index % 2 else '{"kept": "yes"}',
            )
            for index in range(count)
        ],
    )
    connection.commit()
    connection.close()
    return path


def _user(storage: StorageBackend) -> int:
    (pk,) = storage.bulk_insert(
        EntityTypes.USER, [{"email": "copy@test", "first_name": "", "last_name": "", "institution": ""}]
    )
    return pk


def _copy(storage: StorageBackend, database: Path, user: int, first: int = 0, last: int = 10**9) -> list[int]:
    parameters = {"user": user, "first": first, "last": last}
    return storage.bulk_insert_from_sqlite(EntityTypes.NODE, database, _NODES, parameters)


@pytest.mark.parametrize("count", [1, 4, 2500])
def test_rows_arrive_in_the_query_order(storage: StorageBackend, tmp_path: Path, count: int) -> None:
    user = _user(storage)
    ids = _copy(storage, _source(tmp_path / "source.sqlite", count), user)
    assert len(ids) == count
    rows = storage.get_rows(
        EntityTypes.NODE, columns=("id", "uuid", "label", "attributes", "extras", "ctime", "mtime", "user_id")
    )
    assert [row["id"] for row in rows] == ids
    # archive ids run backwards, so the first copied row is the last uuid
    assert [row["label"] for row in rows] == [f"n{index}" for index in reversed(range(count))]
    for row in rows:
        index = int(row["label"][1:])
        assert row["attributes"] == {"value": index, "nested": {"flag": True, "list": [1, None]}}
        assert row["extras"] == ({} if index % 2 else {"kept": "yes"})
        assert row["ctime"] == _CTIMES[index % 4][1]
        assert row["mtime"] == datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
        assert row["user_id"] == user


def test_ids_follow_the_rows_already_there(storage: StorageBackend, tmp_path: Path) -> None:
    user = _user(storage)
    source = _source(tmp_path / "source.sqlite", 30)
    first = _copy(storage, source, user, last=100)
    second = _copy(storage, source, user, first=101, last=200)
    assert len(first) == len(second) == 10
    assert second[0] > first[-1]
    assert storage.count_rows(EntityTypes.NODE) == 20


def test_sqlite_stores_every_timestamp_in_its_own_form(
    make_profile: Callable[..., Profile], tmp_path: Path
) -> None:
    profile = make_profile("core.sqlite_dos")
    SqliteDosBackend.initialise(profile)
    storage = SqliteDosBackend(profile)
    try:
        _copy(storage, _source(tmp_path / "source.sqlite", 8), _user(storage))
        with storage.sql.engine.connect() as connection:
            stored = connection.execute(text("SELECT ctime FROM db_dbnode ORDER BY ctime")).scalars().all()
    finally:
        storage.close()
    # 'T', offsets, missing fractions and 'Z' are all rewritten to naive UTC with microseconds
    assert stored == sorted(
        2
        * [
            "2026-01-02 01:04:05.000000",
            "2026-01-02 03:04:05.000000",
            "2026-01-02 03:04:05.000006",
            "2026-01-02 03:04:05.123000",
        ]
    )


def test_a_rolled_back_copy_leaves_nothing(storage: StorageBackend, tmp_path: Path) -> None:
    user = _user(storage)
    source = _source(tmp_path / "source.sqlite", 5)

    def copy_then_fail() -> None:
        with storage.transaction():
            _copy(storage, source, user)
            assert storage.count_rows(EntityTypes.NODE) == 5
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        copy_then_fail()
    assert storage.count_rows(EntityTypes.NODE) == 0
    assert len(_copy(storage, source, user)) == 5  # the file was let go of and can be attached again


def test_two_files_in_one_transaction(storage: StorageBackend, tmp_path: Path) -> None:
    """The second file cannot be attached beside the first: it is streamed, with the same result."""
    user = _user(storage)
    one = _source(tmp_path / "one.sqlite", 3)
    other = _source(tmp_path / "other.sqlite", 3, ctime=lambda index: "2026-05-06T07:08:09+00:00")
    sqlite3.connect(other).execute(
        "UPDATE db_dbnode SET uuid = replace(uuid, '00000000', '11111111')"
    ).connection.commit()
    with storage.transaction():
        first = _copy(storage, one, user)
        second = _copy(storage, other, user)
    assert second == [first[-1] + 1, first[-1] + 2, first[-1] + 3]
    times = {
        row["ctime"] for row in storage.get_rows(EntityTypes.NODE, {"id": second[0]}, columns=("ctime",))
    }
    assert times == {datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone.utc)}


def test_columns_must_be_the_tables(storage: StorageBackend, tmp_path: Path) -> None:
    query = _NODES.replace(", :user AS user_id", "")
    with pytest.raises(InputValidationError, match="must select exactly"):
        storage.bulk_insert_from_sqlite(
            EntityTypes.NODE, _source(tmp_path / "source.sqlite", 2), query, {"first": 0, "last": 99}
        )
    assert storage.count_rows(EntityTypes.NODE) == 0


def test_a_broken_constraint_copies_nothing(storage: StorageBackend, tmp_path: Path) -> None:
    user = _user(storage)
    source = _source(tmp_path / "source.sqlite", 3)
    _copy(storage, source, user, last=10)  # one node, whose uuid the next copy repeats
    with pytest.raises(InputValidationError):
        _copy(storage, source, user)
    assert storage.count_rows(EntityTypes.NODE) == 1


def test_a_value_that_is_not_a_timestamp_is_refused(storage: StorageBackend, tmp_path: Path) -> None:
    source = _source(
        tmp_path / "source.sqlite", 3, ctime=lambda index: "yesterday" if index == 1 else "2026-01-01"
    )
    with pytest.raises(InputValidationError, match="cannot be stored"):
        _copy(storage, source, _user(storage))
    assert storage.count_rows(EntityTypes.NODE) == 0


def test_the_file_is_detached_when_the_connection_returns(
    make_profile: Callable[..., Profile], tmp_path: Path
) -> None:
    profile = make_profile("core.sqlite_dos")
    SqliteDosBackend.initialise(profile)
    storage = SqliteDosBackend(profile)
    try:
        _copy(storage, _source(tmp_path / "source.sqlite", 2), _user(storage))
        with storage.sql.engine.connect() as connection:
            schemas = [row[1] for row in connection.exec_driver_sql("PRAGMA database_list")]
    finally:
        storage.close()
    assert "source" not in schemas


# -- copy_rows_to_sqlite: rows going out into an archive database ---------------------------------


def _archive_database(path: Path) -> Path:
    from provgraph.common.archive_format import create_archive_database

    create_archive_database(path).close()
    return path


def test_rows_go_out_as_archives_keep_them(storage: StorageBackend, tmp_path: Path) -> None:
    user = _user(storage)
    ids = _copy(storage, _source(tmp_path / "source.sqlite", 30), user)
    target = _archive_database(tmp_path / "db.sqlite3")
    chosen = ids[3:9]
    assert storage.copy_rows_to_sqlite(EntityTypes.USER, target) == 1
    assert storage.copy_rows_to_sqlite(EntityTypes.NODE, target, ids=chosen, id_range=(0, chosen[3])) == 4
    assert storage.copy_rows_to_sqlite(EntityTypes.NODE, target, id_range=(chosen[4], chosen[-1])) == 2
    connection = sqlite3.connect(target)
    rows = connection.execute(
        "SELECT id, label, ctime, mtime, attributes, extras, repository_metadata, user_id "
        "FROM db_dbnode ORDER BY id"
    ).fetchall()
    assert [row[0] for row in rows] == chosen
    stored = {
        row["id"]: row
        for row in storage.get_rows(EntityTypes.NODE, columns=("id", "label", "ctime", "attributes"))
    }
    for pk, label, ctime, mtime, attributes, extras, metadata, owner in rows:
        assert label == stored[pk]["label"]
        # naive UTC text with microseconds, as aiida-core writes archives
        assert ctime == stored[pk]["ctime"].replace(tzinfo=None).isoformat(" ", "microseconds")
        assert mtime == "2026-01-02 03:04:05.000006"
        assert json.loads(attributes) == stored[pk]["attributes"]
        assert json.loads(extras) in ({}, {"kept": "yes"})
        assert json.loads(metadata) == {}
        assert owner == user
    assert connection.execute("SELECT email FROM db_dbuser").fetchall() == [("copy@test",)]
    connection.close()


def test_nothing_selected_copies_nothing(storage: StorageBackend, tmp_path: Path) -> None:
    target = _archive_database(tmp_path / "db.sqlite3")
    assert storage.copy_rows_to_sqlite(EntityTypes.NODE, target) == 0
    assert storage.copy_rows_to_sqlite(EntityTypes.NODE, target, ids=[]) == 0


def test_a_target_without_the_table_is_an_error(storage: StorageBackend, tmp_path: Path) -> None:
    from provgraph.exceptions import StorageError

    _user(storage)
    target = tmp_path / "empty.sqlite3"
    sqlite3.connect(target).close()
    with pytest.raises(StorageError, match="db_dbuser"):
        storage.copy_rows_to_sqlite(EntityTypes.USER, target)
