"""Migrating a profile's storage to this provgraph's schema, with the profile to itself."""

from __future__ import annotations

from dataclasses import dataclass

from provgraph.access import ProfileAccessManager
from provgraph.config.profile import Profile
from provgraph.storage import get_storage_class

__all__ = ["StorageMigration", "migrate_storage"]


@dataclass(frozen=True, slots=True)
class StorageMigration:
    """What :func:`migrate_storage` did: the schema revision before and after."""

    profile: str
    from_revision: str | None
    to_revision: str

    @property
    def migrated(self) -> bool:
        """False if the storage was at the head revision already."""
        return self.from_revision != self.to_revision


def migrate_storage(profile: Profile) -> StorageMigration:
    """Bring the profile's storage to the schema revision of this provgraph, all or nothing.

    Holds the profile's exclusive lock meanwhile: refused (``LockingProfileError``, naming the
    PIDs) while another process uses the profile, and no process can open it until the
    migration is done. A failed or interrupted migration leaves the storage at the revision it
    had (``StorageMigrationError``); a storage written by a newer provgraph is refused. Back the
    storage up first (``StorageBackend.storage_parts`` says what it consists of).

    Example::

        result = migrate_storage(Config.load().get_profile("work"))
        print(result.from_revision, "->", result.to_revision)
    """
    storage_cls = get_storage_class(profile.storage_backend)
    with ProfileAccessManager(profile).lock():
        current = storage_cls.version_profile(profile)
        head = storage_cls.version_head()
        if current != head:
            storage_cls.migrate(profile)
    return StorageMigration(profile=profile.name, from_revision=current, to_revision=head)
