"""Every error provgraph raises derives from :class:`ProvgraphError`.

The tree::

    ProvgraphError
    ├── ConfigurationError              config.json missing, unreadable or invalid
    │   ├── ConfigVersionError          written by a newer provgraph than this one
    │   ├── ProfileNotFoundError        no profile of that name (lists the names that exist)
    │   ├── ProfileExistsError          a profile of that name exists already
    │   └── InvalidProfileNameError     a name that cannot be a profile (spaces, separators)
    ├── InvalidOperation                a valid request at the wrong moment (switching profile)
    ├── ProfileAccessError              the profile access records refuse the request
    │   ├── LockedProfileError          another process holds the exclusive lock
    │   └── LockingProfileError         cannot lock: other processes use the profile
    ├── StorageError                    anything that went wrong below the storage interface
    │   ├── UnknownStorageBackendError  no backend registered under that name
    │   ├── UnreachableStorage          database or repository cannot be opened
    │   ├── IncompatibleStorageSchema   schema revision differs from the code's head
    │   ├── CorruptStorage              storage contents contradict themselves
    │   ├── StorageMigrationError       a migration failed; the storage was left as it was
    │   ├── StorageDeletionError        part of a storage could not be removed (says what is left)
    │   ├── StorageBackupError          a backup could not be made; no partial backup is left
    │   ├── StorageRestoreError         a backup could not be restored; no profile was added
    │   └── ReadOnlyStorageError        a write to a read-only storage
    ├── NotExistent                     a lookup found nothing
    ├── MultipleObjectsError            a lookup that should find one found several
    ├── StoredEntityError               an operation that needs an unstored entity
    ├── ModificationNotAllowed          changing what is immutable
    ├── LinkValidationError             a link that would break the graph rules
    ├── InputValidationError            a malformed request (bad value, key or query)
    └── ArchiveError                    an AiiDA archive cannot be written, read or imported
        ├── CorruptArchive              not an archive, unreadable, inconsistent or hostile
        ├── IncompatibleArchiveVersionError  a version too old, unknown, or not the one needed
        ├── ArchiveMigrationError       migrating an archive to the current format failed
        ├── ArchiveExportError          the selection cannot be written (e.g. unsealed processes)
        │   ├── ExportValidationError   it holds unsealed (running) processes
        │   └── LicensingException      a Data node's source.license is not allowed
        └── ArchiveImportError          the archive's content cannot be merged into the profile
            ├── ImportValidationError   it breaks the graph rules (links, duplicate UUIDs)
            └── ImportUniquenessError   no free label left for a clashing computer or group

Messages say what happened, with the value involved, and what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ArchiveError",
    "ArchiveExportError",
    "ArchiveImportError",
    "ArchiveMigrationError",
    "ConfigVersionError",
    "ConfigurationError",
    "CorruptArchive",
    "CorruptStorage",
    "ExportValidationError",
    "ImportUniquenessError",
    "ImportValidationError",
    "IncompatibleArchiveVersionError",
    "IncompatibleStorageSchema",
    "InputValidationError",
    "InvalidOperation",
    "InvalidProfileNameError",
    "LicensingException",
    "LinkValidationError",
    "LockedProfileError",
    "LockingProfileError",
    "ModificationNotAllowed",
    "MultipleObjectsError",
    "NotExistent",
    "ProfileAccessError",
    "ProfileExistsError",
    "ProfileNotFoundError",
    "ProvgraphError",
    "ReadOnlyStorageError",
    "StorageBackupError",
    "StorageDeletionError",
    "StorageError",
    "StorageMigrationError",
    "StorageRestoreError",
    "StoredEntityError",
    "UnknownStorageBackendError",
    "UnreachableStorage",
]


class ProvgraphError(Exception):
    """Root of every error provgraph raises."""


class ConfigurationError(ProvgraphError):
    """The configuration cannot be read, is invalid, or lacks what was asked for."""


class ConfigVersionError(ConfigurationError):
    """The config file was written by a newer provgraph that this one cannot read."""


class ProfileNotFoundError(ConfigurationError):
    """No profile of the requested name exists."""


class ProfileExistsError(ConfigurationError):
    """A profile of the requested name exists already."""


class InvalidProfileNameError(ConfigurationError):
    """The name cannot be used for a profile."""


class InvalidOperation(ProvgraphError):
    """A valid request made at a moment when it cannot be honoured."""


class ProfileAccessError(ProvgraphError):
    """The profile's access records refuse the request."""


class LockedProfileError(ProfileAccessError):
    """Another process holds the profile's exclusive lock."""


class LockingProfileError(ProfileAccessError):
    """The profile cannot be locked because other processes are using it."""


class StorageError(ProvgraphError):
    """Something went wrong below the storage interface."""


class UnknownStorageBackendError(StorageError):
    """No storage backend is registered under the requested name."""


class UnreachableStorage(StorageError):
    """The database or the repository of a storage cannot be reached or opened."""


class IncompatibleStorageSchema(StorageError):
    """The storage's schema revision is not the one this code works with."""


class CorruptStorage(StorageError):
    """The storage contradicts itself (for example database and repository disagree)."""


class StorageMigrationError(StorageError):
    """A schema migration failed."""


class StorageDeletionError(StorageError):
    """Part of a storage could not be removed, or was left alone because it holds data.

    ``removed`` names the parts that were removed; ``left`` has one line per part still there:
    what it is, why it is left and how to remove it by hand.
    """

    def __init__(self, message: str, *, removed: Sequence[str] = (), left: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.removed = tuple(removed)
        self.left = tuple(left)


class ReadOnlyStorageError(StorageError):
    """A write was attempted on a read-only storage."""


class StorageBackupError(StorageError):
    """A backup could not be made (destination not writable or full, storage changed under it).

    aiida-core's name. The destination is left as it was: no folder that looks complete.
    """


class StorageRestoreError(StorageError):
    """A backup could not be restored (not a backup, damaged, or its target is taken).

    Nothing is registered in the config, and an existing profile or storage is never touched.
    """


class NotExistent(ProvgraphError):
    """A lookup found nothing."""


class MultipleObjectsError(ProvgraphError):
    """A lookup that should find exactly one result found several."""


class StoredEntityError(ProvgraphError):
    """The operation needs an entity that is (or is not) stored."""


class ModificationNotAllowed(ProvgraphError):
    """An attempt to change something that is immutable."""


class LinkValidationError(ProvgraphError):
    """A link would violate the provenance graph rules."""


class InputValidationError(ProvgraphError):
    """A malformed request: a bad value, key or query."""


class ArchiveError(ProvgraphError):
    """An AiiDA archive cannot be written, read, migrated or imported (aiida's ExportImportException)."""


class CorruptArchive(ArchiveError):
    """The file is not a readable archive, contradicts itself, or tries something hostile."""


class IncompatibleArchiveVersionError(ArchiveError):
    """The archive's version is too old, unknown, or not the version the operation needs."""


class ArchiveMigrationError(ArchiveError):
    """Migrating an archive to the current format failed; the input file was not changed."""


class ArchiveExportError(ArchiveError):
    """The selected entities cannot be written to an archive (for example unsealed processes)."""


class ExportValidationError(ArchiveExportError):
    """The selection holds processes that have not finished (unsealed), which archives may not hold."""


class LicensingException(ArchiveExportError):
    """A Data node's ``source.license`` is not allowed, or is forbidden, for this archive (aiida's name)."""


class ArchiveImportError(ArchiveError):
    """The archive's content cannot be merged into the profile; nothing was imported."""


class ImportValidationError(ArchiveImportError):
    """The archive's content breaks the graph rules (bad links, duplicate UUIDs, missing nodes)."""


class ImportUniquenessError(ArchiveImportError):
    """No free label is left for an imported computer or group that clashes with an existing one."""
