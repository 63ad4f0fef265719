"""Fixtures of the archive tests: the loaded test profile of each SQL backend and its storage."""

from __future__ import annotations

import pytest

from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage.abstract import StorageBackend


@pytest.fixture
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile (tests/conftest.py), with wide tables for CLI output."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


@pytest.fixture
def backend(registered: Profile) -> StorageBackend:
    """The loaded profile's open storage."""
    return get_manager().get_profile_storage()
