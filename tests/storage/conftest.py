"""Fixtures of the storage tests (on top of the suite's ``profile``/``storage``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from provgraph.config.profile import Profile
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
