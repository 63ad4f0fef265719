"""The process-wide loaded profile and its open storage (the project's only global state).

Loading a profile is cheap and opens nothing; the storage is opened on first use by
:meth:`Manager.get_profile_storage`, after recording this process in the profile's access
records so exclusive work (full maintenance) knows the profile is in use.
"""

from __future__ import annotations

import logging
import os
import threading
from typing import TYPE_CHECKING, Any

from provgraph.access import ProfileAccessManager
from provgraph.config.config import Config
from provgraph.config.paths import CONFIG_FILENAME, get_config_dir
from provgraph.config.profile import Profile
from provgraph.exceptions import ConfigurationError, InvalidOperation

if TYPE_CHECKING:
    from provgraph.storage.abstract import StorageBackend

__all__ = [
    "ENV_PROFILE",
    "Manager",
    "get_manager",
    "get_profile",
    "load_profile",
    "unload_profile",
]

LOGGER = logging.getLogger(__name__)

ENV_PROFILE = "PROVGRAPH_PROFILE"


class Manager:
    """Holds the config, the loaded profile and (once used) its storage for this process.

    Thread-safe: a re-entrant lock makes sure the storage is opened once even if several
    threads ask for it at the same moment.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._config: Config | None = None
        self._profile: Profile | None = None
        self._storage: StorageBackend | None = None
        self._access: ProfileAccessManager | None = None

    # -- config ---------------------------------------------------------------------------------

    def get_config(self, create: bool = False) -> Config:
        """The config, read once and cached; with ``create`` a missing file gives an empty one."""
        with self._lock:
            if self._config is None:
                self._config = Config.load(create=create)
            return self._config

    # -- profile --------------------------------------------------------------------------------

    def load_profile(self, profile: str | Profile | None = None, allow_switch: bool = False) -> Profile:
        """Make ``profile`` the loaded one; its storage is opened later, on first use.

        None means: the loaded profile if there is one, else ``$PROVGRAPH_PROFILE``, else the
        config's default. Switching away from a profile whose storage is open needs
        ``allow_switch``, because objects bound to that storage stop working.
        """
        with self._lock:
            if profile is None and self._profile is not None:
                return self._profile
            target = self._resolve(profile)
            if self._profile is not None and self._profile.uuid == target.uuid:
                return self._profile
            if self._storage is not None and not allow_switch:
                current = self._profile.name if self._profile is not None else "?"
                raise InvalidOperation(
                    f"cannot switch to profile {target.name!r}: the storage of profile {current!r} is open "
                    "and objects loaded from it would stop working; pass allow_switch=True to close it"
                )
            self.unload_profile()
            self._profile = target
            LOGGER.debug("loaded profile %r", target.name)
            return target

    def _resolve(self, profile: str | Profile | None) -> Profile:
        if isinstance(profile, Profile):
            return profile
        if profile is None:
            profile = os.environ.get(ENV_PROFILE) or None
        was_cached = self._config is not None
        try:
            return self.get_config().get_profile(profile)
        except ConfigurationError:
            if not was_cached:
                raise
        # The cached config may predate the profile (added since by Config.modify): read it again.
        self._config = None
        return self.get_config().get_profile(profile)

    def get_profile(self) -> Profile | None:
        """The loaded profile, or None."""
        return self._profile

    def unload_profile(self) -> None:
        """Close the storage (if open) and forget the loaded profile."""
        with self._lock:
            self.reset_profile_storage()
            self._profile = None

    # -- storage --------------------------------------------------------------------------------

    def get_profile_storage(self) -> StorageBackend:
        """The loaded profile's storage, opened on the first call and shared afterwards.

        Loads the default profile if none is loaded.
        """
        with self._lock:
            if self._storage is not None and not self._storage.is_closed:
                return self._storage
            self.reset_profile_storage()  # drop a storage someone closed behind our back
            profile = self.load_profile()
            self._storage = self._open_storage(profile)
            return self._storage

    def _open_storage(self, profile: Profile) -> StorageBackend:
        from provgraph.storage import get_storage_class

        storage_class = get_storage_class(profile.storage_backend)
        # Records live next to the config that named the profile (the default folder otherwise).
        access = ProfileAccessManager(profile, self._config.dirpath if self._config is not None else None)
        access.request_access()
        try:
            storage = storage_class(profile)
        except BaseException:
            access.release_access()
            raise
        self._access = access
        LOGGER.debug("opened storage %s of profile %r", storage, profile.name)
        return storage

    @property
    def profile_storage_loaded(self) -> bool:
        """Whether the loaded profile's storage is open (without opening it)."""
        return self._storage is not None

    def reset_profile_storage(self) -> None:
        """Close the storage and drop it; the next :meth:`get_profile_storage` opens it anew."""
        with self._lock:
            storage, access = self._storage, self._access
            self._storage = self._access = None
            try:
                if storage is not None and not storage.is_closed:
                    storage.close()
            finally:
                if access is not None:
                    access.release_access()

    def reset_profile(self) -> None:
        """aiida-core's name: drop what the loaded profile has open (its storage); the profile stays."""
        self.reset_profile_storage()

    def reset(self) -> None:
        """Unload the profile and forget the cached config (tests call this between cases)."""
        with self._lock:
            self.unload_profile()
            self._config = None

    # -- options --------------------------------------------------------------------------------

    def get_option(self, name: str, default: Any = None) -> Any:
        """An option from the loaded profile, else the global options, else ``default``."""
        if self._profile is not None and name in self._profile.options:
            return self._profile.get_option(name)
        if self._config is None and not (get_config_dir() / CONFIG_FILENAME).exists():
            return default  # no config file: only built-in defaults apply
        return self.get_config().options.get(name, default)


_MANAGER = Manager()


def get_manager() -> Manager:
    """The process-wide :class:`Manager`."""
    return _MANAGER


def load_profile(profile: str | Profile | None = None, allow_switch: bool = False) -> Profile:
    """Load a profile in the process-wide manager; see :meth:`Manager.load_profile`.

    Without a name: the loaded profile, else ``$PROVGRAPH_PROFILE``, else the config's default::

        >>> import provgraph
        >>> profile = provgraph.load_profile()
        >>> profile is provgraph.get_profile()
        True
    """
    return get_manager().load_profile(profile, allow_switch=allow_switch)


def get_profile() -> Profile | None:
    """The profile loaded in this process, or None."""
    return get_manager().get_profile()


def unload_profile() -> None:
    """Close the loaded profile's storage and unload the profile."""
    get_manager().unload_profile()
