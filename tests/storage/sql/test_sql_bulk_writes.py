"""Bulk writes: ids in row order at every batch size, few statements, all or nothing."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from tests.child_processes import worker_pool
from tests.storage.sql.bulk_writer import insert_labelled_nodes
from tests.storage.sql.rowdata import add_nodes, add_user

from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError
from provgraph.storage import EntityTypes
from provgraph.storage.abstract import In
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend

NODE = EntityTypes.NODE
LINK = EntityTypes.LINK
USER = EntityTypes.USER

# Both sides of the PostgreSQL threshold (100 rows) and well past one 1,000-row batch.
SIZES = [2, 150, 3000]


@contextmanager
def recorded_statements(storage: SqlDosBackend) -> Iterator[list[str]]:
    """Every statement sent to the driver inside the block (an ``executemany`` counts once)."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = storage.sql.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def opened(profile: Profile) -> Iterator[SqliteDosBackend]:
    storage = SqliteDosBackend(profile)
    try:
        yield storage
    finally:
        storage.close()


@pytest.fixture
def sqlite_profile(make_profile: Callable[..., Profile]) -> Profile:
    profile = make_profile("core.sqlite_dos", busy_timeout_ms=30_000)
    SqliteDosBackend.initialise(profile)
    return profile


@pytest.fixture
def sqlite_storage(sqlite_profile: Profile) -> Iterator[SqliteDosBackend]:
    """An open ``core.sqlite_dos`` storage (for SQLite-only checks)."""
    with opened(sqlite_profile) as storage:
        yield storage


def shuffled(values: list[str]) -> list[str]:
    """``values`` in a fixed random order, so that row order and sort order differ."""
    values = list(values)
    random.Random(4).shuffle(values)
    return values


def columns_by_id(
    storage: SqlDosBackend, kind: EntityTypes, ids: list[int], *columns: str
) -> dict[int, tuple[Any, ...]]:
    rows = storage.get_rows(kind, {"id": In(tuple(ids))}, columns=["id", *columns])
    return {row["id"]: tuple(row[name] for name in columns) for row in rows}


def node_rows(user: int, labels: list[str]) -> list[dict[str, Any]]:
    uuids = [f"00000000-0000-4000-8000-{index:012d}" for index in range(len(labels))]
    return [
        {"user_id": user, "label": label, "uuid": uuid}
        for label, uuid in zip(labels, shuffled(uuids), strict=True)
    ]


# -- ids in row order --------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_node_batch_returns_each_rows_id_in_order(storage: SqlDosBackend, size: int) -> None:
    user = add_user(storage)
    rows = node_rows(user, shuffled([f"n{index:05d}" for index in range(size)]))
    ids = storage.bulk_insert(NODE, rows, allow_defaults=True)
    assert len(ids) == size
    assert ids == sorted(set(ids))  # distinct and ascending in row order, as SQL defaults number them
    stored = columns_by_id(storage, NODE, ids, "label", "uuid")
    assert [stored[pk] for pk in ids] == [(row["label"], row["uuid"]) for row in rows]


@pytest.mark.parametrize("size", SIZES)
def test_link_batch_returns_each_rows_id_in_order(storage: SqlDosBackend, size: int) -> None:
    """Links have no uuid column to match rows by; ids must still line up."""
    user = add_user(storage)
    a, b = add_nodes(storage, user, 2)
    labels = shuffled([f"l{index:05d}" for index in range(size)])
    rows = [
        {"input_id": a if index % 3 else b, "output_id": b, "label": label, "type": "create"}
        for index, label in enumerate(labels)
    ]
    ids = storage.bulk_insert(LINK, rows)
    assert ids == sorted(set(ids))
    stored = columns_by_id(storage, LINK, ids, "label", "input_id")
    assert [stored[pk] for pk in ids] == [(row["label"], row["input_id"]) for row in rows]


def test_batches_inside_one_transaction_follow_each_other(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    with storage.transaction():
        first = storage.bulk_insert(NODE, node_rows(user, [f"a{index}" for index in range(150)]), True)
        rows = [{"user_id": user, "label": f"b{index}"} for index in range(150)]
        second = storage.bulk_insert(NODE, rows, allow_defaults=True)
    assert max(first) < min(second)
    stored = columns_by_id(storage, NODE, second, "label")
    assert [stored[pk] for pk in second] == [(row["label"],) for row in rows]


def test_sqlite_numbers_new_rows_after_the_largest_remaining_id(sqlite_storage: SqliteDosBackend) -> None:
    """The ids SQLite itself gives (max(id) + 1), also after the newest rows were deleted."""
    user = add_user(sqlite_storage)
    ids = add_nodes(sqlite_storage, user, 10)
    with sqlite_storage.transaction():
        sqlite_storage.delete_nodes_and_connections([ids[3], *ids[7:]])
    again = add_nodes(sqlite_storage, user, 4)
    assert again == list(range(ids[6] + 1, ids[6] + 5))


# -- statements ------------------------------------------------------------------------------


def test_sqlite_node_batch_of_10000_takes_a_handful_of_statements(sqlite_storage: SqliteDosBackend) -> None:
    user = add_user(sqlite_storage)
    rows = [{"user_id": user, "label": f"n{index}"} for index in range(10_000)]
    with recorded_statements(sqlite_storage) as statements:
        ids = sqlite_storage.bulk_insert(NODE, rows, allow_defaults=True)
    assert len(ids) == 10_000
    # after the commit the planner's statistics are refreshed (tests/storage/test_indexes.py)
    inserts = [index for index, text in enumerate(statements) if text.startswith("INSERT")]
    statements = statements[: inserts[0] + 1]
    assert len(statements) <= 4, statements  # BEGIN, schema check (once), max(id), INSERT
    assert sum(statement.startswith("INSERT") for statement in statements) == 1


def test_sqlite_single_row_writes_in_a_transaction_take_no_savepoint(
    sqlite_storage: SqliteDosBackend,
) -> None:
    """One statement is atomic on SQLite by itself: a node store is BEGIN and two INSERTs."""
    user = add_user(sqlite_storage)
    (source,) = add_nodes(sqlite_storage, user, 1)
    with recorded_statements(sqlite_storage) as statements, sqlite_storage.transaction():
        (pk,) = sqlite_storage.bulk_insert(NODE, [{"user_id": user}], allow_defaults=True)
        link = {"input_id": source, "output_id": pk, "label": "x", "type": "create"}
        sqlite_storage.bulk_insert(LINK, [link])
        sqlite_storage.bulk_update(NODE, [{"id": pk, "label": "renamed"}])
    assert [statement.split()[0] for statement in statements] == ["BEGIN", "INSERT", "INSERT", "UPDATE"]


@pytest.mark.requires_psql
def test_postgresql_writes_in_a_transaction_keep_their_savepoint(postgres_storage: SqlDosBackend) -> None:
    """A failed statement aborts a PostgreSQL transaction: only a savepoint lets the caller go on."""
    user = add_user(postgres_storage)
    with recorded_statements(postgres_storage) as statements, postgres_storage.transaction():
        postgres_storage.bulk_insert(NODE, [{"user_id": user}], allow_defaults=True)
    assert [statement.split()[0] for statement in statements] == ["SAVEPOINT", "INSERT", "RELEASE"]


def test_writes_without_savepoint_use_the_open_transaction_as_it_is(storage: SqlDosBackend) -> None:
    """``savepoint=False`` (batch stores): no SAVEPOINT on either dialect, and a failure ends the
    whole transaction, which rolls back everything written in it."""
    user = add_user(storage)
    rows = [{"user_id": user}, {"user_id": user}]
    with recorded_statements(storage) as statements, storage.transaction():
        storage.bulk_insert(NODE, rows, allow_defaults=True, savepoint=False)
    assert not any(statement.startswith(("SAVEPOINT", "RELEASE")) for statement in statements)
    before = storage.count_rows(NODE)

    def write_then_fail() -> None:
        with storage.transaction():
            storage.bulk_insert(NODE, rows, allow_defaults=True, savepoint=False)
            duplicates = [{"email": "dup@x"}, {"email": "dup@x"}]
            storage.bulk_insert(USER, duplicates, allow_defaults=True, savepoint=False)

    with pytest.raises(InputValidationError, match="constraint"):
        write_then_fail()
    assert storage.count_rows(NODE) == before
    assert "dup@x" not in emails(storage)


# -- all or nothing --------------------------------------------------------------------------


def emails(storage: SqlDosBackend) -> list[str]:
    found: list[str] = storage.get_entity_details()["Users"]["emails"]
    return found


@pytest.mark.parametrize("size", [3, 150])
def test_failed_batch_in_a_transaction_leaves_nothing_and_the_transaction_usable(
    storage: SqlDosBackend, size: int
) -> None:
    rows = [{"email": f"u{index:04d}@x"} for index in range(size - 1)] + [{"email": "before@x"}]
    with storage.transaction():
        add_user(storage, "before@x")
        with pytest.raises(InputValidationError, match="constraint"):
            storage.bulk_insert(USER, rows, allow_defaults=True)  # its last row is a duplicate
        add_user(storage, "after@x")
    assert emails(storage) == ["after@x", "before@x"]


def test_failed_update_of_many_rows_is_undone_whole(storage: SqlDosBackend) -> None:
    a, b, c = (add_user(storage, f"{name}@x") for name in "abc")
    with storage.transaction():
        with pytest.raises(InputValidationError, match="constraint"):
            storage.bulk_update(USER, [{"id": a, "email": "new@x"}, {"id": b, "email": "c@x"}])
        storage.bulk_update(USER, [{"id": c, "email": "d@x"}])
    assert emails(storage) == ["a@x", "b@x", "d@x"]


def test_failed_single_row_update_keeps_the_transaction_usable(storage: SqlDosBackend) -> None:
    a = add_user(storage, "a@x")
    add_user(storage, "b@x")
    with storage.transaction():
        storage.bulk_update(USER, [{"id": a, "email": "a2@x"}])
        with pytest.raises(InputValidationError, match="constraint"):
            storage.bulk_update(USER, [{"id": a, "email": "b@x"}])
        add_user(storage, "c@x")
    assert emails(storage) == ["a2@x", "b@x", "c@x"]


# -- tables numbered by SQLite's AUTOINCREMENT ---------------------------------------------------


def test_sqlite_autoincrement_table_never_reuses_ids_of_deleted_rows(sqlite_profile: Profile) -> None:
    """A database made elsewhere may declare AUTOINCREMENT; its numbering must be kept."""
    database = SqliteDosBackend.location(sqlite_profile).database_path
    with closing(sqlite3.connect(database)) as raw:
        raw.executescript(
            "DROP TABLE db_dblink;"
            "CREATE TABLE db_dblink (id INTEGER PRIMARY KEY AUTOINCREMENT, input_id INTEGER NOT NULL,"
            " output_id INTEGER NOT NULL, label VARCHAR(255) NOT NULL, type VARCHAR(255) NOT NULL);"
        )
    with opened(sqlite_profile) as storage:
        user = add_user(storage)
        a, b = add_nodes(storage, user, 2)
        rows = [{"input_id": a, "output_id": b, "label": f"l{index}", "type": "create"} for index in range(5)]
        first = storage.bulk_insert(LINK, rows)
        storage.delete_rows(LINK, first)
        second = storage.bulk_insert(LINK, rows[:3])
    assert first == [1, 2, 3, 4, 5]
    assert second == [6, 7, 8]


# -- several processes writing one SQLite file ---------------------------------------------------

WORKERS = 3


def test_sqlite_concurrent_batches_get_their_own_ids(sqlite_profile: Profile) -> None:
    """Processes racing multi-row inserts into one file each get the ids of their own rows."""
    with opened(sqlite_profile) as storage:
        user = add_user(storage)
    with worker_pool(WORKERS) as (pool, start):
        futures = [
            pool.submit(insert_labelled_nodes, sqlite_profile, worker, user, batches=10, size=40, start=start)
            for worker in range(WORKERS)
        ]
        returned = [future.result(timeout=120) for future in futures]
    claimed = {pk: label for worker in returned for pk, label in worker.items()}
    assert len(claimed) == sum(len(worker) for worker in returned) == WORKERS * 10 * 40
    with opened(sqlite_profile) as storage:
        stored = columns_by_id(storage, NODE, list(claimed), "label")
    assert claimed == {pk: label for pk, (label,) in stored.items()}
