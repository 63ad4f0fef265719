"""The object store of an unstored node: small objects in memory, large ones in a temp folder.

Unstored nodes must not write into the profile's content-addressed store (a node that is never
stored would leave garbage there), so their files live here until ``store()`` clones them over.
Keys are random (uuid4 hex), so nothing is deduplicated.

Most node files are small, and for them a private folder is pure overhead: making it, writing
the file and removing it all again after ``store()`` cost more than the copy into the object
store. So an object stays in memory unless it is larger than ``spill_threshold`` or would push
the sandbox's in-memory total past ``memory_limit``; only then does it go to a file (streamed,
never read whole). The folder is made when the first object spills, so a sandbox that only
ever held small objects never touches the disk, and it disappears on
:meth:`SandboxRepositoryBackend.erase`, when the instance is garbage collected, or at exit.
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import uuid
import weakref
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, cast

from provgraph.common.folders import Folder
from provgraph.common.maintenance import MaintenanceStep
from provgraph.common.scratch import scratch_folder
from provgraph.repository.abstract import RepositoryBackend

__all__ = ["MEMORY_LIMIT", "SPILL_THRESHOLD", "SandboxRepositoryBackend"]

LOGGER = logging.getLogger(__name__)

SPILL_THRESHOLD = 4 * 1024**2
"""Objects larger than this many bytes go to a file (as with ``tempfile.SpooledTemporaryFile``)."""

MEMORY_LIMIT = 64 * 1024**2
"""At most this many bytes of one sandbox's objects stay in memory; later objects go to files."""

_KEY = re.compile(r"^[0-9a-f]{32}$")
_CHUNK = 1 << 20
_READ = 1 << 16
"""Read size while deciding where an object goes: a big read of a small file wastes an allocation."""


class SandboxRepositoryBackend(RepositoryBackend):
    """Objects in memory, or past a size in a temporary folder under ``filepath`` (default: temp dir).

    ``spill_threshold`` and ``memory_limit`` (bytes) default to the module's :data:`SPILL_THRESHOLD`
    and :data:`MEMORY_LIMIT` as they are when the sandbox is made, so callers that create sandboxes
    for you (node repositories) can be tuned there. Both are public attributes and may be changed
    at any time; they decide only where the next object goes.
    """

    def __init__(
        self,
        filepath: str | Path | None = None,
        *,
        spill_threshold: int | None = None,
        memory_limit: int | None = None,
    ) -> None:
        self.spill_threshold = _byte_count("spill_threshold", spill_threshold, SPILL_THRESHOLD)
        self.memory_limit = _byte_count("memory_limit", memory_limit, MEMORY_LIMIT)
        self._parent = Path(filepath) if filepath else None
        self._folder: Path | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._memory: dict[str, bytes] = {}
        self._memory_size = 0
        self._written = False

    def __str__(self) -> str:
        where = self._folder if self._folder is not None else "(in memory)"
        return f"sandbox repository @ {where}"

    @property
    def path(self) -> Path | None:
        """The folder holding spilled objects, None until the first object spills."""
        return self._folder

    @property
    def sandbox(self) -> Folder:
        """The temporary folder as a :class:`~provgraph.common.folders.Folder` (aiida-core's
        attribute), made now if no object has spilled yet. It goes with the sandbox as always."""
        return Folder(self._ensure_folder())

    @property
    def memory_size(self) -> int:
        """How many bytes of objects are held in memory now."""
        return self._memory_size

    @property
    def uuid(self) -> str | None:
        return None

    @property
    def key_format(self) -> str | None:
        return "uuid4"

    def initialise(self, **kwargs: Any) -> None:
        """Create the temporary folder now (otherwise it is made when the first object spills)."""
        if kwargs:
            raise TypeError(f"the sandbox repository takes no settings, got {sorted(kwargs)}")
        self._ensure_folder()

    @property
    def is_initialised(self) -> bool:
        """Whether something was written since creation or the last erase (or a folder made)."""
        return self._written or (self._folder is not None and self._folder.is_dir())

    def _ensure_folder(self) -> Path:
        if self._folder is None:
            if self._parent is not None:
                self._parent.mkdir(parents=True, exist_ok=True)
            folder = scratch_folder("provgraph-sandbox-", parent=self._parent)
            # finalize holds only the path, never self, so it cannot keep the instance alive
            self._finalizer = weakref.finalize(self, shutil.rmtree, folder, ignore_errors=True)
            self._folder = folder
        return self._folder

    def erase(self) -> None:
        """Drop every object; the folder goes only if one was made (a memory-only erase is free)."""
        self._memory = {}
        self._memory_size = 0
        self._written = False
        if self._finalizer is not None:
            self._finalizer()  # runs rmtree once and detaches, so it will not run again
        self._finalizer = None
        self._folder = None

    def _object_path(self, key: str) -> Path | None:
        """Where ``key`` lives on disk, or None if it cannot name a file here (never escapes the folder)."""
        if self._folder is None or not isinstance(key, str) or not _KEY.match(key):
            return None
        return self._folder / key

    def _in_memory(self, key: str) -> bytes | None:
        return self._memory.get(key) if isinstance(key, str) else None

    def put_object_from_filelike(self, handle: BinaryIO) -> str:
        """Keep the content in memory if it fits, else stream it into a new file.

        At most ``spill_threshold + 1`` bytes are read before the decision, so a large stream is
        never held whole.
        """
        if not hasattr(handle, "read") or not isinstance(handle.read(0), bytes):
            raise TypeError(f"expected a binary stream, got {handle!r}")
        key = uuid.uuid4().hex
        budget = max(0, min(self.spill_threshold, self.memory_limit - self._memory_size))
        head, size = _read_at_most(handle, budget + 1)
        if size <= budget:
            content = head[0] if len(head) == 1 else b"".join(head)
            self._memory[key] = content
            self._memory_size += size
        else:
            self._spill(key, head, handle)
        self._written = True
        return key

    def _spill(self, key: str, head: list[bytes], handle: BinaryIO) -> None:
        """Write ``head`` and the rest of ``handle`` to the object's file; no partial file is left."""
        target = self._ensure_folder() / key
        LOGGER.debug("spilling object %s of %s to %s", key, self, target)
        try:
            with open(target, "xb") as stream:
                stream.writelines(head)
                shutil.copyfileobj(handle, stream, _CHUNK)
        except BaseException:
            target.unlink(missing_ok=True)
            raise

    def has_objects(self, keys: Iterable[str]) -> list[bool]:
        found: list[bool] = []
        for key in keys:
            if self._in_memory(key) is not None:
                found.append(True)
            else:
                path = self._object_path(key)
                found.append(path is not None and path.is_file())
        return found

    def list_objects(self) -> Iterator[str]:
        keys = list(self._memory)
        if self._folder is not None:
            keys.extend(path.name for path in self._folder.iterdir() if _KEY.match(path.name))
        return iter(sorted(keys))

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        """A read handle; for an in-memory object a ``BytesIO`` over the stored bytes (no copy)."""
        content = self._in_memory(key)
        if content is not None:
            with io.BytesIO(content) as buffer:
                yield buffer
            return
        path = self._object_path(key)
        if path is None or not path.is_file():
            raise FileNotFoundError(f"no object with key {key!r} in {self}")
        with open(path, "rb") as handle:
            yield cast(BinaryIO, handle)

    def get_object_content(self, key: str) -> bytes:
        content = self._in_memory(key)
        return content if content is not None else super().get_object_content(key)

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
            content = self._memory.pop(key, None)
            if content is not None:
                self._memory_size -= len(content)
                continue
            path = self._object_path(key)
            if path is not None:
                path.unlink(missing_ok=True)

    def get_info(self, detailed: bool = False) -> dict[str, Any]:
        return {
            "Folder": str(self._folder) if self._folder else None,
            "Objects": len(list(self.list_objects())),
            "In memory (bytes)": self._memory_size,
        }

    def maintain(self, dry_run: bool = False, live: bool = True, **kwargs: Any) -> list[MaintenanceStep]:
        """Nothing to do: objects are bytes or plain files, and vanish with the sandbox."""
        LOGGER.debug("no maintenance needed for %s", self)
        return []


def _byte_count(name: str, value: int | None, default: int) -> int:
    if value is None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a number of bytes >= 0, got {value!r}")
    return value


def _read_at_most(handle: BinaryIO, limit: int) -> tuple[list[bytes], int]:
    """The first ``limit`` bytes of ``handle`` (fewer only at its end) as pieces, and their size.

    Reads in bounded pieces because a stream may return short reads before its end (pipes, raw
    files, our own text encoder), and one ``read(limit)`` would allocate ``limit`` bytes even for a
    tiny file. The pieces are not joined here: an object that spills is written piece by piece.
    """
    parts: list[bytes] = []
    size = 0
    while size < limit:
        chunk = handle.read(min(_READ, limit - size))
        if not chunk:
            break
        parts.append(chunk if type(chunk) is bytes else bytes(chunk))
        size += len(chunk)
    return parts, size
