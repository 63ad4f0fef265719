"""``config.json``: the profiles, the default profile and global options.

Every change that must not be lost goes through :meth:`Config.modify`, which re-reads the file
under an exclusive lock and writes it back atomically, so two processes adding profiles at the
same time both succeed. A file that cannot be understood is reported and never rewritten.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from provgraph.config.files import atomic_write, exclusive_lock
from provgraph.config.paths import CONFIG_FILENAME, ensure_private_dir, get_config_dir
from provgraph.config.profile import Profile
from provgraph.config.schema import (
    CONFIG_VERSION,
    OLDEST_COMPATIBLE_CONFIG_VERSION,
    ConfigSchema,
    format_validation_error,
)
from provgraph.exceptions import (
    ConfigurationError,
    ConfigVersionError,
    MissingConfigurationError,
    ProfileExistsError,
    ProfileNotFoundError,
)

__all__ = ["LOCK_FILENAME", "Config"]

LOCK_FILENAME = f"{CONFIG_FILENAME}.lock"
JSON_INDENT = 4


def _new_version() -> dict[str, int]:
    return {"CURRENT": CONFIG_VERSION, "OLDEST_COMPATIBLE": OLDEST_COMPATIBLE_CONFIG_VERSION}


def _parse(raw: bytes, filepath: Path) -> dict[str, Any]:
    """Decode and check a config file's bytes; every problem becomes one ConfigurationError line."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"invalid config file {filepath}: not valid JSON at line {exc.lineno} column {exc.colno}: "
            f"{exc.msg}"
        ) from exc
    except ValueError as exc:  # bytes that are not UTF-8 text
        raise ConfigurationError(f"invalid config file {filepath}: not UTF-8 text ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(
            f"invalid config file {filepath}: (top level): expected a JSON object, got {type(data).__name__}"
        )
    _check_version(data, filepath)
    try:
        ConfigSchema.model_validate(data)
    except ValidationError as exc:
        raise ConfigurationError(f"invalid config file {filepath}: {format_validation_error(exc)}") from exc
    return data


def _check_version(data: Mapping[str, Any], filepath: Path) -> None:
    """Refuse configs we cannot read before the schema complains about their (other) layout."""
    version = data.get("CONFIG_VERSION")
    if not isinstance(version, dict):
        return  # the schema reports the missing or malformed key
    oldest, current = version.get("OLDEST_COMPATIBLE"), version.get("CURRENT")
    if isinstance(oldest, int) and oldest > CONFIG_VERSION:
        raise ConfigVersionError(
            f"config file {filepath} needs a newer provgraph: CONFIG_VERSION.OLDEST_COMPATIBLE is {oldest}, "
            f"this provgraph reads version {CONFIG_VERSION}; upgrade provgraph"
        )
    if isinstance(current, int) and current < OLDEST_COMPATIBLE_CONFIG_VERSION:
        raise ConfigVersionError(
            f"config file {filepath} is too old: CONFIG_VERSION.CURRENT is {current}, but provgraph reads "
            f"version {CONFIG_VERSION} configs only; let aiida-core migrate it (run `verdi config list`)"
        )


_UNSET = object()


class Config:
    """The contents of one ``config.json``; changes stay in memory until written.

    Load with :meth:`load` to read, use :meth:`modify` to change: it holds the lock from read to
    write. :meth:`store` writes this object's view as it is, overwriting changes other processes
    made since it was loaded.
    """

    def __init__(self, filepath: Path, data: Mapping[str, Any] | None = None) -> None:
        """Wrap already validated ``data`` (the parsed JSON); None gives an empty config."""
        rest = copy.deepcopy(dict(data or {}))
        self._filepath = filepath
        self._version: dict[str, Any] = rest.pop("CONFIG_VERSION", _new_version())
        self._profiles = {name: Profile(name, attrs) for name, attrs in rest.pop("profiles", {}).items()}
        self._default_profile: str | None = rest.pop("default_profile", None)
        self._options: dict[str, Any] = rest.pop("options", {})
        self._extra = rest  # unknown top-level keys, written back as they came

    # -- reading and writing --------------------------------------------------------------------

    @classmethod
    def load(cls, create: bool = False, *, dirpath: Path | None = None) -> Config:
        """Read ``config.json`` from ``dirpath`` (default: the config folder).

        With ``create`` a missing file gives an empty config (nothing is written).
        """
        filepath = (dirpath if dirpath is not None else get_config_dir()) / CONFIG_FILENAME
        try:
            raw = filepath.read_bytes()
        except FileNotFoundError:
            if create:
                return cls(filepath)
            raise MissingConfigurationError(
                f"no config file at {filepath}; run `provgraph quickstart` or `provgraph profile setup` "
                "to create a profile"
            ) from None
        except OSError as exc:
            raise ConfigurationError(f"cannot read config file {filepath}: {exc.strerror}") from exc
        return cls(filepath, _parse(raw, filepath))

    @classmethod
    @contextlib.contextmanager
    def modify(cls, *, dirpath: Path | None = None) -> Iterator[Config]:
        """Yield the config as it is on disk now and write it back when the block succeeds.

        Other writers wait for the lock, so none of their changes is lost. If the block raises,
        nothing is written.
        """
        folder = ensure_private_dir(dirpath if dirpath is not None else get_config_dir())
        with exclusive_lock(folder / LOCK_FILENAME):
            config = cls.load(create=True, dirpath=folder)
            yield config
            config._write()

    def store(self) -> None:
        """Write this config to its file atomically (mode 0600)."""
        ensure_private_dir(self.dirpath)
        with exclusive_lock(self.dirpath / LOCK_FILENAME):
            self._write()

    def _write(self) -> None:
        data = self.to_dict()
        try:
            ConfigSchema.model_validate(data)
        except ValidationError as exc:
            raise ConfigurationError(
                f"refusing to write an invalid config to {self._filepath}: {format_validation_error(exc)}"
            ) from exc
        try:
            text = json.dumps(data, indent=JSON_INDENT) + "\n"
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"cannot write config to {self._filepath}: {exc}") from exc
        try:
            atomic_write(self._filepath, text.encode("utf-8"))
        except OSError as exc:
            reason = exc.strerror or exc
            raise ConfigurationError(f"cannot write config file {self._filepath}: {reason}") from exc

    def to_dict(self) -> dict[str, Any]:
        """The config as written to ``config.json`` (AiiDA's key order)."""
        data: dict[str, Any] = {
            "CONFIG_VERSION": copy.deepcopy(self._version),
            "profiles": {name: profile.to_dict() for name, profile in self._profiles.items()},
        }
        if self._default_profile is not None:
            data["default_profile"] = self._default_profile
        data["options"] = copy.deepcopy(self._options)
        data.update(copy.deepcopy(self._extra))
        return data

    # -- where ----------------------------------------------------------------------------------

    @property
    def filepath(self) -> Path:
        return self._filepath

    @property
    def dirpath(self) -> Path:
        return self._filepath.parent

    @property
    def version(self) -> int:
        """``CONFIG_VERSION.CURRENT`` as read (kept on write, even when newer than ours)."""
        return int(self._version["CURRENT"])

    # -- profiles -------------------------------------------------------------------------------

    @property
    def default_profile_name(self) -> str | None:
        return self._default_profile

    @property
    def profiles(self) -> list[Profile]:
        return list(self._profiles.values())

    @property
    def profile_names(self) -> list[str]:
        return list(self._profiles)

    def get_profile(self, name: str | None = None) -> Profile:
        """The named profile, or the default one when ``name`` is None."""
        if name is None:
            if self._default_profile is None:
                raise ConfigurationError(
                    f"no default profile is set in {self._filepath}; name a profile "
                    f"(existing: {self._describe_names()}) or set a default with "
                    "`provgraph profile set-default NAME`"
                )
            name = self._default_profile
        try:
            return self._profiles[name]
        except KeyError:
            raise ProfileNotFoundError(
                f"no profile {name!r} in {self._filepath}; existing profiles: {self._describe_names()}"
            ) from None

    def add_profile(self, profile: Profile, overwrite: bool = False) -> None:
        """Add ``profile``; an existing one of the same name is replaced only with ``overwrite``."""
        if profile.name in self._profiles and not overwrite:
            raise ProfileExistsError(
                f"profile {profile.name!r} exists already in {self._filepath}; "
                "choose another name or remove the existing profile first"
            )
        self._profiles[profile.name] = profile

    def update_profile(self, profile: Profile) -> None:
        """Replace the stored profile of the same name."""
        self.get_profile(profile.name)  # raises ProfileNotFoundError
        self._profiles[profile.name] = profile

    def remove_profile(self, name: str) -> Profile:
        """Remove (and return) a profile; it stops being the default if it was. Its storage is kept."""
        profile = self.get_profile(name)
        del self._profiles[name]
        if self._default_profile == name:
            self._default_profile = None
        return profile

    def set_default_profile(self, name: str, overwrite: bool = True) -> None:
        """Make ``name`` the default; without ``overwrite`` only if no default is set yet."""
        self.get_profile(name)  # raises ProfileNotFoundError
        if overwrite or self._default_profile is None:
            self._default_profile = name

    def _describe_names(self) -> str:
        return ", ".join(repr(name) for name in self._profiles) or "none"

    # -- options --------------------------------------------------------------------------------

    @property
    def options(self) -> dict[str, Any]:
        """The global options (a copy)."""
        return copy.deepcopy(self._options)

    def get_option(self, name: str, profile: str | Profile | None = None, default: Any = None) -> Any:
        """An option from the profile's options, else the global ones, else ``default``."""
        if profile is not None:
            owner = self.get_profile(profile) if isinstance(profile, str) else profile
            if name in owner.options:
                return owner.get_option(name)
        return self._options.get(name, default)

    def set_option(self, name: str, value: Any, profile: str | None = None) -> None:
        """Set a global option, or one of the named profile's."""
        if profile is None:
            self._options[name] = value
        else:
            self.get_profile(profile).set_option(name, value)

    def unset_option(self, name: str, profile: str | None = None) -> bool:
        """Remove a global option, or one of the named profile's; whether it was set."""
        if profile is None:
            return self._options.pop(name, _UNSET) is not _UNSET
        owner = self.get_profile(profile)
        if name not in owner.options:
            return False
        attributes = owner.to_dict()
        del attributes["options"][name]
        self.update_profile(Profile(profile, attributes))
        return True

    def __repr__(self) -> str:
        return f"Config(filepath={str(self._filepath)!r}, profiles={self.profile_names!r})"
