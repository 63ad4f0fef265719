"""Profiles as a whole: the config entry and the storage behind it, changed together.

Creating a profile makes its storage and default user first and writes ``config.json`` last;
an error, Ctrl-C or even SIGKILL leaves no half profile that cannot be found and removed
(``creation.py``, ``records.py``). Deleting one removes the storage first and the config entry
only after, and says exactly what it could not remove (``deletion.py``). Migrating a storage
holds the profile's lock (``migration.py``). An AiiDA archive can be read as a profile without
being recorded anywhere (``archive.py``).
"""

from __future__ import annotations

from provgraph.profiles.archive import ARCHIVE_BACKEND, profile_from_archive
from provgraph.profiles.creation import Notify, create_profile, default_storage_location
from provgraph.profiles.deletion import ProfileDeletion, delete_profile
from provgraph.profiles.migration import StorageMigration, migrate_storage
from provgraph.profiles.records import SetupRecord, setup_records

__all__ = [
    "ARCHIVE_BACKEND",
    "Notify",
    "ProfileDeletion",
    "SetupRecord",
    "StorageMigration",
    "create_profile",
    "default_storage_location",
    "delete_profile",
    "migrate_storage",
    "profile_from_archive",
    "setup_records",
]
