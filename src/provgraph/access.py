"""Which processes use a profile, and which one holds it exclusively.

Each process that opens a profile's storage leaves a record ``<pid>.pid`` in
``<config dir>/access/<profile UUID>/``; work that needs the profile to itself (full
maintenance) creates ``<pid>.lock``. Both hold the process's command line, so a record whose
PID now belongs to another program (PID reuse) is recognised as stale, like one whose process
is gone. The order "write own record, then look for the other kind" on both sides means that of
two racing processes at least one sees the other and backs off. Same semantics as aiida-core's
``ProfileAccessManager``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import psutil

from provgraph.config.files import atomic_write
from provgraph.config.paths import ACCESS_DIRNAME, ensure_private_dir, get_config_dir
from provgraph.config.profile import Profile
from provgraph.exceptions import LockedProfileError, LockingProfileError, ProfileAccessError

__all__ = ["ProfileAccessManager"]

LOGGER = logging.getLogger(__name__)

ACCESS_SUFFIX = ".pid"
LOCK_SUFFIX = ".lock"


def _is_stale(pid: int, record: Path) -> bool:
    """True if the record's process is gone or its PID now runs another command line."""
    try:
        cmdline = psutil.Process(pid).cmdline()
    except psutil.NoSuchProcess:  # includes zombies: dead, only waiting to be reaped
        return True
    except psutil.AccessDenied:
        return False  # someone else's live process: assume the record is real
    try:
        return record.read_text(encoding="utf-8") != str(cmdline)
    except FileNotFoundError:
        return False  # removed meanwhile; nothing to clean


def _describe_pids(pids: list[int]) -> str:
    label = "PID" if len(pids) == 1 else "PIDs"
    return f"{label} {', '.join(str(pid) for pid in pids)}"


class ProfileAccessManager:
    """Access records and the exclusive lock of one profile, seen from the current process."""

    def __init__(self, profile: Profile, config_dir: Path | None = None) -> None:
        self._profile = profile
        base = config_dir if config_dir is not None else get_config_dir()
        self._dirpath = base / ACCESS_DIRNAME / profile.uuid
        self._pid = os.getpid()
        self._cmdline = str(psutil.Process(self._pid).cmdline())

    @property
    def dirpath(self) -> Path:
        """The folder holding this profile's records."""
        return self._dirpath

    # -- shared access --------------------------------------------------------------------------

    def request_access(self) -> None:
        """Record that this process uses the profile; refuse while another process holds the lock."""
        self._ensure_dirpath()
        self._clear_stale_records()
        self._raise_if_locked()
        record = self._record_path(self._pid, ACCESS_SUFFIX)
        self._write_record(record)
        try:
            self._raise_if_locked()  # a locker may have started between our check and our write
        except BaseException:
            record.unlink(missing_ok=True)
            raise

    def release_access(self) -> None:
        """Remove this process's access record (the storage was closed)."""
        self._record_path(self._pid, ACCESS_SUFFIX).unlink(missing_ok=True)

    release = release_access

    # -- exclusive access -----------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the profile exclusively for the ``with`` block; the lock is always removed after.

        Raises LockedProfileError if another process holds the lock and LockingProfileError if
        other processes use the profile. This process's own access record does not count. Nested
        use in one process is allowed: only the outermost block removes the lock.
        """
        self._ensure_dirpath()
        self._clear_stale_records()
        self._raise_if_locked()
        self._raise_if_active()
        record = self._record_path(self._pid, LOCK_SUFFIX)
        if self._holds(record):
            yield  # an outer lock() of this process holds it and will remove it
            return
        self._write_record(record)
        try:
            # Re-check: a process may have requested access or locked while we wrote.
            self._raise_if_locked()
            self._raise_if_active()
            yield
        finally:
            record.unlink(missing_ok=True)

    def _holds(self, record: Path) -> bool:
        try:
            return record.read_text(encoding="utf-8") == self._cmdline
        except FileNotFoundError:
            return False

    def is_locked(self) -> bool:
        """Whether any live process, this one included, holds the lock."""
        return bool(self._live_pids(LOCK_SUFFIX, exclude_self=False))

    def is_active(self) -> bool:
        """Whether any live process, this one included, uses the profile."""
        return bool(self._live_pids(ACCESS_SUFFIX, exclude_self=False))

    def get_locking_pids(self) -> list[int]:
        """Live processes other than this one that hold the lock."""
        return self._live_pids(LOCK_SUFFIX, exclude_self=True)

    def get_active_pids(self) -> list[int]:
        """Live processes other than this one that use the profile."""
        return self._live_pids(ACCESS_SUFFIX, exclude_self=True)

    def clear_locks(self) -> None:
        """Delete other processes' lock records (after a crash left one behind)."""
        for pid in self._record_pids(LOCK_SUFFIX, exclude_self=True):
            self._record_path(pid, LOCK_SUFFIX).unlink(missing_ok=True)

    # -- records --------------------------------------------------------------------------------

    def _ensure_dirpath(self) -> None:
        ensure_private_dir(self._dirpath.parent)
        ensure_private_dir(self._dirpath)

    def _write_record(self, record: Path) -> None:
        try:
            atomic_write(record, self._cmdline.encode("utf-8"))
        except OSError as exc:
            raise ProfileAccessError(
                f"cannot write access record {record} for profile {self._profile.name!r}: "
                f"{exc.strerror or exc}"
            ) from exc

    def _record_path(self, pid: int, suffix: str) -> Path:
        return self._dirpath / f"{pid}{suffix}"

    def _record_pids(self, suffix: str, exclude_self: bool) -> list[int]:
        """PIDs with a record of the given kind, whether live or not."""
        try:
            names = os.listdir(self._dirpath)
        except FileNotFoundError:
            return []
        pids = []
        for name in names:
            stem, dot, kind = name.partition(".")
            if dot and f".{kind}" == suffix and stem.isdigit():
                pids.append(int(stem))
        return sorted(pid for pid in pids if not (exclude_self and pid == self._pid))

    def _live_pids(self, suffix: str, exclude_self: bool) -> list[int]:
        return [
            pid
            for pid in self._record_pids(suffix, exclude_self)
            if not _is_stale(pid, self._record_path(pid, suffix))
        ]

    def _clear_stale_records(self) -> None:
        """Delete records left by processes that died or whose PID was reused."""
        for suffix in (ACCESS_SUFFIX, LOCK_SUFFIX):
            for pid in self._record_pids(suffix, exclude_self=True):
                record = self._record_path(pid, suffix)
                if _is_stale(pid, record):
                    LOGGER.debug("removing stale access record %s", record)
                    record.unlink(missing_ok=True)

    def _raise_if_locked(self) -> None:
        pids = self.get_locking_pids()
        if pids:
            raise LockedProfileError(
                f"profile {self._profile.name!r} is locked by {_describe_pids(pids)} for exclusive work "
                "(e.g. full maintenance); wait for it to finish"
            )

    def _raise_if_active(self) -> None:
        pids = self.get_active_pids()
        if pids:
            raise LockingProfileError(
                f"cannot lock profile {self._profile.name!r}: it is in use by {_describe_pids(pids)}; "
                "stop those processes and try again"
            )
