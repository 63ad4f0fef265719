"""Row builders shared by the row-API tests: users, computers, nodes, groups and links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend


def add_user(storage: SqlDosBackend, email: str = "u@x") -> int:
    row = {"email": email, "first_name": "U", "last_name": "X", "institution": "I"}
    return storage.bulk_insert(EntityTypes.USER, [row])[0]


def add_computer(storage: SqlDosBackend, label: str = "localhost") -> int:
    return storage.bulk_insert(EntityTypes.COMPUTER, [{"label": label}], allow_defaults=True)[0]


def add_nodes(storage: SqlDosBackend, user: int, count: int, **columns: Any) -> list[int]:
    rows = [{"user_id": user, "label": f"n{index}", **columns} for index in range(count)]
    return storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)


def add_group(storage: SqlDosBackend, user: int, label: str = "g") -> int:
    return storage.bulk_insert(EntityTypes.GROUP, [{"label": label, "user_id": user}], allow_defaults=True)[0]


def add_links(storage: SqlDosBackend, pairs: Sequence[tuple[int, int]]) -> None:
    rows = [{"input_id": a, "output_id": b, "label": f"l{a}", "type": "create"} for a, b in pairs]
    storage.bulk_insert(EntityTypes.LINK, rows)
