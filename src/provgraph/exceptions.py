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
    │   └── ReadOnlyStorageError        a write to a read-only storage
    ├── NotExistent                     a lookup found nothing
    ├── MultipleObjectsError            a lookup that should find one found several
    ├── StoredEntityError               an operation that needs an unstored entity
    ├── ModificationNotAllowed          changing what is immutable
    ├── LinkValidationError             a link that would break the graph rules
    └── InputValidationError            a malformed request (bad value, key or query)

Messages say what happened, with the value involved, and what to do next.
"""

from __future__ import annotations

__all__ = [
    "ConfigVersionError",
    "ConfigurationError",
    "CorruptStorage",
    "IncompatibleStorageSchema",
    "InputValidationError",
    "InvalidOperation",
    "InvalidProfileNameError",
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
    "StorageError",
    "StorageMigrationError",
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


class ReadOnlyStorageError(StorageError):
    """A write was attempted on a read-only storage."""


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
