"""Process functions run against a loaded profile on each SQL backend (``backend_name`` parametrises)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage import EntityTypes


@pytest.fixture(autouse=True)
def loaded_profile(profile: Profile) -> Iterator[Profile]:
    """The test profile as default, with its default user, loaded."""
    with Config.modify() as config:
        config.add_profile(profile)
        config.set_default_profile(profile.name)
    manager = get_manager()
    manager.reset()
    manager.load_profile(profile.name)
    storage = manager.get_profile_storage()
    row = {"email": profile.default_user_email, "first_name": "", "last_name": "", "institution": ""}
    storage.bulk_insert(EntityTypes.USER, [row])
    yield profile
    manager.reset()
