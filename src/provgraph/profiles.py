"""Creating and deleting profiles: the config entry and the storage behind it, together.

The config and the storage are changed in an order that loses nothing on failure: a new
profile's storage is created first and the config entry written last (a failure removes the
fresh storage again); a deleted profile's config entry goes first and its data last, so a
config never names a storage that was half destroyed.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provgraph.access import ProfileAccessManager
from provgraph.config import Config, ensure_config_dir, get_config_dir
from provgraph.config.paths import ensure_private_dir
from provgraph.config.profile import DEFAULT_USER_EMAIL, Profile, validate_profile_name
from provgraph.exceptions import ProfileExistsError
from provgraph.storage import EntityTypes, StorageBackend, get_storage_class

__all__ = [
    "ARCHIVE_BACKEND",
    "ProfileDeletion",
    "create_profile",
    "default_storage_location",
    "delete_profile",
    "profile_from_archive",
]

#: The storage backend that reads an AiiDA archive in place.
ARCHIVE_BACKEND = "core.sqlite_zip"

# What a file name may keep when it becomes a profile name (see validate_profile_name).
_NOT_IN_PROFILE_NAME = re.compile(r"[^A-Za-z0-9_.-]")

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
    email: str | None = None,
    *,
    set_default: bool | None = None,
    profile_uuid: str | None = None,
) -> Profile:
    """Initialise the storage, create its default user, then record the profile in the config.

    ``set_default=None`` makes the new profile the default only when there is none yet.
    ``email`` names the default user: by default ``provgraph@localhost``, created if missing.
    A read-only storage (an archive) is neither initialised nor given a user: it is opened to
    check that it can be read, and its default user is ``email`` or else its first user.
    """
    validate_profile_name(name)
    storage_cls = get_storage_class(backend)
    ensure_config_dir()  # before the storage, which may live inside it, creates it too loosely
    if name in Config.load(create=True).profile_names:
        raise ProfileExistsError(f"a profile named {name!r} exists already; choose another name")

    attributes: dict[str, Any] = {
        "PROFILE_UUID": profile_uuid or uuid.uuid4().hex,
        "storage": {"backend": backend, "config": dict(storage_config)},
        "default_user_email": email or DEFAULT_USER_EMAIL,
    }
    if storage_cls.read_only:
        first_email = _first_user_email(storage_cls(Profile(name, attributes)))  # also validates it
        attributes["default_user_email"] = email or first_email
        profile = Profile(name, attributes)
        _record_profile(profile, set_default)
        return profile
    profile = Profile(name, attributes)

    created = storage_cls.initialise(profile)
    try:
        _ensure_default_user(profile)
        _record_profile(profile, set_default)
    except BaseException:
        if created:
            LOGGER.warning("profile %r was not created; removing its new storage", name)
            _delete_storage(profile)
        raise
    return profile


def _record_profile(profile: Profile, set_default: bool | None) -> None:
    """Write the new profile into the config (the last step of creating one)."""
    with Config.modify() as config:
        config.add_profile(profile)
        if set_default or (set_default is None and config.default_profile_name is None):
            config.set_default_profile(profile.name)


def _first_user_email(storage: StorageBackend) -> str:
    """The email of the storage's first user (the default's if it has none), closing the storage.

    Opening the storage is also the check that it can be read at all.
    """
    try:
        rows = storage.get_rows(EntityTypes.USER, columns=["email"], limit=1)
    finally:
        storage.close()
    return str(rows[0]["email"]) if rows else DEFAULT_USER_EMAIL


def profile_from_archive(path: str | Path) -> Profile:
    """An in-memory profile that reads the AiiDA archive at ``path`` (never written to the config).

    Load it with ``provgraph.load_profile(profile)``; its storage (``core.sqlite_zip``) is
    read-only. The name is the file name (characters a profile name cannot hold become ``_``);
    the UUID is derived from the absolute path, so that loading the same archive again reuses
    its access records. The archive is validated here (version, metadata, database header,
    without extracting anything), so that an old or broken archive is reported at once rather
    than at the first query.
    """
    filepath = Path(path).expanduser().absolute()
    name = _NOT_IN_PROFILE_NAME.sub("_", filepath.name)[:100].lstrip("_.-") or "archive"
    profile = Profile(
        name,
        {
            "PROFILE_UUID": uuid.uuid5(uuid.NAMESPACE_URL, filepath.as_uri()).hex,
            "storage": {"backend": ARCHIVE_BACKEND, "config": {"filepath": str(filepath)}},
            "process_control": {"backend": None, "config": {}},
        },
    )
    get_storage_class(ARCHIVE_BACKEND)(profile).close()  # validates cheaply: extracts nothing
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
    profile is deleted and exactly one other remains, that one becomes the default. The data of
    a read-only storage (an archive: the user's own file) is always kept.
    """
    profile = Config.load().get_profile(name)
    keep_data = keep_data or get_storage_class(profile.storage_backend).read_only
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
