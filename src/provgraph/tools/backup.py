"""Restoring a profile from a backup: the new storage first, the config entry last.

A backup made by ``provgraph storage backup`` (``StorageBackend.backup``) holds the profile's
database, its repository, the profile as ``config.json`` had it, and a manifest of every file.
:func:`restore_profile` creates a *new* profile from it: the storage is built, checked and moved
into place by the backend (``StorageBackend.restore_backup``), and only then is the profile
written into ``config.json``. A process killed at any point leaves the config as it was; an
existing profile, folder or database is never overwritten.

>>> summary = restore_profile("/backups/last-backup", "recovered")  # doctest: +SKIP
>>> print(summary.describe())  # doctest: +SKIP
Restored profile 'recovered' (core.sqlite_dos) from /backups/backup_20250102030405_x7k2 in 1.2 s
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from provgraph.common.backup_manifest import BackupManifest, ProgressCallback, RestoreSummary, read_backup
from provgraph.config import CONFIG_FILENAME, Config, ensure_config_dir
from provgraph.config.profile import Profile, validate_profile_name
from provgraph.exceptions import (
    ConfigurationError,
    InputValidationError,
    ProfileExistsError,
    StorageRestoreError,
)
from provgraph.profiles import default_storage_location
from provgraph.storage import get_storage_class

__all__ = ["LOCATION_OPTIONS", "restore_profile"]

LOGGER = logging.getLogger(__name__)

#: The storage config keys that say where a restored storage goes, per backend; the rest of the
#: backed-up profile's storage config (e.g. SQLite's ``synchronous``) is kept.
LOCATION_OPTIONS: dict[str, frozenset[str]] = {
    "core.sqlite_dos": frozenset({"filepath"}),
    "core.psql_dos": frozenset(
        {
            "database_name",
            "database_hostname",
            "database_port",
            "database_username",
            "database_password",
            "repository_uri",
        }
    ),
}


def restore_profile(
    source: Path | str,
    name: str,
    *,
    storage_options: Mapping[str, Any] | None = None,
    set_default: bool | None = None,
    progress: ProgressCallback | None = None,
) -> RestoreSummary:
    """Create the new profile ``name`` from the backup at ``source`` and record it in the config.

    ``source`` is a backup folder or a backup destination (its ``last-backup``). Where the data
    goes is ``storage_options`` (:data:`LOCATION_OPTIONS` of the backup's backend) over these
    defaults: for ``core.sqlite_dos`` a new folder under the config folder (``filepath``); for
    ``core.psql_dos`` a new database named ``name`` on the backed-up profile's server with its
    credentials, and a new repository folder under the config folder. The target must not
    exist. ``set_default=None`` makes the profile the default only if there is none.

    Raises ``ProfileExistsError`` (the name is taken), ``StorageRestoreError`` (not a backup,
    damaged, the target exists, or the restored storage fails its checks) and
    ``InputValidationError`` (an option that does not apply to the backup's backend).
    """
    validate_profile_name(name)
    ensure_config_dir()
    _check_name_free(name)
    folder, manifest = read_backup(source)
    backed_up = _backed_up_profile(folder, manifest)
    storage_cls = get_storage_class(manifest.backend)
    profile_uuid = uuid.uuid4().hex
    config = _storage_config(manifest.backend, backed_up, name, profile_uuid, storage_options or {})
    attributes = backed_up.to_dict()
    attributes.update(
        {"PROFILE_UUID": profile_uuid, "storage": {"backend": manifest.backend, "config": config}}
    )
    attributes["test_profile"] = False
    profile = Profile(name, attributes)
    summary = storage_cls.restore_backup(folder, profile, progress=progress)
    storage_cls(profile).close()  # it opens: schema and repository pairing are right
    try:
        with Config.modify() as written:
            written.add_profile(profile)
            if set_default or (set_default is None and written.default_profile_name is None):
                written.set_default_profile(name)
    except BaseException:
        LOGGER.warning("profile %r was not recorded; removing its restored storage", name)
        storage = storage_cls(profile)
        try:
            storage.delete()
        finally:
            storage.close()
        raise
    return summary


def _check_name_free(name: str) -> None:
    if name in Config.load(create=True).profile_names:
        raise ProfileExistsError(
            f"a profile named {name!r} exists already; a restore never overwrites: choose another name"
        )


def _backed_up_profile(folder: Path, manifest: BackupManifest) -> Profile:
    """The profile as the backup's ``config.json`` recorded it."""
    try:
        return Config.load(dirpath=folder).get_profile(manifest.profile)
    except ConfigurationError as exc:
        raise StorageRestoreError(f"the backup {folder} has no usable {CONFIG_FILENAME}: {exc}") from exc


def _storage_config(
    backend: str, backed_up: Profile, name: str, profile_uuid: str, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The new storage's config: the backed-up one, moved to a new place (see :func:`restore_profile`)."""
    allowed = LOCATION_OPTIONS.get(backend)
    if allowed is None:
        raise StorageRestoreError(f"restoring a {backend} backup is not supported")
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise InputValidationError(
            f"a {backend} backup cannot be restored with {', '.join(unknown)}; "
            f"its location options are {', '.join(sorted(allowed))}"
        )
    config = backed_up.storage_config
    place = default_storage_location(backend, profile_uuid)
    if backend == "core.sqlite_dos":
        config["filepath"] = place
    else:
        config["database_name"] = name
        config["repository_uri"] = Path(place).as_uri()
    config.update({key: value for key, value in options.items() if value is not None})
    if "filepath" in config:
        config["filepath"] = str(Path(config["filepath"]).expanduser().absolute())
    return config
