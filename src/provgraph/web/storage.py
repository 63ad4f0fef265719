"""Open an AiiDA archive file as a read-only storage for the explorer."""

from __future__ import annotations

from pathlib import Path

from provgraph.config.profile import Profile
from provgraph.storage import get_storage_class
from provgraph.storage.abstract import StorageBackend

__all__ = ["open_archive"]


def open_archive(path: Path) -> StorageBackend:
    """The archive at ``path`` as a ``core.sqlite_zip`` storage, which refuses every write.

    The profile is made in memory only: exploring a file someone sent adds nothing to the config.
    """
    profile = Profile.new("archive", "core.sqlite_zip", {"filepath": str(path.resolve())})
    storage: StorageBackend = get_storage_class("core.sqlite_zip")(profile)
    return storage
