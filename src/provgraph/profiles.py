"""Creating and deleting profiles: the config entry and the storage behind it, together.

The config and the storage are changed in an order that loses nothing on failure: a new
profile's storage is created first and the config entry written last (a failure removes the
fresh storage again); a deleted profile's config entry goes first and its data last, so a
config never names a storage that was half destroyed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provgraph.access import ProfileAccessManager
from provgraph.config import Config, ensure_config_dir, get_config_dir
from provgraph.config.paths import ensure_private_dir
from provgraph.config.profile import DEFAULT_USER_EMAIL, Profile, validate_profile_name
from provgraph.exceptions import ProfileExistsError
from provgraph.storage import EntityTypes, get_storage_class

__all__ = ["ProfileDeletion", "create_profile", "default_storage_location", "delete_profile"]

LOGGER = logging.getLogger(__name__)


def default_storage_location(backend: str, profile_uuid: str) -> str:
    """Where a profile keeps its files when the user does not say (as AiiDA's ``presto``)."""
    short_name = backend.removeprefix("core.")
    parent = ensure_private_dir(get_config_dir() / "repository")  # data is as private as the config
    return str(parent / f"{short_name}_{profile_uuid}")


def create_profile(
    name: str,
    backend: str,
    storage_config: Mapping[str, Any],
    email: str = DEFAULT_USER_EMAIL,
    *,
    set_default: bool | None = None,
    profile_uuid: str | None = None,
) -> Profile:
    """Initialise the storage, create its default user, then record the profile in the config.

    ``set_default=None`` makes the new profile the default only when there is none yet.
    """
    validate_profile_name(name)
    storage_cls = get_storage_class(backend)
    ensure_config_dir()  # before the storage, which may live inside it, creates it too loosely
    if name in Config.load(create=True).profile_names:
        raise ProfileExistsError(f"a profile named {name!r} exists already; choose another name")

    attributes: dict[str, Any] = {
        "storage": {"backend": backend, "config": dict(storage_config)},
        "default_user_email": email,
    }
    if profile_uuid is not None:
        attributes["PROFILE_UUID"] = profile_uuid
    profile = Profile(name, attributes)

    created = storage_cls.initialise(profile)
    try:
        _ensure_default_user(profile)
        with Config.modify() as config:
            config.add_profile(profile)
            if set_default or (set_default is None and config.default_profile_name is None):
                config.set_default_profile(name)
    except BaseException:
        if created:
            LOGGER.warning("profile %r was not created; removing its new storage", name)
            _delete_storage(profile)
        raise
    return profile


def _ensure_default_user(profile: Profile) -> None:
    storage = get_storage_class(profile.storage_backend)(profile)
    try:
        details = storage.get_entity_details().get("Users", {})
        if profile.default_user_email not in details.get("emails", []):
            row = {"email": profile.default_user_email, "first_name": "", "last_name": "", "institution": ""}
            storage.bulk_insert(EntityTypes.USER, [row])
    finally:
        storage.close()


def _delete_storage(profile: Profile) -> None:
    storage = get_storage_class(profile.storage_backend)(profile)
    try:
        storage.delete()
    finally:
        storage.close()


@dataclass(frozen=True, slots=True)
class ProfileDeletion:
    """What :func:`delete_profile` did, for the CLI to report."""

    name: str
    data_deleted: bool
    new_default: str | None
    was_default: bool


def delete_profile(name: str, *, keep_data: bool = False) -> ProfileDeletion:
    """Remove a profile from the config and, unless ``keep_data``, destroy its storage.

    Refuses (``LockingProfileError``) while another process uses the profile. When the default
    profile is deleted and exactly one other remains, that one becomes the default.
    """
    profile = Config.load().get_profile(name)
    with ProfileAccessManager(profile).lock():
        with Config.modify() as config:
            was_default = config.default_profile_name == name
            config.remove_profile(name)
            new_default: str | None = None
            if was_default and len(config.profile_names) == 1:
                new_default = config.profile_names[0]
                config.set_default_profile(new_default)
        if not keep_data:
            _delete_storage(profile)
    return ProfileDeletion(
        name=name, data_deleted=not keep_data, new_default=new_default, was_default=was_default
    )
