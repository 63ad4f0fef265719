"""A profile: one named storage (backend + how to reach it) and its default user."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Mapping
from typing import Any

from provgraph.exceptions import InvalidProfileNameError

__all__ = ["DEFAULT_USER_EMAIL", "Profile", "validate_profile_name"]

DEFAULT_USER_EMAIL = "provgraph@localhost"

# Names become folder and database names, so they are kept to a portable alphabet.
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


def validate_profile_name(name: object) -> str:
    """Return ``name`` if it can name a profile, else raise with the reason."""
    if not isinstance(name, str):
        raise InvalidProfileNameError(f"profile name must be a string, got {type(name).__name__}")
    if not _PROFILE_NAME.match(name):
        raise InvalidProfileNameError(
            f"invalid profile name {name!r}: use letters, digits, '.', '_' and '-' only "
            "(no spaces or path separators), starting with a letter or digit, at most 100 characters"
        )
    return name


class Profile:
    """A named profile as stored in ``config.json`` (AiiDA's layout).

    The dictionary form is the source of truth so that keys written by AiiDA or by a newer
    provgraph survive a load/save round trip untouched.
    """

    def __init__(self, name: str, attributes: Mapping[str, Any]) -> None:
        self._name = validate_profile_name(name)
        self._attributes: dict[str, Any] = copy.deepcopy(dict(attributes))
        self._attributes.setdefault("PROFILE_UUID", uuid.uuid4().hex)
        self._attributes.setdefault("process_control", {"backend": None, "config": {}})
        self._attributes.setdefault("options", {})
        self._attributes.setdefault("test_profile", False)

    @classmethod
    def new(
        cls,
        name: str,
        backend: str,
        storage_config: Mapping[str, Any],
        default_user_email: str = DEFAULT_USER_EMAIL,
        *,
        test_profile: bool = False,
    ) -> Profile:
        """Build a fresh profile with a new UUID."""
        return cls(
            name,
            {
                "storage": {"backend": backend, "config": dict(storage_config)},
                "default_user_email": default_user_email,
                "test_profile": test_profile,
            },
        )

    @property
    def name(self) -> str:
        return self._name

    @property
    def uuid(self) -> str:
        return str(self._attributes["PROFILE_UUID"])

    @property
    def storage_backend(self) -> str:
        return str(self._attributes["storage"]["backend"])

    @property
    def storage_config(self) -> dict[str, Any]:
        """The backend's settings; a copy, so callers cannot change the profile by accident."""
        return copy.deepcopy(dict(self._attributes["storage"].get("config", {})))

    @property
    def default_user_email(self) -> str:
        return str(self._attributes.get("default_user_email") or DEFAULT_USER_EMAIL)

    @property
    def options(self) -> dict[str, Any]:
        return dict(self._attributes.get("options", {}))

    @property
    def is_test_profile(self) -> bool:
        return bool(self._attributes.get("test_profile", False))

    def get_option(self, name: str, default: Any = None) -> Any:
        return self._attributes.get("options", {}).get(name, default)

    def set_option(self, name: str, value: Any) -> None:
        self._attributes.setdefault("options", {})[name] = value

    def to_dict(self) -> dict[str, Any]:
        """The profile as it is written into ``config.json``."""
        return copy.deepcopy(self._attributes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Profile) and other.name == self.name and other.uuid == self.uuid

    def __hash__(self) -> int:
        return hash((self._name, self.uuid))

    def __repr__(self) -> str:
        return f"Profile(name={self._name!r}, backend={self.storage_backend!r}, uuid={self.uuid!r})"
