"""Tools run against a loaded profile on each SQL backend (``backend_name`` parametrises)."""

from __future__ import annotations

import pytest

from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage.abstract import StorageBackend


@pytest.fixture(autouse=True)
def loaded_profile(registered_profile: Profile) -> Profile:
    """Every tools test gets the loaded test profile (see ``registered_profile``)."""
    return registered_profile


@pytest.fixture
def backend(loaded_profile: Profile) -> StorageBackend:
    """The loaded profile's open storage (the one ORM entities use by default)."""
    return get_manager().get_profile_storage()
