"""An AiiDA archive read in place as a profile: never written to the config, nothing created."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from provgraph.config.profile import DEFAULT_USER_EMAIL, Profile
from provgraph.storage import EntityTypes, StorageBackend, get_storage_class

__all__ = ["ARCHIVE_BACKEND", "first_user_email", "profile_from_archive"]

#: The storage backend that reads an AiiDA archive in place.
ARCHIVE_BACKEND = "core.sqlite_zip"

# What a file name may keep when it becomes a profile name (see validate_profile_name).
_NOT_IN_PROFILE_NAME = re.compile(r"[^A-Za-z0-9_.-]")


def first_user_email(storage: StorageBackend) -> str:
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

    Example::

        profile = profile_from_archive("export.aiida")
        provgraph.load_profile(profile)
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
