"""The entries of a node's virtual file tree and their serialized form (AiiDA's layout).

The serialized form is what ``db_dbnode.repository_metadata`` holds, so it must stay byte for
byte AiiDA's: a directory is ``{"o": {name: entry}}`` (``{}`` when empty) and a file is
``{"k": key}``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from provgraph.exceptions import CorruptStorage

__all__ = ["File", "FileType", "is_sha256_key"]

_HEX_DIGITS = frozenset("0123456789abcdef")
_SHA256_HEX_LENGTH = 64


def is_sha256_key(key: object) -> bool:
    """Whether ``key`` is a sha256 hex digest in lowercase: the only key a content-addressed store
    (a container's loose file, an archive's ``repo/`` member) turns into a path or member name."""
    return isinstance(key, str) and len(key) == _SHA256_HEX_LENGTH and _HEX_DIGITS.issuperset(key)


class FileType(enum.Enum):
    """Whether an entry of the tree is a directory or a file (values are AiiDA's)."""

    DIRECTORY = 0
    FILE = 1


class File:
    """One entry of the tree: a file (with the backend key of its content) or a directory.

    ``objects`` is a read-only view, so a caller holding an entry cannot change the tree behind
    the back of the :class:`~provgraph.repository.tree.Repository` that owns it (stored nodes
    rely on that for immutability); the repository itself edits ``_objects``.
    """

    __slots__ = ("_file_type", "_key", "_name", "_objects")

    def __init__(
        self,
        name: str = "",
        file_type: FileType = FileType.DIRECTORY,
        key: str | None = None,
        objects: Mapping[str, File] | None = None,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"a file name must be a string, got {name!r}")
        if not isinstance(file_type, FileType):
            raise TypeError(f"file_type must be a FileType, got {file_type!r}")
        if file_type is FileType.DIRECTORY and key is not None:
            raise ValueError(f"directory {name!r} cannot have a key (got {key!r})")
        if file_type is FileType.FILE and objects:
            raise ValueError(f"file {name!r} cannot contain objects")
        if file_type is FileType.FILE and not isinstance(key, str):
            raise TypeError(f"file {name!r} needs a string key, got {key!r}")
        if objects is not None and not all(isinstance(entry, File) for entry in objects.values()):
            raise TypeError(f"the objects of directory {name!r} must all be File instances")
        self._name = name
        self._file_type = file_type
        self._key = key
        self._objects: dict[str, File] = dict(objects or {})

    @classmethod
    def from_serialized(cls, serialized: Mapping[str, Any], name: str = "") -> File:
        """Rebuild an entry (and everything under it) from AiiDA's serialized layout."""
        if not isinstance(serialized, Mapping):
            raise CorruptStorage(f"repository entry {name!r} is not an object: {serialized!r}")
        if "k" in serialized:
            key = serialized["k"]
            if not isinstance(key, str) or set(serialized) != {"k"}:
                raise CorruptStorage(f"repository file {name!r} must be {{'k': <key>}}, got {serialized!r}")
            return cls(name, FileType.FILE, key)
        children = serialized.get("o", {})
        if not isinstance(children, Mapping) or set(serialized) - {"o"}:
            raise CorruptStorage(
                f"repository directory {name!r} must be {{'o': {{...}}}}, got {serialized!r}"
            )
        objects = {child: cls.from_serialized(entry, child) for child, entry in children.items()}
        return cls(name, FileType.DIRECTORY, None, objects)

    def serialize(self) -> dict[str, Any]:
        """AiiDA's layout: ``{"k": key}``, ``{"o": {...}}``, or ``{}`` for an empty directory."""
        if self._file_type is FileType.FILE:
            return {"k": self._key}
        if not self._objects:
            return {}
        return {"o": {name: entry.serialize() for name, entry in self._objects.items()}}

    @property
    def name(self) -> str:
        return self._name

    @property
    def file_type(self) -> FileType:
        return self._file_type

    @property
    def key(self) -> str | None:
        """The backend key of the content; None for a directory."""
        return self._key

    @property
    def objects(self) -> Mapping[str, File]:
        """The entries of a directory by name, in insertion order (empty for a file)."""
        return MappingProxyType(self._objects)

    def is_file(self) -> bool:
        return self._file_type is FileType.FILE

    def is_dir(self) -> bool:
        return self._file_type is FileType.DIRECTORY

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, File):
            return NotImplemented
        return (
            self._name == other._name
            and self._file_type is other._file_type
            and self._key == other._key
            and self._objects == other._objects
        )

    __hash__ = None  # type: ignore[assignment]  # equal trees may change: not hashable

    def __repr__(self) -> str:
        if self.is_file():
            return f"File(name={self._name!r}, file_type=FILE, key={self._key!r})"
        return f"File(name={self._name!r}, file_type=DIRECTORY, objects={sorted(self._objects)!r})"
