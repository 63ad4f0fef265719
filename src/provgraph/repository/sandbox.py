"""The object store of an unstored node: a private temporary folder, one file per object.

Unstored nodes must not write into the profile's content-addressed store (a node that is never
stored would leave garbage there), so their files live here until ``store()`` clones them over.
Keys are random (uuid4 hex), so nothing is deduplicated and every put is a plain file copy.
The folder is made on the first write, so nodes without files cost nothing, and it disappears
on :meth:`SandboxRepositoryBackend.erase`, when the instance is garbage collected, or at exit.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

from provgraph.repository.abstract import RepositoryBackend

__all__ = ["SandboxRepositoryBackend"]

LOGGER = logging.getLogger(__name__)

_KEY = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 1 << 20


class SandboxRepositoryBackend(RepositoryBackend):
    """Objects in a temporary folder under ``filepath`` (default: the system temp dir)."""

    def __init__(self, filepath: str | Path | None = None) -> None:
        self._parent = Path(filepath) if filepath else None
        self._folder: Path | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    def __str__(self) -> str:
        where = self._folder if self._folder is not None else "(not created yet)"
        return f"sandbox repository @ {where}"

    @property
    def path(self) -> Path | None:
        """The folder holding the objects, None until the first write."""
        return self._folder

    @property
    def uuid(self) -> str | None:
        return None

    @property
    def key_format(self) -> str | None:
        return "uuid4"

    def initialise(self, **kwargs: Any) -> None:
        """Create the temporary folder (done implicitly by the first write)."""
        if kwargs:
            raise TypeError(f"the sandbox repository takes no settings, got {sorted(kwargs)}")
        self._ensure_folder()

    @property
    def is_initialised(self) -> bool:
        return self._folder is not None and self._folder.is_dir()

    def _ensure_folder(self) -> Path:
        if self._folder is None:
            if self._parent is not None:
                self._parent.mkdir(parents=True, exist_ok=True)
            folder = Path(tempfile.mkdtemp(prefix="provgraph-sandbox-", dir=self._parent))
            # finalize holds only the path, never self, so it cannot keep the instance alive
            self._finalizer = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
            self._folder = folder
        return self._folder

    def erase(self) -> None:
        """Delete the folder and every object in it; the next write starts a new folder."""
        if self._finalizer is not None:
            self._finalizer()  # runs rmtree once and detaches, so it will not run again
        self._finalizer = None
        self._folder = None

    def _object_path(self, key: str) -> Path | None:
        """Where ``key`` lives, or None if it cannot name an object here (never escapes the folder)."""
        if self._folder is None or not isinstance(key, str) or not _KEY.match(key):
            return None
        return self._folder / key

    def put_object_from_filelike(self, handle: BinaryIO) -> str:
        if not hasattr(handle, "read") or not isinstance(handle.read(0), bytes):
            raise TypeError(f"expected a binary stream, got {handle!r}")
        key = uuid.uuid4().hex
        target = self._ensure_folder() / key
        with open(target, "xb") as stream:
            shutil.copyfileobj(handle, stream, _CHUNK)
        return key

    def has_objects(self, keys: Iterable[str]) -> list[bool]:
        paths = [self._object_path(key) for key in keys]
        return [path is not None and path.is_file() for path in paths]

    def list_objects(self) -> Iterator[str]:
        if self._folder is None:
            return iter(())
        return iter(sorted(path.name for path in self._folder.iterdir() if _KEY.match(path.name)))

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        path = self._object_path(key)
        if path is None or not path.is_file():
            raise FileNotFoundError(f"no object with key {key!r} in {self}")
        with open(path, "rb") as handle:
            yield cast(BinaryIO, handle)

    def iter_object_streams(self, keys: Iterable[str]) -> Iterator[tuple[str, BinaryIO]]:
        for key in keys:
            with self.open(key) as handle:
                yield key, handle

    def delete_objects(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        missing = [key for key, exists in zip(keys, self.has_objects(keys), strict=True) if not exists]
        if missing:
            raise FileNotFoundError(f"cannot delete objects that do not exist in {self}: {missing}")
        for key in keys:
            path = self._object_path(key)
            if path is not None:
                path.unlink(missing_ok=True)

    def get_info(self, detailed: bool = False) -> dict[str, Any]:
        return {
            "Folder": str(self._folder) if self._folder else None,
            "Objects": len(list(self.list_objects())),
        }

    def maintain(self, dry_run: bool = False, live: bool = True, **kwargs: Any) -> None:
        """Nothing to do: objects are plain files and vanish with the folder."""
        LOGGER.debug("no maintenance needed for %s", self)
