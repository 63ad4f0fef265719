"""An open storage for module-scoped test data (imported as ``tests.storage.sql.module_storage``).

The function-scoped ``storage`` fixture gives every test a fresh profile; tests that insert one
large pool of rows and query it many times open their own storage once per module instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provgraph.config.profile import Profile
from provgraph.storage import get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend

__all__ = ["open_storage"]


def open_storage(request: pytest.FixtureRequest, folder: Path) -> SqlDosBackend:
    """A fresh, initialised and open storage on ``request.param`` (a backend name)."""
    backend: str = request.param
    if backend == "core.sqlite_dos":
        config: dict[str, object] = {"filepath": str(folder / "sqlite-dos")}
    else:
        server = request.getfixturevalue("postgres_server")
        config = server.storage_config(server.new_database_name(), folder / "psql-repo")
    profile = Profile.new(f"qb-{folder.name}", backend, config, test_profile=True)
    storage_class = get_storage_class(backend)
    storage_class.initialise(profile)
    storage: SqlDosBackend = storage_class(profile)  # type: ignore[assignment]
    return storage
