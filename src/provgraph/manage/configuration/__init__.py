"""aiida-core's ``aiida.manage.configuration``: the config, profiles and loading them.

Example::

    from provgraph.manage.configuration import get_config, load_profile
    config = get_config()
    load_profile(config.default_profile_name)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from provgraph.config import Config, Profile
from provgraph.manager import get_manager, get_profile, load_profile
from provgraph.profiles import create_profile as _create_profile

__all__ = [
    "Config",
    "Profile",
    "create_profile",
    "get_config",
    "get_config_option",
    "get_profile",
    "load_profile",
    "profile_context",
    "reset_config",
]


def get_config(create: bool = False) -> Config:
    """The config of ``$PROVGRAPH_PATH``; ``MissingConfigurationError`` if none and not ``create``."""
    return get_manager().get_config(create=create)


def reset_config() -> None:
    """Forget the loaded config and profile; the next use reads ``config.json`` again."""
    get_manager().reset()


def get_config_option(option_name: str) -> Any:
    """A config option as the loaded profile sees it (profile, then global, then None)."""
    return get_manager().get_option(option_name)


def create_profile(
    config: Config,
    *,
    storage_backend: str,
    storage_config: Mapping[str, Any],
    name: str,
    email: str,
    broker_backend: str | None = None,
    broker_config: Mapping[str, Any] | None = None,
    is_test_profile: bool = False,
    **_: Any,
) -> Profile:
    """Create a profile and its storage (aiida-core's signature; provgraph has no message broker).

    ``config`` must be the config of the current ``$PROVGRAPH_PATH``: the profile is written there.
    """
    if broker_backend:
        raise ValueError(f"provgraph has no message broker; got broker_backend={broker_backend!r}")
    _create_profile(name, storage_backend, storage_config, email)
    if is_test_profile:
        with Config.modify(dirpath=config.dirpath) as modified:
            stored = modified.get_profile(name)
            modified.update_profile(Profile(name, {**stored.to_dict(), "test_profile": True}))
    get_manager().reset()
    return get_manager().get_config().get_profile(name)


@contextlib.contextmanager
def profile_context(profile: Profile | str | None = None, allow_switch: bool = False) -> Iterator[Profile]:
    """Load ``profile`` for the block, then load the one loaded before (or none)."""
    manager = get_manager()
    previous = manager.get_profile()
    loaded = manager.load_profile(profile, allow_switch=allow_switch)
    try:
        yield loaded
    finally:
        manager.unload_profile()
        if previous is not None:
            manager.load_profile(previous, allow_switch=True)
