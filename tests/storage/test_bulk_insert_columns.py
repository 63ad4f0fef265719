"""``StorageBackend.bulk_insert_columns``: rows given column by column, on each SQL backend."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from provgraph.exceptions import InputValidationError
from provgraph.storage.abstract import EntityTypes, JsonText, StorageBackend


def _user(storage: StorageBackend) -> int:
    (pk,) = storage.bulk_insert(
        EntityTypes.USER, [{"email": "columns@test", "first_name": "", "last_name": "", "institution": ""}]
    )
    return pk


def _node_columns(user: int, count: int) -> dict[str, list[Any]]:
    when = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    return {
        "uuid": [f"00000000-0000-4000-8000-{index:012d}" for index in range(count)],
        "node_type": ["data.core.int.Int."] * count,
        "process_type": [None] * count,
        "label": [f"n{index}" for index in range(count)],
        "description": [""] * count,
        "ctime": [when] * count,
        "mtime": [when.replace(tzinfo=None)] * count,  # naive means UTC
        "attributes": [JsonText(f'{{"value": {index}}}') for index in range(count)],
        "extras": [{"flag": True}] * count,
        "repository_metadata": [{}] * count,
        "dbcomputer_id": [None] * count,
        "user_id": [user] * count,
    }


@pytest.mark.parametrize("count", [1, 3, 2500])
def test_rows_arrive_as_given(storage: StorageBackend, count: int) -> None:
    user = _user(storage)
    ids = storage.bulk_insert_columns(EntityTypes.NODE, _node_columns(user, count))
    assert len(ids) == count
    rows = storage.get_rows(
        EntityTypes.NODE, columns=("id", "label", "attributes", "extras", "ctime", "mtime")
    )
    assert [row["id"] for row in rows] == ids
    assert rows[-1]["label"] == f"n{count - 1}"
    assert rows[-1]["attributes"] == {"value": count - 1}
    assert rows[0]["extras"] == {"flag": True}
    assert rows[0]["ctime"] == rows[0]["mtime"] == datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)


def test_missing_or_unknown_columns_are_refused(storage: StorageBackend) -> None:
    columns = _node_columns(_user(storage), 2)
    del columns["label"]
    with pytest.raises(InputValidationError, match="must be exactly"):
        storage.bulk_insert_columns(EntityTypes.NODE, columns)


def test_unequal_lengths_are_refused(storage: StorageBackend) -> None:
    columns = _node_columns(_user(storage), 2)
    columns["label"] = ["only one"]
    with pytest.raises(InputValidationError, match="unequal lengths"):
        storage.bulk_insert_columns(EntityTypes.NODE, columns)
    assert storage.count_rows(EntityTypes.NODE) == 0


def test_a_broken_constraint_inserts_nothing(storage: StorageBackend) -> None:
    columns = _node_columns(_user(storage), 3)
    columns["uuid"][2] = columns["uuid"][0]
    with pytest.raises(InputValidationError):
        storage.bulk_insert_columns(EntityTypes.NODE, columns)
    assert storage.count_rows(EntityTypes.NODE) == 0


def test_a_value_of_the_wrong_type_is_refused(storage: StorageBackend) -> None:
    columns = _node_columns(_user(storage), 3)
    columns["ctime"][1] = "yesterday"
    with pytest.raises(InputValidationError, match="cannot be stored"):
        storage.bulk_insert_columns(EntityTypes.NODE, columns)
    assert storage.count_rows(EntityTypes.NODE) == 0
