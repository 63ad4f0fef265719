"""Transactions: all or nothing, nestable through savepoints, per thread."""

from __future__ import annotations

import threading

import pytest

from provgraph.exceptions import InputValidationError
from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend


def add_user(storage: SqlDosBackend, email: str) -> int:
    return storage.bulk_insert(EntityTypes.USER, [{"email": email}], allow_defaults=True)[0]


def add_users_then_fail(storage: SqlDosBackend, *addresses: str) -> None:
    """Add users in one transaction level, then raise out of it."""
    with storage.transaction():
        for address in addresses:
            add_user(storage, address)
        raise RuntimeError("boom")


def emails(storage: SqlDosBackend) -> list[str]:
    details: list[str] = storage.get_entity_details()["Users"]["emails"]
    return details


def test_commit_on_success(storage: SqlDosBackend) -> None:
    with storage.transaction():
        add_user(storage, "a@x")
        add_user(storage, "b@x")
    assert emails(storage) == ["a@x", "b@x"]


def test_rollback_on_exception(storage: SqlDosBackend) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        add_users_then_fail(storage, "a@x", "b@x")
    assert emails(storage) == []
    assert not storage.in_transaction


def test_inner_rollback_keeps_outer_work(storage: SqlDosBackend) -> None:
    with storage.transaction():
        add_user(storage, "outer@x")
        with pytest.raises(RuntimeError, match="boom"):
            add_users_then_fail(storage, "inner@x")
        add_user(storage, "after@x")
    assert emails(storage) == ["after@x", "outer@x"]


def test_failed_statement_in_savepoint_keeps_outer_transaction_usable(storage: SqlDosBackend) -> None:
    with storage.transaction():
        add_user(storage, "a@x")
        with pytest.raises(InputValidationError, match="constraint"):
            add_user(storage, "a@x")  # duplicate email: its own savepoint is rolled back
        add_user(storage, "b@x")
    assert emails(storage) == ["a@x", "b@x"]


def test_exception_from_inner_level_escaping_rolls_back_everything(storage: SqlDosBackend) -> None:
    def inner_commits_then_outer_fails() -> None:
        with storage.transaction():
            add_user(storage, "outer@x")
            with storage.transaction():
                add_user(storage, "inner@x")
            raise RuntimeError("outer fails after inner released its savepoint")

    with pytest.raises(RuntimeError, match="outer fails"):
        inner_commits_then_outer_fails()
    assert emails(storage) == []


def test_in_transaction_reflects_nesting(storage: SqlDosBackend) -> None:
    assert not storage.in_transaction
    with storage.transaction():
        assert storage.in_transaction
        with storage.transaction():
            assert storage.in_transaction
        assert storage.in_transaction
    assert not storage.in_transaction


def test_transactions_are_per_thread(storage: SqlDosBackend) -> None:
    seen: list[bool] = []
    with storage.transaction():
        thread = threading.Thread(target=lambda: seen.append(storage.in_transaction))
        thread.start()
        thread.join()
    assert seen == [False]


def test_uncommitted_rows_are_invisible_to_another_thread(storage: SqlDosBackend) -> None:
    counts: list[int] = []
    with storage.transaction():
        add_user(storage, "a@x")
        thread = threading.Thread(target=lambda: counts.append(storage.get_entity_counts()["Users"]))
        thread.start()
        thread.join()
    assert counts == [0]
    assert storage.get_entity_counts()["Users"] == 1


def test_deferred_foreign_key_violation_fails_at_commit(storage: SqlDosBackend) -> None:
    with pytest.raises(InputValidationError, match="constraint"), storage.transaction():
        storage.bulk_insert(EntityTypes.NODE, [{"user_id": 12345}], allow_defaults=True)
    assert storage.get_entity_counts()["Nodes"] == 0
