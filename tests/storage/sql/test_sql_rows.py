"""Bulk row operations, node deletion, global variables, summaries and clearing."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select

from provgraph.exceptions import InputValidationError, InvalidOperation
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.tables import nodes, users

USER = {"email": "u@x", "first_name": "U", "last_name": "X", "institution": "I"}
T0 = datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc)


def full_node(user: int, index: int, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "uuid": f"00000000-0000-4000-8000-{index:012d}",
        "node_type": "data.core.int.Int.",
        "process_type": None,
        "label": f"n{index}",
        "description": "",
        "ctime": T0,
        "mtime": T0,
        "attributes": {"value": index},
        "extras": {},
        "repository_metadata": {},
        "dbcomputer_id": None,
        "user_id": user,
    }
    row.update(changes)
    return row


@pytest.fixture
def user(storage: SqlDosBackend) -> int:
    return storage.bulk_insert(EntityTypes.USER, [USER])[0]


def test_bulk_insert_returns_ids_in_order(storage: SqlDosBackend, user: int) -> None:
    ids = storage.bulk_insert(EntityTypes.NODE, [full_node(user, index) for index in range(50)])
    assert len(ids) == 50
    with storage.sql.connection() as conn:
        labels = dict(conn.execute(select(nodes.c.id, nodes.c.label)).all())
    assert [labels[pk] for pk in ids] == [f"n{index}" for index in range(50)]


def test_bulk_insert_round_trips_values(storage: SqlDosBackend, user: int) -> None:
    (pk,) = storage.bulk_insert(EntityTypes.NODE, [full_node(user, 7, extras={"a": [1, "b", None]})])
    with storage.sql.connection() as conn:
        row = conn.execute(select(nodes).where(nodes.c.id == pk)).one()._mapping
    assert row["uuid"] == "00000000-0000-4000-8000-000000000007"
    assert row["ctime"] == T0
    assert row["ctime"].tzinfo is not None
    assert row["extras"] == {"a": [1, "b", None]}


def test_bulk_insert_of_nothing(storage: SqlDosBackend) -> None:
    assert storage.bulk_insert(EntityTypes.USER, []) == []


def test_bulk_insert_names_missing_keys(storage: SqlDosBackend) -> None:
    with pytest.raises(InputValidationError, match=r"lacks keys \['first_name', 'institution'\]"):
        storage.bulk_insert(EntityTypes.USER, [{"email": "a@x", "last_name": ""}])
    assert storage.get_entity_counts()["Users"] == 0


def test_bulk_insert_names_extra_keys_even_with_defaults(storage: SqlDosBackend) -> None:
    with pytest.raises(InputValidationError, match=r"unknown keys \['id', 'nickname'\]"):
        storage.bulk_insert(EntityTypes.USER, [{**USER, "nickname": "u", "id": 5}], allow_defaults=True)


def test_bulk_insert_rejects_a_missing_required_column_with_defaults(storage: SqlDosBackend) -> None:
    with pytest.raises(InputValidationError, match="'email'"):
        storage.bulk_insert(EntityTypes.USER, [{"first_name": "x"}], allow_defaults=True)


def test_bulk_insert_fills_aiida_defaults(storage: SqlDosBackend, user: int) -> None:
    (computer,) = storage.bulk_insert(
        EntityTypes.COMPUTER,
        [{"label": "localhost", "metadata": {"shebang": "#!/bin/bash"}}],
        allow_defaults=True,
    )
    (pk,) = storage.bulk_insert(
        EntityTypes.NODE, [{"user_id": user, "dbcomputer_id": computer}], allow_defaults=True
    )
    with storage.sql.connection() as conn:
        row = conn.execute(select(nodes).where(nodes.c.id == pk)).one()._mapping
    assert len(row["uuid"]) == 36
    assert (row["label"], row["description"], row["process_type"]) == ("", "", None)
    assert (row["attributes"], row["extras"], row["repository_metadata"]) == ({}, {}, {})
    assert row["ctime"].tzinfo is not None


def test_bulk_insert_accepts_metadata_key(storage: SqlDosBackend, user: int) -> None:
    (computer,) = storage.bulk_insert(
        EntityTypes.COMPUTER, [{"label": "c", "metadata": {}}], allow_defaults=True
    )
    (node,) = storage.bulk_insert(EntityTypes.NODE, [{"user_id": user}], allow_defaults=True)
    storage.bulk_insert(
        EntityTypes.AUTHINFO,
        [
            {
                "aiidauser_id": user,
                "dbcomputer_id": computer,
                "metadata": {"a": 1},
                "auth_params": {},
                "enabled": True,
            }
        ],
    )
    storage.bulk_insert(
        EntityTypes.LOG,
        [{"loggername": "x", "levelname": "INFO", "dbnode_id": node, "metadata": {}}],
        allow_defaults=True,
    )
    counts = storage.get_entity_counts()
    assert (counts["Computers"], counts["Logs"]) == (1, 1)


def test_bulk_insert_refuses_nan(storage: SqlDosBackend, user: int) -> None:
    with pytest.raises(InputValidationError, match="NaN"):
        storage.bulk_insert(EntityTypes.NODE, [full_node(user, 1, attributes={"x": float("nan")})])
    assert storage.get_entity_counts()["Nodes"] == 0


def test_bulk_update_changes_only_given_columns(storage: SqlDosBackend, user: int) -> None:
    ids = storage.bulk_insert(
        EntityTypes.NODE, [full_node(user, index, extras={"old": 1}) for index in range(3)]
    )
    storage.bulk_update(
        EntityTypes.NODE,
        [
            {"id": ids[0], "extras": {"new": 2}},
            {"id": ids[1], "label": "renamed"},
            {"id": ids[2], "label": "x"},
        ],
    )
    with storage.sql.connection() as conn:
        rows = {row.id: row for row in conn.execute(select(nodes).order_by(nodes.c.id))}
    assert rows[ids[0]].extras == {"new": 2}  # replaced whole, not merged
    assert rows[ids[0]].label == "n0"
    assert (rows[ids[1]].label, rows[ids[1]].extras) == ("renamed", {"old": 1})
    assert rows[ids[2]].label == "x"
    assert rows[ids[0]].mtime > T0  # touched, as AiiDA's onupdate does
    assert rows[ids[0]].ctime == T0


def test_bulk_update_validates_rows(storage: SqlDosBackend, user: int) -> None:
    with pytest.raises(InputValidationError, match="no 'id'"):
        storage.bulk_update(EntityTypes.USER, [{"email": "x"}])
    with pytest.raises(InputValidationError, match=r"unknown keys \['nickname'\]"):
        storage.bulk_update(EntityTypes.USER, [{"id": user, "nickname": "x"}])


def test_delete_nodes_and_connections(storage: SqlDosBackend, user: int) -> None:
    a, b, c = storage.bulk_insert(EntityTypes.NODE, [full_node(user, index) for index in range(3)])
    (group,) = storage.bulk_insert(EntityTypes.GROUP, [{"label": "g", "user_id": user}], allow_defaults=True)
    storage.bulk_insert(EntityTypes.GROUP_NODE, [{"dbgroup_id": group, "dbnode_id": pk} for pk in (a, b, c)])
    storage.bulk_insert(
        EntityTypes.LINK,
        [
            {"input_id": a, "output_id": b, "label": "x", "type": "create"},
            {"input_id": b, "output_id": c, "label": "y", "type": "input_calc"},
            {"input_id": a, "output_id": c, "label": "z", "type": "input_calc"},
        ],
    )
    storage.bulk_insert(EntityTypes.COMMENT, [{"dbnode_id": b, "user_id": user}], allow_defaults=True)
    storage.bulk_insert(
        EntityTypes.LOG, [{"dbnode_id": b, "loggername": "l", "levelname": "INFO"}], allow_defaults=True
    )
    with storage.transaction():
        storage.delete_nodes_and_connections([b])
    counts = storage.get_entity_counts()
    assert (counts["Nodes"], counts["Links"], counts["Comments"], counts["Logs"]) == (2, 1, 0, 0)
    with storage.sql.connection() as conn:
        assert conn.execute(select(nodes.c.id).order_by(nodes.c.id)).scalars().all() == [a, c]


def test_delete_nodes_needs_a_transaction(storage: SqlDosBackend, user: int) -> None:
    (pk,) = storage.bulk_insert(EntityTypes.NODE, [full_node(user, 1)])
    with pytest.raises(InvalidOperation, match=r"inside storage\.transaction"):
        storage.delete_nodes_and_connections([pk])
    assert storage.get_entity_counts()["Nodes"] == 1


def test_delete_nodes_rolls_back_with_the_transaction(storage: SqlDosBackend, user: int) -> None:
    (pk,) = storage.bulk_insert(EntityTypes.NODE, [full_node(user, 1)])

    def delete_then_fail() -> None:
        with storage.transaction():
            storage.delete_nodes_and_connections([pk])
            raise RuntimeError("graph rules refused")

    with pytest.raises(RuntimeError, match="refused"):
        delete_then_fail()
    assert storage.get_entity_counts()["Nodes"] == 1


def test_global_variables(storage: SqlDosBackend) -> None:
    with pytest.raises(KeyError, match="missing"):
        storage.get_global_variable("missing")
    storage.set_global_variable("process|state_change|work", "2024-01-01T00:00:00", description="last change")
    assert storage.get_global_variable("process|state_change|work") == "2024-01-01T00:00:00"
    storage.set_global_variable("process|state_change|work", {"nested": [1, 2]})
    assert storage.get_global_variable("process|state_change|work") == {"nested": [1, 2]}
    with pytest.raises(ValueError, match="exists already"):
        storage.set_global_variable("process|state_change|work", 3, overwrite=False)
    assert storage.get_global_variable("process|state_change|work") == {"nested": [1, 2]}
    storage.set_global_variable("number", 5, overwrite=False)
    assert storage.get_global_variable("number") == 5


def test_entity_counts_and_details(storage: SqlDosBackend, user: int) -> None:
    storage.bulk_insert(EntityTypes.COMPUTER, [{"label": "cluster"}], allow_defaults=True)
    t1 = datetime(2025, 6, 1, tzinfo=timezone.utc)
    storage.bulk_insert(
        EntityTypes.NODE,
        [
            full_node(user, 1),
            full_node(
                user, 2, ctime=t1, node_type="process.calculation.calcjob.CalcJobNode.", process_type="a.b"
            ),
        ],
    )
    storage.bulk_insert(
        EntityTypes.GROUP, [{"label": "g", "user_id": user, "type_string": "core"}], allow_defaults=True
    )
    info = storage.get_info(detailed=True)
    entities = info["entities"]
    assert {name: entity["count"] for name, entity in entities.items()} == {
        "Users": 1,
        "Computers": 1,
        "Nodes": 2,
        "Groups": 1,
        "Comments": 0,
        "Logs": 0,
        "Links": 0,
    }
    assert entities["Users"]["emails"] == ["u@x"]
    assert entities["Computers"]["labels"] == ["cluster"]
    assert entities["Nodes"]["first_created"] == str(T0)
    assert entities["Nodes"]["last_created"] == str(t1)
    assert entities["Nodes"]["node_types"] == [
        "data.core.int.Int.",
        "process.calculation.calcjob.CalcJobNode.",
    ]
    assert entities["Nodes"]["process_types"] == ["a.b"]
    assert entities["Groups"]["type_strings"] == ["core"]
    assert info["repository"]["SHA-hash algorithm"] == "sha256"
    assert "Size (MB)" in info["repository"]
    assert "emails" not in storage.get_info()["entities"]["Users"]


def test_clear_keeps_settings_and_pairs_a_new_container(storage: SqlDosBackend, user: int) -> None:
    storage.bulk_insert(EntityTypes.NODE, [full_node(user, 1)])
    key = storage.get_repository().put_object_from_filelike(io.BytesIO(b"data"))
    storage.set_global_variable("kept", 1)
    storage._clear()
    assert set(storage.get_entity_counts().values()) == {0}
    assert storage.get_global_variable("kept") == 1
    assert not storage.get_repository().has_object(key)
    on_disk = DiskObjectStoreRepository(storage.get_repository().path).uuid
    assert storage.get_global_variable("repository|uuid") == storage.get_repository().uuid == on_disk
    with storage.sql.connection() as conn:
        assert conn.execute(select(users)).all() == []
