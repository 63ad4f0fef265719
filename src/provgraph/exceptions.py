"""Every error provgraph raises derives from :class:`ProvgraphError`.

The tree::

    ProvgraphError
    ├── ConfigurationError              config.json missing, unreadable or invalid
    │   ├── ConfigVersionError          written by a newer provgraph than this one
    │   ├── ProfileNotFoundError        no profile of that name (lists the names that exist)
    │   ├── ProfileExistsError          a profile of that name exists already
    │   ├── InvalidProfileNameError     a name that cannot be a profile (spaces, separators)
    │   └── ProfileConfigurationError, MissingConfigurationError
    ├── InvalidOperation                a valid request at the wrong moment (switching profile)
    ├── ProfileAccessError              the profile access records refuse the request
    │   ├── LockedProfileError          another process holds the exclusive lock
    │   └── LockingProfileError         cannot lock: other processes use the profile
    ├── StorageError                    anything that went wrong below the storage interface
    │   ├── UnknownStorageBackendError  no backend registered under that name
    │   ├── UnreachableStorage          database or repository cannot be opened
    │   ├── IncompatibleStorageSchema   schema revision differs from the code's head
    │   ├── CorruptStorage              storage contents contradict themselves
    │   ├── ClosedStorage               the storage was closed
    │   ├── StorageMigrationError       a migration failed; the storage was left as it was
    │   ├── StorageDeletionError        part of a storage could not be removed (says what is left)
    │   ├── StorageBackupError          a backup could not be made; no partial backup is left
    │   ├── StorageRestoreError         a backup could not be restored; no profile was added
    │   └── ReadOnlyStorageError        a write to a read-only storage
    ├── NotExistent                     a lookup found nothing (also NotExistentAttributeError,
    │                                   NotExistentKeyError, ContentNotExistent)
    ├── MultipleObjectsError            a lookup that should find one found several
    ├── StoredEntityError               an operation that needs an unstored entity
    │   └── UnstoredEntityError, UnstoredMemberError  (also ModificationNotAllowed / ValueError)
    ├── ModificationNotAllowed          changing what is immutable
    ├── LinkValidationError             a link that would break the graph rules
    │   └── LinkArgumentTypeError       its source, target or type has the wrong type
    ├── ValidationError                 a value or entity fails validation
    │   └── InputValidationError        a malformed request (bad value, key or query)
    │       ├── LabelTakenError         a unique label is taken (also IntegrityError, UniquenessError)
    │       └── InputValueError, InputTypeError  also ValueError / TypeError, as aiida raises
    ├── StoringNotAllowed, IntegrityError, UniquenessError, DbContentError, HashingError,
    │   UnsupportedSchemaError, FeatureNotAvailable, FeatureDisabled, UnsupportedSpeciesError
    ├── EntryPointError                 Missing-, Multiple-, Loading-, InvalidEntryPointTypeError
    ├── ParsingError > OutputParsingError;  InternalError > PluginInternalError
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

The names of aiida-core's ``aiida.common.exceptions`` are all here (``provgraph.common.exceptions``
re-exports them with ``AiidaException`` as an alias of ``ProvgraphError``), so code that catches
aiida's types works unchanged.

Messages say what happened, with the value involved, and what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "ArchiveError",
    "ArchiveExportError",
    "ArchiveImportError",
    "ArchiveMigrationError",
    "ClosedStorage",
    "ConfigVersionError",
    "ConfigurationError",
    "ContentNotExistent",
    "CorruptArchive",
    "CorruptStorage",
    "DbContentError",
    "EntryPointError",
    "ExportValidationError",
    "FailedError",
    "FeatureDisabled",
    "FeatureNotAvailable",
    "HashingError",
    "ImportUniquenessError",
    "ImportValidationError",
    "IncompatibleArchiveVersionError",
    "IncompatibleStorageSchema",
    "InputTypeError",
    "InputValidationError",
    "InputValueError",
    "IntegrityError",
    "InternalError",
    "InvalidEntryPointTypeError",
    "InvalidOperation",
    "InvalidProfileNameError",
    "LabelTakenError",
    "LicensingException",
    "LinkArgumentTypeError",
    "LinkValidationError",
    "LoadingEntryPointError",
    "LockedProfileError",
    "LockingProfileError",
    "MissingConfigurationError",
    "MissingEntryPointError",
    "ModificationNotAllowed",
    "MultipleEntryPointError",
    "MultipleObjectsError",
    "NotExistent",
    "NotExistentAttributeError",
    "NotExistentKeyError",
    "OutputParsingError",
    "ParsingError",
    "PluginInternalError",
    "ProcessMayBeRunningError",
    "ProfileAccessError",
    "ProfileConfigurationError",
    "ProfileExistsError",
    "ProfileNotFoundError",
    "ProvgraphError",
    "ReadOnlyStorageError",
    "RoCrateExportError",
    "StorageBackupError",
    "StorageDeletionError",
    "StorageError",
    "StorageMigrationError",
    "StorageRestoreError",
    "StoredEntityError",
    "StoringNotAllowed",
    "SyncConflictError",
    "SyncError",
    "TestsNotAllowedError",
    "UniquenessError",
    "UnknownStorageBackendError",
    "UnreachableStorage",
    "UnstoredEntityError",
    "UnstoredMemberError",
    "UnsupportedSchemaError",
    "UnsupportedSpeciesError",
    "ValidationError",
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


class ProfileConfigurationError(ConfigurationError):
    """A profile's configuration is incomplete or contradicts itself (aiida-core's name)."""


class MissingConfigurationError(ConfigurationError):
    """No configuration exists where one was expected (aiida-core's name)."""


class InvalidOperation(ProvgraphError):
    """A valid request made at a moment when it cannot be honoured."""


class ProcessMayBeRunningError(InvalidOperation):
    """Killing a process whose runner may still be alive: refused unless forced (or confirmed)."""


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


class ClosedStorage(StorageError):
    """The storage was closed and cannot be used any more (aiida-core's name)."""


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


class LinkValidationError(ProvgraphError, ValueError):
    """A link would violate the provenance graph rules (also a ``ValueError``, as aiida-core raises)."""


class LinkArgumentTypeError(LinkValidationError, TypeError):
    """A link's source, target or type is not a node or a LinkType (also a ``TypeError``, as aiida-core)."""


class ValidationError(ProvgraphError):
    """A value or an entity fails validation (aiida-core's ``ValidationError``)."""


class InputValidationError(ValidationError):
    """A malformed request: a bad value, key or query."""


class StoringNotAllowed(ProvgraphError):
    """This entity may not be stored (aiida-core's name; e.g. an abstract ``Node``)."""


class IntegrityError(ProvgraphError):
    """The storage refused a write that would break one of its constraints (aiida-core's name)."""


class UniquenessError(ProvgraphError):
    """A value that must be unique is taken (aiida-core's name)."""


class UnstoredEntityError(StoredEntityError, ModificationNotAllowed):
    """A stored entity's operation on an unstored one (adding nodes to an unstored group):
    also aiida-core's ``ModificationNotAllowed``."""


class UnstoredMemberError(StoredEntityError, ValueError):
    """An unstored entity given where only stored ones may go (an unstored node into a group):
    also the ``ValueError`` aiida-core raises."""


class InputValueError(InputValidationError, ValueError):
    """A malformed request where aiida-core raises ``ValueError`` (e.g. a QueryBuilder tag used twice)."""


class InputTypeError(InputValidationError, TypeError):
    """A request with a value of the wrong type where aiida-core raises ``TypeError`` (a float limit)."""


class LabelTakenError(InputValidationError, IntegrityError, UniquenessError):
    """A label that must be unique in its scope is taken (aiida-core raises ``IntegrityError``
    when storing and ``UniquenessError`` when renaming; this is both)."""


class NotExistentAttributeError(AttributeError, NotExistent):
    """An attribute lookup found nothing: both ``AttributeError`` and ``NotExistent``."""


class NotExistentKeyError(KeyError, NotExistent):
    """A key lookup found nothing: both ``KeyError`` and ``NotExistent``."""


class ContentNotExistent(NotExistent):
    """Content a node's repository should hold is not there."""


class DbContentError(ProvgraphError):
    """The stored content contradicts what the code expects of it."""


class HashingError(ProvgraphError):
    """A value cannot be hashed (aiida-core's name)."""


class UnsupportedSchemaError(ProvgraphError):
    """A serialisation schema that this class does not support (aiida-core's name)."""


class EntryPointError(ProvgraphError):
    """An entry point cannot be found or loaded."""


class MissingEntryPointError(EntryPointError):
    """No entry point of that group and name is installed."""


class MultipleEntryPointError(EntryPointError):
    """Several installed entry points share that group and name."""


class LoadingEntryPointError(EntryPointError):
    """An entry point exists but importing what it names failed."""


class InvalidEntryPointTypeError(EntryPointError):
    """An entry point names something of the wrong type for its group."""


class ParsingError(ProvgraphError):
    """Output could not be parsed (aiida-core's name)."""


class OutputParsingError(ParsingError):
    """Output of a calculation could not be parsed (aiida-core's name)."""


class InternalError(ProvgraphError):
    """An inconsistency inside provgraph: a bug to report."""


class PluginInternalError(InternalError):
    """An inconsistency inside a plugin: a bug to report to its authors."""


class FeatureNotAvailable(ProvgraphError):
    """The feature does not exist in provgraph (aiida-core's name: e.g. a transport or a scheduler)."""


class FeatureDisabled(ProvgraphError):
    """The feature exists but is switched off."""


class FailedError(ProvgraphError):
    """A calculation or an operation on it failed (aiida-core's name)."""


class TestsNotAllowedError(ProvgraphError):
    """A test run was pointed at a profile that is not a test profile (aiida-core's name)."""

    __test__ = False  # not a test class, whatever pytest's name patterns say


class UnsupportedSpeciesError(ProvgraphError, ValueError):
    """A chemical species that the operation does not support."""


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


class SyncError(ProvgraphError):
    """Two profiles cannot be synced (the same storage twice, a target that changed midway, ...)."""


class SyncConflictError(SyncError):
    """The two sides hold different nodes under one UUID; the sync wrote nothing."""


class RoCrateExportError(ProvgraphError):
    """The selection cannot be written as an RO-Crate (nothing selected, destination taken)."""
