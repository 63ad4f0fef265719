"""LazyRow: SQLite rows whose JSON and time columns convert on first read, never seen raw."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime, timezone

from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.storage.sql.lazy_rows import LazyRow
from provgraph.storage.sql.rows import lazy_rows

KEYS = ("id", "attributes", "extras", "ctime")
RAW = (7, '{"a": [1, 2.5, true, null]}', "{}", "2026-11-26 10:00:00.123456")
DECODED = {
    "id": 7,
    "attributes": {"a": [1, 2.5, True, None]},
    "extras": {},
    "ctime": datetime(2026, 11, 26, 10, 0, 0, 123456, tzinfo=timezone.utc),
}


def _row() -> LazyRow:
    (row,) = lazy_rows(KEYS, [RAW])
    return row


def test_columns_convert_when_read() -> None:
    row = _row()
    assert dict.__len__(row) == 1  # only the id is converted up front
    assert row["attributes"] == DECODED["attributes"]
    assert row.get("ctime") == DECODED["ctime"]
    assert row.get("missing", "default") == "default"
    assert "extras" in row
    assert "missing" not in row
    assert len(row) == 4


def test_every_whole_row_view_sees_converted_values() -> None:
    assert dict(_row()) == DECODED
    assert {**_row()} == DECODED
    assert dict(_row().items()) == DECODED
    assert list(_row()) == list(KEYS)
    assert json.loads(json.dumps(_row(), default=str))["attributes"] == DECODED["attributes"]
    assert _row() == DECODED
    assert DECODED == _row()  # noqa: SIM300 (the reflected comparison is the point)
    assert copy.deepcopy(_row()) == DECODED
    assert pickle.loads(pickle.dumps(_row())) == DECODED
    assert "2026" in repr(_row())
    assert "{}" in repr(_row())


def test_a_copy_stays_lazy_and_independent() -> None:
    row = _row()
    clone = row.copy()
    assert isinstance(clone, LazyRow)
    assert dict.__len__(clone) == 1
    clone["attributes"]["a"].append("changed")
    assert row["attributes"] == DECODED["attributes"]


def test_assigning_or_removing_a_pending_column() -> None:
    row = _row()
    row["extras"] = {"x": 1}
    assert row["extras"] == {"x": 1}
    assert dict(row)["extras"] == {"x": 1}
    row = _row()
    assert row.pop("attributes") == DECODED["attributes"]
    assert "attributes" not in row
    row = _row()
    del row["ctime"]
    assert "ctime" not in row
    assert dict(row) == {key: DECODED[key] for key in ("id", "attributes", "extras")}
    assert _row().setdefault("extras", {"ignored": 1}) == {}


def test_storage_rows_have_the_same_values_on_both_backends(storage: StorageBackend) -> None:
    (user_id,) = storage.bulk_insert(EntityTypes.USER, [{"email": "lazy@example.com"}], allow_defaults=True)
    attributes = {"nested": {"list": [1, 2.5, "x", None, True]}, "empty": {}}
    (pk,) = storage.bulk_insert(
        EntityTypes.NODE,
        [{"node_type": "data.core.Data.", "user_id": user_id, "attributes": attributes}],
        allow_defaults=True,
    )
    (row,) = storage.get_rows(EntityTypes.NODE, {"id": pk})
    assert row["attributes"] == attributes
    assert row["extras"] == {}
    assert row["repository_metadata"] == {}
    assert isinstance(row["ctime"], datetime)
    assert row["ctime"].tzinfo is not None
    assert dict(row)["attributes"] == attributes
