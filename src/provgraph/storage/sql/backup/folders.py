"""The backup destination: its lock, its complete backups, a working folder, publishing, pruning.

Layout (aiida-core's): ``DEST/backup_<UTC YYYYmmddHHMMSS>_<4 random>/`` per backup, a
``DEST/last-backup`` symlink to the newest, and ``DEST/config.json`` naming the one profile
whose backups the destination holds (a destination of another profile, or a folder that is not
empty and holds no backups, is refused, as aiida-core does). A backup is built in a hidden working folder
(``.partial-backup_...``) and renamed to its final name once everything in it, the manifest
last, is written and flushed: a folder with a backup's name is always complete. One backup at
a time writes into a destination (an ``flock`` on ``.provgraph-backup.lock``, which the kernel
releases when its process dies), so whoever holds the lock may remove the working folders that
killed runs left behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from provgraph.common.backup_manifest import MANIFEST_FILENAME, BackupManifest, read_manifest_head
from provgraph.config import CONFIG_FILENAME, Config
from provgraph.config.files import atomic_write
from provgraph.config.profile import Profile
from provgraph.exceptions import StorageBackupError
from provgraph.storage.sql.backup.files import fsync_folder, oserror_message, sync_filesystem

__all__ = ["LAST_BACKUP", "BackupDestination", "ExistingBackup"]

LOGGER = logging.getLogger(__name__)

LAST_BACKUP = "last-backup"
_LOCK = ".provgraph-backup.lock"
_PARTIAL = ".partial-"
_DELETING = ".deleting-"
_NAME = re.compile(r"^backup_\d{14}_[a-z0-9]{4}$")
_FOLDER_MODE = 0o700


@dataclass(frozen=True)
class ExistingBackup:
    """A complete backup in the destination: its folder, whose profile, when it finished."""

    folder: Path
    profile_uuid: str
    finished: str

    @property
    def order(self) -> tuple[str, str]:
        return self.finished, self.folder.name


def _existing(folder: Path) -> ExistingBackup | None:
    """A complete provgraph backup, None for anything else (aiida-core's, damaged)."""
    try:
        head = read_manifest_head(folder / MANIFEST_FILENAME)
        return ExistingBackup(folder, str(head["profile"]["uuid"]), str(head["finished"]))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        LOGGER.debug("%s is not a complete provgraph backup: %s", folder, exc)
        return None


def read_manifest(folder: Path) -> BackupManifest | None:
    """The whole manifest of a complete provgraph backup, None for anything else."""
    try:
        return BackupManifest.from_json((folder / MANIFEST_FILENAME).read_bytes())
    except (OSError, ValueError) as exc:
        LOGGER.debug("%s is not a complete provgraph backup: %s", folder, exc)
        return None


class BackupDestination:
    """The folder that receives backups (``DEST``); use :meth:`locked` around all the rest."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser().absolute()

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Create the destination if needed and hold its lock; remove what killed runs left."""
        self._create()
        lock_path = self.path / _LOCK
        try:
            descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StorageBackupError(oserror_message(exc, self.path)) from exc
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StorageBackupError(
                    f"another backup into {self.path} is running; wait for it to finish"
                ) from None
            self._remove_leftovers()
            yield
        finally:
            os.close(descriptor)

    def _refuse_foreign_files(self) -> None:
        """A destination without ``config.json`` must hold nothing but what a backup run leaves."""
        if (self.path / CONFIG_FILENAME).exists():
            return
        others = sorted(
            name for name in os.listdir(self.path) if not name.startswith((_LOCK, _PARTIAL, _DELETING))
        )
        if others:
            raise StorageBackupError(
                f"{self.path} is not empty and holds no backups (no {CONFIG_FILENAME}, but e.g. "
                f"{others[0]!r}); choose a new or empty folder"
            )

    def _create(self) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise StorageBackupError(f"the destination {self.path} is not a folder; choose a folder")
        if self.path.is_dir():
            self._refuse_foreign_files()  # before the lock file is added to someone's folder
        try:
            if not self.path.is_dir():
                self.path.mkdir(parents=True, mode=_FOLDER_MODE)
        except OSError as exc:
            raise StorageBackupError(oserror_message(exc, self.path)) from exc

    def _remove_leftovers(self) -> None:
        """Working folders and half-deleted backups of runs that were killed (we hold the lock)."""
        for entry in os.scandir(self.path):
            if not entry.name.startswith((_PARTIAL, _DELETING)):
                continue
            LOGGER.info("removing %s, left by an interrupted backup", entry.path)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)

    def claim(self, profile: Profile) -> None:
        """Check that the destination is ``profile``'s (its ``config.json`` names it), or make it so
        if the destination is new or empty; anything else is refused."""
        config_path = self.path / CONFIG_FILENAME
        if not config_path.exists():
            self._refuse_foreign_files()
            self.record_profile(profile)
            return
        try:
            profiles: dict[str, Any] = json.loads(config_path.read_bytes())["profiles"]
            if len(profiles) != 1:
                raise ValueError(f"{len(profiles)} profiles")
            [(name, attributes)] = profiles.items()
            uuid, backend = attributes["PROFILE_UUID"], attributes["storage"]["backend"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            raise StorageBackupError(
                f"{config_path} does not name exactly one profile, the one whose backups {self.path} holds; "
                "choose another destination"
            ) from None
        if (uuid, backend) != (profile.uuid, profile.storage_backend):
            raise StorageBackupError(
                f"{self.path} holds backups of another profile ({name!r}); choose another destination"
            )

    def record_profile(self, profile: Profile) -> None:
        """Write ``config.json`` with ``profile`` alone (as aiida-core; readable by the owner only)."""
        config = Config(self.path / CONFIG_FILENAME)
        config.add_profile(profile)
        atomic_write(self.path / CONFIG_FILENAME, (json.dumps(config.to_dict(), indent=4) + "\n").encode())

    # -- reading ---------------------------------------------------------------------------------

    def backups(self, profile_uuid: str | None = None) -> list[ExistingBackup]:
        """The complete provgraph backups (of one profile, if given), oldest first."""
        found = []
        for entry in os.scandir(self.path):
            if not _NAME.match(entry.name) or not entry.is_dir(follow_symlinks=False):
                continue
            backup = _existing(Path(entry.path))
            if backup is not None and profile_uuid in (None, backup.profile_uuid):
                found.append(backup)
        return sorted(found, key=lambda backup: backup.order)

    def previous(self, profile_uuid: str) -> tuple[Path, BackupManifest] | None:
        """The backup to link unchanged files from, with its manifest: ``last-backup`` if it is
        this profile's, else this profile's newest."""
        candidates = [backup.folder for backup in reversed(self.backups(profile_uuid))]
        link = self.path / LAST_BACKUP
        if link.is_symlink():
            target = (self.path / os.readlink(link)).absolute()
            if target.parent == self.path and _NAME.match(target.name):
                candidates.insert(0, target)
        for folder in candidates:
            manifest = read_manifest(folder)
            if manifest is not None and manifest.profile_uuid == profile_uuid:
                return folder, manifest
        return None

    # -- writing ---------------------------------------------------------------------------------

    def _new_name(self) -> str:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        alphabet = string.ascii_lowercase + string.digits
        while True:
            name = f"backup_{stamp}_{''.join(secrets.choice(alphabet) for _ in range(4))}"
            if not (self.path / name).exists() and not (self.path / f"{_PARTIAL}{name}").exists():
                return name

    @contextlib.contextmanager
    def working_folder(self) -> Iterator[tuple[Path, str]]:
        """A new hidden folder to build a backup in and the name it will get; removed on any error."""
        name = self._new_name()
        folder = self.path / f"{_PARTIAL}{name}"
        try:
            folder.mkdir(mode=_FOLDER_MODE)
        except OSError as exc:
            raise StorageBackupError(oserror_message(exc, self.path)) from exc
        try:
            yield folder, name
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise

    def publish(self, folder: Path, name: str) -> Path:
        """Flush the working folder, give it its final name, point ``last-backup`` at it."""
        sync_filesystem(folder)
        final = self.path / name
        os.rename(folder, final)
        fsync_folder(self.path)
        self._point_last_backup(name)
        return final

    def _point_last_backup(self, name: str) -> None:
        temporary = self.path / f"{_PARTIAL}{LAST_BACKUP}-{secrets.token_hex(4)}"
        try:
            os.symlink(name, temporary)
            os.replace(temporary, self.path / LAST_BACKUP)
        except OSError as exc:
            with contextlib.suppress(OSError):
                temporary.unlink()
            if exc.errno in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                LOGGER.warning("cannot make the %s symlink in %s: %s", LAST_BACKUP, self.path, exc.strerror)
                return
            raise
        fsync_folder(self.path)

    def prune(self, profile_uuid: str, keep: int) -> tuple[Path, ...]:
        """Remove all but the newest backup and the ``keep`` before it (of this profile only).

        Each goes in two steps, renamed away first, so that a half-deleted backup never keeps a
        backup's name.
        """
        backups = self.backups(profile_uuid)
        doomed = [backup.folder for backup in backups[: max(len(backups) - keep - 1, 0)]]
        for folder in doomed:
            trash = self.path / f"{_DELETING}{folder.name}"
            os.rename(folder, trash)
            shutil.rmtree(trash)
            LOGGER.info("removed the old backup %s", folder)
        if doomed:
            fsync_folder(self.path)
        return tuple(doomed)
