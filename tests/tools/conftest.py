"""Tools that need a loaded profile get one on each SQL backend (``backend_name`` parametrises).

Modules that want it for every test say ``pytestmark = pytest.mark.usefixtures("loaded_profile")``;
tools that work on files alone (archive migration) run once, with no profile.
"""

from __future__ import annotations

import pytest

from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage.abstract import StorageBackend


@pytest.fixture
def loaded_profile(registered_profile: Profile) -> Profile:
    """The loaded test profile (see ``registered_profile``)."""
    return registered_profile


@pytest.fixture
def backend(loaded_profile: Profile) -> StorageBackend:
    """The loaded profile's open storage (the one ORM entities use by default)."""
    return get_manager().get_profile_storage()
