"""The object store interface under a node's file tree.

Objects are immutable byte strings addressed by a key; for content-addressed stores the key is
the sha256 of the content, so equal contents are stored once. Names follow aiida-core's
``AbstractRepositoryBackend``.
"""

from __future__ import annotations

import abc
import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, BinaryIO

from provgraph.common.maintenance import MaintenanceStep

__all__ = ["RepositoryBackend"]


class RepositoryBackend(abc.ABC):
    """A store of immutable objects addressed by key."""

    @property
    @abc.abstractmethod
    def uuid(self) -> str | None:
        """The store's own identifier (disk-objectstore's ``container_id``)."""

    @property
    @abc.abstractmethod
    def key_format(self) -> str | None:
        """How keys are made, e.g. ``sha256``."""

    @abc.abstractmethod
    def initialise(self, **kwargs: Any) -> None:
        """Create the store on disk if it does not exist."""

    @property
    @abc.abstractmethod
    def is_initialised(self) -> bool: ...

    @abc.abstractmethod
    def erase(self) -> None:
        """Delete the store and everything in it."""

    @abc.abstractmethod
    def put_object_from_filelike(self, handle: BinaryIO) -> str:
        """Stream a binary handle into the store and return its key."""

    def put_object_from_file(self, filepath: str | Path) -> str:
        with open(filepath, "rb") as handle:
            return self.put_object_from_filelike(handle)

    def put_objects_from_streams(self, streams: Sequence[BinaryIO]) -> list[str]:
        """Store many objects at once (bulk imports) and return their keys in order.

        A store that has a faster bulk path (disk-objectstore's packs) overrides this; the
        default stores them one by one. The caller opens and closes the streams.
        """
        return [self.put_object_from_filelike(stream) for stream in streams]

    @abc.abstractmethod
    def has_objects(self, keys: Iterable[str]) -> list[bool]: ...

    def has_object(self, key: str) -> bool:
        return self.has_objects([key])[0]

    @abc.abstractmethod
    def list_objects(self) -> Iterator[str]: ...

    @abc.abstractmethod
    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """Open an object for reading; ``FileNotFoundError`` if it does not exist."""

    def get_object_content(self, key: str) -> bytes:
        with self.open(key) as handle:
            return handle.read()

    @abc.abstractmethod
    def iter_object_streams(self, keys: Iterable[str]) -> Iterator[tuple[str, BinaryIO]]:
        """Yield ``(key, stream)`` for each key, in any order."""

    def get_object_hash(self, key: str) -> str:
        """The sha256 of the object's content (streamed, never read whole)."""
        digest = hashlib.sha256()
        with self.open(key) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def total_size(self, keys: Iterable[str]) -> int:
        """The bytes of content of the objects ``keys`` (missing ones count 0 here; an archive refuses them).

        Sync's dry run reports what it would move with it. This default seeks to the end of each
        object; repositories that keep sizes in an index answer from there.
        """
        total = 0
        for key in keys:
            try:
                with self.open(key) as handle:
                    total += handle.seek(0, 2)
            except FileNotFoundError:
                continue
        return total

    @abc.abstractmethod
    def delete_objects(self, keys: Iterable[str]) -> None:
        """Delete objects; ``FileNotFoundError`` if any of them is missing."""

    def delete_object(self, key: str) -> None:
        self.delete_objects([key])

    @abc.abstractmethod
    def get_info(self, detailed: bool = False) -> dict[str, Any]:
        """A summary for ``storage info``."""

    @abc.abstractmethod
    def maintain(self, dry_run: bool = False, live: bool = True, **kwargs: Any) -> list[MaintenanceStep]:
        """Pack loose objects and clean up; ``live=False`` may repack (exclusive access).

        Returns what each step did (see :class:`~provgraph.common.maintenance.MaintenanceStep`).
        """
