"""The process-wide manager: which profile is loaded and when its storage is opened."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from provgraph.access import ProfileAccessManager
from provgraph.config import Config, Profile
from provgraph.exceptions import (
    ConfigurationError,
    InvalidOperation,
    LockedProfileError,
    ProfileNotFoundError,
)
from provgraph.manager import Manager, get_manager, get_profile, load_profile, unload_profile

ProfileFactory = Callable[..., Profile]


@pytest.fixture
def manager() -> Iterator[Manager]:
    manager = Manager()
    yield manager
    manager.reset()


def write_profiles(*profiles: Profile, default: str | None = None) -> None:
    with Config.modify() as config:
        for profile in profiles:
            config.add_profile(profile)
        if default is not None:
            config.set_default_profile(default)


@pytest.fixture
def two_profiles(make_profile: ProfileFactory) -> tuple[Profile, Profile]:
    """Two profiles in the config, the first is the default; their storage is not initialised."""
    alpha, beta = make_profile(name="alpha"), make_profile(name="beta")
    write_profiles(alpha, beta, default="alpha")
    return alpha, beta


@pytest.fixture
def two_storages(make_profile: ProfileFactory) -> tuple[Profile, Profile]:
    """Like ``two_profiles`` but with initialised core.sqlite_dos storage."""
    from provgraph.storage import get_storage_class

    alpha, beta = make_profile(name="alpha"), make_profile(name="beta")
    for profile in (alpha, beta):
        get_storage_class(profile.storage_backend).initialise(profile)
    write_profiles(alpha, beta, default="alpha")
    return alpha, beta


def own_access_record(profile: Profile) -> Path:
    return ProfileAccessManager(profile).dirpath / f"{os.getpid()}.pid"


# -- loading profiles -------------------------------------------------------------------------


def test_load_by_name_and_default(manager: Manager, two_profiles: tuple[Profile, Profile]) -> None:
    alpha, beta = two_profiles
    assert manager.get_profile() is None
    assert manager.load_profile("beta") == beta
    assert manager.get_profile() == beta
    manager.unload_profile()
    assert manager.get_profile() is None
    assert manager.load_profile() == alpha


def test_load_from_environment(
    manager: Manager, two_profiles: tuple[Profile, Profile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVGRAPH_PROFILE", "beta")
    assert manager.load_profile().name == "beta"


def test_none_returns_the_loaded_profile(
    manager: Manager, two_profiles: tuple[Profile, Profile], monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = manager.load_profile("beta")
    monkeypatch.setenv("PROVGRAPH_PROFILE", "alpha")
    assert manager.load_profile() is loaded


def test_same_profile_twice_is_a_no_op(manager: Manager, two_profiles: tuple[Profile, Profile]) -> None:
    loaded = manager.load_profile("alpha")
    assert manager.load_profile("alpha") is loaded
    assert manager.load_profile(Profile("alpha", two_profiles[0].to_dict())) is loaded


def test_load_a_profile_object_not_in_the_config(manager: Manager, make_profile: ProfileFactory) -> None:
    profile = make_profile(name="loose")
    assert manager.load_profile(profile) is profile


def test_unknown_profile_lists_the_names(manager: Manager, two_profiles: tuple[Profile, Profile]) -> None:
    with pytest.raises(ProfileNotFoundError, match=r"'nope'.*'alpha', 'beta'"):
        manager.load_profile("nope")
    assert manager.get_profile() is None


def test_unknown_profile_from_environment(
    manager: Manager, two_profiles: tuple[Profile, Profile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVGRAPH_PROFILE", "gone")
    with pytest.raises(ProfileNotFoundError, match="'gone'"):
        manager.load_profile()


def test_no_config(manager: Manager) -> None:
    with pytest.raises(ConfigurationError, match="provgraph quickstart"):
        manager.load_profile()
    with pytest.raises(ConfigurationError, match="provgraph quickstart"):
        manager.get_profile_storage()
    assert manager.get_config(create=True).profiles == []


def test_no_default_profile(manager: Manager, make_profile: ProfileFactory) -> None:
    write_profiles(make_profile(name="only"))
    with pytest.raises(ConfigurationError, match=r"no default profile.*'only'"):
        manager.get_profile_storage()


def test_switch_without_open_storage_needs_no_permission(
    manager: Manager, two_profiles: tuple[Profile, Profile]
) -> None:
    manager.load_profile("alpha")
    assert manager.load_profile("beta").name == "beta"


def test_config_is_cached_until_reset(manager: Manager, two_profiles: tuple[Profile, Profile]) -> None:
    config = manager.get_config()
    assert manager.get_config() is config
    manager.reset()
    assert manager.get_config() is not config


def test_profile_added_after_the_config_was_cached(
    manager: Manager, two_profiles: tuple[Profile, Profile], make_profile: ProfileFactory
) -> None:
    assert manager.get_config().profile_names == ["alpha", "beta"]
    write_profiles(make_profile(name="gamma"))
    assert manager.load_profile("gamma").name == "gamma"
    assert "gamma" in manager.get_config().profile_names


def test_get_option_profile_then_global_then_default(manager: Manager, make_profile: ProfileFactory) -> None:
    assert manager.get_option("db.batch_size", 100) == 100  # no config file at all
    profile = make_profile(name="opts")
    profile.set_option("runner.poll.interval", 5)
    write_profiles(profile, default="opts")
    with Config.modify() as config:
        config.set_option("runner.poll.interval", 60)
        config.set_option("db.batch_size", 7)
    manager.load_profile()
    assert manager.get_option("runner.poll.interval") == 5
    assert manager.get_option("db.batch_size") == 7
    assert manager.get_option("missing", "fallback") == "fallback"


def test_module_functions_use_the_singleton(two_profiles: tuple[Profile, Profile]) -> None:
    assert get_manager() is get_manager()
    assert load_profile("beta").name == "beta"
    assert get_profile() is get_manager().get_profile()
    unload_profile()
    assert get_profile() is None


# -- the storage ------------------------------------------------------------------------------


def test_storage_is_opened_lazily_and_once(manager: Manager, two_storages: tuple[Profile, Profile]) -> None:
    alpha, _ = two_storages
    manager.load_profile("alpha")
    assert not manager.profile_storage_loaded
    assert not own_access_record(alpha).exists()

    storage = manager.get_profile_storage()
    assert manager.profile_storage_loaded
    assert manager.get_profile_storage() is storage
    assert storage.profile == alpha
    assert own_access_record(alpha).exists()

    manager.reset_profile_storage()
    assert storage.is_closed
    assert not manager.profile_storage_loaded
    assert not own_access_record(alpha).exists()
    reopened = manager.get_profile_storage()
    assert reopened is not storage
    assert not reopened.is_closed


def test_storage_loads_the_default_profile(manager: Manager, two_storages: tuple[Profile, Profile]) -> None:
    storage = manager.get_profile_storage()
    assert manager.get_profile() == two_storages[0]
    assert storage.profile == two_storages[0]


def test_switch_with_open_storage(manager: Manager, two_storages: tuple[Profile, Profile]) -> None:
    alpha, beta = two_storages
    manager.load_profile("alpha")
    storage = manager.get_profile_storage()

    with pytest.raises(InvalidOperation, match="allow_switch=True"):
        manager.load_profile("beta")
    assert manager.get_profile() == alpha
    assert manager.get_profile_storage() is storage
    assert manager.load_profile("alpha") == alpha  # the same profile is no switch

    assert manager.load_profile("beta", allow_switch=True) == beta
    assert storage.is_closed
    assert not manager.profile_storage_loaded
    assert not own_access_record(alpha).exists()
    assert manager.get_profile_storage().profile == beta


def test_unload_closes_the_storage(manager: Manager, two_storages: tuple[Profile, Profile]) -> None:
    storage = manager.get_profile_storage()
    manager.unload_profile()
    assert storage.is_closed
    assert manager.get_profile() is None
    assert not manager.profile_storage_loaded


def test_storage_closed_behind_the_managers_back_is_reopened(
    manager: Manager, two_storages: tuple[Profile, Profile]
) -> None:
    storage = manager.get_profile_storage()
    storage.close()
    reopened = manager.get_profile_storage()
    assert reopened is not storage
    assert not reopened.is_closed


def test_locked_profile_is_not_opened(manager: Manager, two_storages: tuple[Profile, Profile]) -> None:
    alpha, _ = two_storages
    access = ProfileAccessManager(alpha)
    access.dirpath.mkdir(parents=True)
    other = subprocess.Popen(["sleep", "60"])
    try:
        while psutil.Process(other.pid).cmdline() != other.args:  # until exec replaced the fork
            time.sleep(0.005)
        (access.dirpath / f"{other.pid}.lock").write_text(str(psutil.Process(other.pid).cmdline()))
        with pytest.raises(LockedProfileError, match=f"locked by PID {other.pid}"):
            manager.get_profile_storage()
        assert not manager.profile_storage_loaded
        assert not own_access_record(alpha).exists()
    finally:
        other.kill()
        other.wait()
    assert not manager.get_profile_storage().is_closed
