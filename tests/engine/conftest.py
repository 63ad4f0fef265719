"""The engine facade runs process functions against a loaded profile on each SQL backend."""

from __future__ import annotations

import pytest

from provgraph.config.profile import Profile


@pytest.fixture(autouse=True)
def loaded_profile(registered_profile: Profile) -> Profile:
    """Every test here gets the loaded test profile (see ``registered_profile``)."""
    return registered_profile
