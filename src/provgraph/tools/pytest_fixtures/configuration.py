"""Temporary config folders and profiles (aiida-core's ``aiida_config*`` and ``aiida_profile*`` fixtures)."""

from __future__ import annotations

import contextlib
import os
import pathlib
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from provgraph import orm
from provgraph.config import Config, Profile
from provgraph.config.paths import ENV_CONFIG_DIR
from provgraph.manager import Manager, get_manager
from provgraph.profiles import create_profile

__all__ = [
    "aiida_config",
    "aiida_config_factory",
    "aiida_config_tmp",
    "aiida_manager",
    "aiida_profile",
    "aiida_profile_clean",
    "aiida_profile_clean_class",
    "aiida_profile_factory",
    "aiida_profile_tmp",
]

ENV_TEST_STORAGE = "PROVGRAPH_TEST_STORAGE"


@pytest.fixture(scope="session")
def aiida_config_factory() -> Callable[[pathlib.Path], contextlib.AbstractContextManager[Config]]:
    """Context manager ``factory(dirpath)``: a new config folder inside ``dirpath``, in use for the block.

    The config folder and the profile in use before are restored afterwards.
    """

    @contextlib.contextmanager
    def factory(dirpath: pathlib.Path) -> Iterator[Config]:
        manager = get_manager()
        previous_path = os.environ.get(ENV_CONFIG_DIR)
        previous_profile = manager.get_profile()
        os.environ[ENV_CONFIG_DIR] = str(pathlib.Path(dirpath) / ".provgraph")
        manager.reset()
        try:
            yield manager.get_config(create=True)
        finally:
            manager.reset()
            if previous_path is None:
                os.environ.pop(ENV_CONFIG_DIR, None)
            else:
                os.environ[ENV_CONFIG_DIR] = previous_path
            if previous_profile is not None:
                manager.load_profile(previous_profile.name, allow_switch=True)

    return factory


def _reset_storage(manager: Manager, profile: Profile, email: str) -> None:
    """Empty the profile's storage and store its default user again (aiida-core's ``reset_storage``)."""
    manager.get_profile_storage()._clear()
    manager.reset_profile_storage()
    orm.User(email=profile.default_user_email or email).store()


@pytest.fixture(scope="session")
def aiida_profile_factory() -> Callable[..., contextlib.AbstractContextManager[Profile]]:
    """Context manager ``factory(config, *, storage_backend=..., storage_config=None, name=None, email=...)``.

    Creates a profile in ``config``'s folder, loads it for the block (the profile loaded before
    comes back afterwards) and gives it a ``reset_storage()`` method that empties its storage.
    provgraph has no message broker: a ``broker_backend`` is refused.
    """

    @contextlib.contextmanager
    def factory(
        config: Config,
        *,
        storage_backend: str = "core.sqlite_dos",
        storage_config: dict[str, Any] | None = None,
        broker_backend: str | None = None,
        broker_config: dict[str, Any] | None = None,
        name: str | None = None,
        email: str = "test@localhost",
    ) -> Iterator[Profile]:
        if broker_backend:
            raise ValueError(f"provgraph has no message broker; got broker_backend={broker_backend!r}")
        manager = get_manager()
        name = name or secrets.token_hex(16)
        if storage_config is None:
            if storage_backend != "core.sqlite_dos":
                raise ValueError(f"{storage_backend} needs a storage_config (see config_psql_dos)")
            storage_config = {"filepath": str(pathlib.Path(config.dirpath) / name / "storage")}
        profile = create_profile(name, storage_backend, storage_config, email, set_default=True)
        previous = manager.get_profile()
        manager.reset()
        loaded = manager.load_profile(profile.name, allow_switch=True)
        setattr(loaded, "reset_storage", lambda: _reset_storage(manager, loaded, email))  # noqa: B010
        try:
            yield loaded
        finally:
            manager.unload_profile()
            if previous is not None:
                manager.load_profile(previous.name, allow_switch=True)

    return factory


@pytest.fixture(scope="session", autouse=True)
def aiida_config(
    tmp_path_factory: pytest.TempPathFactory,
    aiida_config_factory: Callable[[pathlib.Path], contextlib.AbstractContextManager[Config]],
) -> Iterator[Config]:
    """A temporary config folder for the whole session, in use."""
    with aiida_config_factory(tmp_path_factory.mktemp(secrets.token_hex(8))) as config:
        yield config


@pytest.fixture(scope="session", autouse=True)
def aiida_profile(
    aiida_config: Config,
    aiida_profile_factory: Callable[..., contextlib.AbstractContextManager[Profile]],
    config_psql_dos: Callable[..., dict[str, Any]],
) -> Iterator[Profile]:
    """A loaded test profile for the session: ``core.sqlite_dos``, or ``$PROVGRAPH_TEST_STORAGE``."""
    backend = os.environ.get(ENV_TEST_STORAGE) or "core.sqlite_dos"
    storage_config = config_psql_dos() if backend == "core.psql_dos" else None
    with aiida_profile_factory(
        aiida_config, storage_backend=backend, storage_config=storage_config
    ) as profile:
        yield profile


@pytest.fixture
def aiida_profile_clean(aiida_profile: Profile) -> Profile:
    """The session's profile, emptied before the test (only the default user is left)."""
    aiida_profile.reset_storage()  # type: ignore[attr-defined]
    return aiida_profile


@pytest.fixture(scope="class")
def aiida_profile_clean_class(aiida_profile: Profile) -> Profile:
    """The session's profile, emptied once before the tests of a class."""
    aiida_profile.reset_storage()  # type: ignore[attr-defined]
    return aiida_profile


@pytest.fixture
def aiida_config_tmp(
    tmp_path: pathlib.Path,
    aiida_config_factory: Callable[[pathlib.Path], contextlib.AbstractContextManager[Config]],
) -> Iterator[Config]:
    """A config folder of its own for one test."""
    with aiida_config_factory(tmp_path) as config:
        yield config


@pytest.fixture
def aiida_profile_tmp(
    aiida_config_tmp: Config,
    aiida_profile_factory: Callable[..., contextlib.AbstractContextManager[Profile]],
) -> Iterator[Profile]:
    """A ``core.sqlite_dos`` profile of its own for one test."""
    with aiida_profile_factory(aiida_config_tmp) as profile:
        yield profile


@pytest.fixture(scope="session")
def aiida_manager() -> Manager:
    """The process-wide manager."""
    return get_manager()
