"""Fixtures of the storage tests (on top of the suite's ``profile``/``storage``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from provgraph.config.profile import Profile
from provgraph.storage import EntityTypes
from provgraph.storage.psql_dos.backend import PsqlDosBackend
from provgraph.storage.sql.backend import SqlDosBackend


@pytest.fixture
def postgres_storage(make_profile: Callable[..., Profile]) -> Iterator[SqlDosBackend]:
    """An open ``core.psql_dos`` storage (for PostgreSQL-only checks)."""
    profile = make_profile("core.psql_dos")
    PsqlDosBackend.initialise(profile)
    storage = PsqlDosBackend(profile)
    try:
        yield storage
    finally:
        storage.close()


ROWS = 20_000
"""Dicts in the ``filled`` storage: enough that a planner prefers an index where one fits."""


@pytest.fixture
def filled(storage: SqlDosBackend) -> SqlDosBackend:
    """20,000 Dicts (``k``: 100 strings, ``x``: floats, ``tags``: a list) and 2,000 Ints."""
    (user,) = storage.bulk_insert(EntityTypes.USER, [{"email": "ix@x"}], allow_defaults=True)
    rows = [
        {
            "user_id": user,
            "node_type": "data.core.dict.Dict.",
            "attributes": {"k": f"key-{i % 100}", "x": i / 10, "tags": [f"t{i % 7}"]},
            "extras": {"tag": f"e{i % 50}"},
        }
        for i in range(ROWS)
    ]
    rows += [
        {"user_id": user, "node_type": "data.core.int.Int.", "attributes": {"k": "key-5", "x": 5}}
        for _ in range(2000)
    ]
    storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
    return storage
