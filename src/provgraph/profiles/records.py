"""Setup records: what an unfinished ``profile setup`` claimed, so that its leftovers are found.

A setup writes ``<config dir>/setup/<name>.json`` before it creates anything, and removes it
once ``config.json`` names the new profile. The record holds the would-be profile (its UUID and
storage config), the keys of the storage parts the setup makes (those that did not exist when
it began: a part that was there before is never the setup's), and the setup's PID and command
line. A record whose process is gone (or whose PID now runs another program) marks an
interrupted setup: the parts it names are that setup's own, and the next ``profile setup`` or
``profile delete`` of the name removes them. Records are read and written under the config
file's lock (``config.json.lock``), like ``config.json`` itself.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from provgraph.config import get_config_dir
from provgraph.config.config import LOCK_FILENAME
from provgraph.config.files import atomic_write, exclusive_lock
from provgraph.config.paths import ensure_private_dir
from provgraph.config.profile import Profile
from provgraph.exceptions import ConfigurationError

__all__ = [
    "SETUP_DIRNAME",
    "SetupRecord",
    "config_lock",
    "new_record",
    "read_record",
    "remove_record",
    "setup_records",
    "write_record",
]

LOGGER = logging.getLogger(__name__)

SETUP_DIRNAME = "setup"
_SUFFIX = ".json"


@dataclass(frozen=True)
class SetupRecord:
    """A profile setup that has begun and not finished (running now, or interrupted)."""

    name: str
    profile_attributes: dict[str, Any] = field(compare=False)
    created: tuple[str, ...]
    """Keys of the storage parts this setup makes (``StorageBackend.storage_parts``)."""
    pid: int
    cmdline: str
    started: str
    """When the setup began (ISO 8601, local time with its offset)."""

    @property
    def profile(self) -> Profile:
        """The profile the setup was creating."""
        return Profile(self.name, self.profile_attributes)

    def is_running(self) -> bool:
        """Whether the setup's process still runs (another process than this one)."""
        if self.pid == os.getpid():
            return False  # this process is not inside that setup: it finished or failed here
        try:
            return str(psutil.Process(self.pid).cmdline()) == self.cmdline
        except psutil.NoSuchProcess:  # includes zombies: dead, only waiting to be reaped
            return False
        except psutil.AccessDenied:
            return True  # someone else's live process: assume the record is real

    def describe(self) -> str:
        """``PID 123, started 2025-01-01T10:00:00+01:00``, for messages."""
        return f"PID {self.pid}, started {self.started}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "profile": self.profile_attributes,
            "created": list(self.created),
            "pid": self.pid,
            "cmdline": self.cmdline,
            "started": self.started,
        }


def _setup_dir(config_dir: Path | None = None) -> Path:
    return (config_dir if config_dir is not None else get_config_dir()) / SETUP_DIRNAME


def _record_path(name: str) -> Path:
    return _setup_dir() / f"{name}{_SUFFIX}"


@contextlib.contextmanager
def config_lock() -> Iterator[None]:
    """Hold the lock ``Config.modify`` takes, to read or change records (and read the config)."""
    folder = ensure_private_dir(get_config_dir())
    with exclusive_lock(folder / LOCK_FILENAME):
        yield


def new_record(profile: Profile, created: tuple[str, ...]) -> SetupRecord:
    """The record of a setup of ``profile`` that this process is beginning."""
    return SetupRecord(
        name=profile.name,
        profile_attributes=profile.to_dict(),
        created=created,
        pid=os.getpid(),
        cmdline=str(psutil.Process().cmdline()),
        started=datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
    )


def write_record(record: SetupRecord) -> None:
    """Write (or replace) the record atomically; the caller holds :func:`config_lock`."""
    path = _record_path(record.name)
    ensure_private_dir(path.parent)
    try:
        atomic_write(path, (json.dumps(record.to_dict(), indent=4) + "\n").encode("utf-8"))
    except OSError as exc:
        raise ConfigurationError(f"cannot write the setup record {path}: {exc.strerror or exc}") from exc


def remove_record(name: str) -> None:
    """Forget the record of ``name`` (missing is fine)."""
    _record_path(name).unlink(missing_ok=True)


def read_record(name: str) -> SetupRecord | None:
    """The record of a setup of ``name``, or None."""
    return _parse(_record_path(name))


def setup_records() -> list[SetupRecord]:
    """Every readable record, running or interrupted, sorted by name.

    An unreadable one is skipped with a warning: it must not block every other setup (reading
    it by its name with :func:`read_record` reports it).
    """
    folder = _setup_dir()
    try:
        paths = sorted(folder.glob(f"*{_SUFFIX}"))
    except OSError:
        return []
    records = []
    for path in paths:
        try:
            record = _parse(path)
        except ConfigurationError as exc:
            LOGGER.warning("%s", exc)
            continue
        if record is not None:
            records.append(record)
    return records


def _parse(path: Path) -> SetupRecord | None:
    try:
        data = json.loads(path.read_bytes())
        record = SetupRecord(
            name=str(data["name"]),
            profile_attributes=dict(data["profile"]),
            created=tuple(str(key) for key in data["created"]),
            pid=int(data["pid"]),
            cmdline=str(data["cmdline"]),
            started=str(data["started"]),
        )
        record.profile.storage_backend  # noqa: B018 - a profile that cannot be built is unreadable
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, ConfigurationError) as exc:
        raise ConfigurationError(
            f"unreadable setup record {path} ({exc}); it was written by an interrupted "
            "`provgraph profile setup`: remove what that setup created by hand, then the file"
        ) from exc
    return record
