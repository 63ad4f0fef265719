"""A virtual file hierarchy whose files are objects in a :class:`RepositoryBackend`.

The backend stores flat, immutable objects; this class keeps the names and directories (a tree
of :class:`File` entries) that a node shows to its user. Only the tree is per node: the backend
may hold the objects of many nodes (the profile's store), which is why deleting an entry only
forgets it unless a hard delete is asked for. Semantics and the serialized layout follow
aiida-core's ``Repository`` so that ``repository_metadata`` rows are interchangeable.

Contents always stream through fixed-size chunks; nothing here reads a whole object into memory
except :meth:`Repository.get_object_content`, which exists to do exactly that.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath, PurePosixPath
from typing import Any, BinaryIO, TypeAlias

from provgraph.repository.abstract import RepositoryBackend
from provgraph.repository.common import File, FileType
from provgraph.repository.sandbox import SandboxRepositoryBackend

__all__ = ["FilePath", "Repository", "normalise_path"]

FilePath: TypeAlias = str | PurePath
"""A path inside the tree: relative and POSIX (``"sub/f.txt"`` or ``PurePosixPath``)."""

_CHUNK = 1 << 20


def normalise_path(path: FilePath | None) -> PurePosixPath:
    """Turn ``path`` into a relative POSIX path inside the tree; ``None`` is the root.

    ``.`` parts vanish and ``..`` parts cancel the part before them, so ``a/../b`` is ``b``;
    a path that is absolute is a ``TypeError`` (AiiDA's behaviour), one that climbs out of the
    tree a ``ValueError``.
    """
    if path is None:
        return PurePosixPath()
    if isinstance(path, PurePath):
        path = path.as_posix()
    if not isinstance(path, str):
        raise TypeError(f"a repository path must be a str or PurePath, got {type(path).__name__}: {path!r}")
    posix = PurePosixPath(path)
    if posix.is_absolute():
        raise TypeError(f"path `{path}` is not a relative path. Use a path relative to the node's root")
    parts: list[str] = []
    for part in posix.parts:
        if part != "..":
            parts.append(part)
        elif parts:
            parts.pop()
        else:
            raise ValueError(f"repository path {path!r} leads outside the node's file tree")
    return PurePosixPath(*parts)


class Repository:
    """The file tree of one node over a backend that stores the contents."""

    def __init__(self, backend: RepositoryBackend | None = None) -> None:
        if backend is None:
            backend = SandboxRepositoryBackend()
        if not isinstance(backend, RepositoryBackend):
            raise TypeError(f"backend must be a RepositoryBackend, got {type(backend).__name__}")
        self._backend = backend
        self._root = File()

    def __str__(self) -> str:
        return f"Repository<{self._backend}>"

    @property
    def backend(self) -> RepositoryBackend:
        return self._backend

    @property
    def uuid(self) -> str | None:
        return self._backend.uuid

    @property
    def is_initialised(self) -> bool:
        return self._backend.is_initialised

    # -- the tree as data -----------------------------------------------------------------------

    @classmethod
    def from_serialized(cls, backend: RepositoryBackend, serialized: Mapping[str, Any] | None) -> Repository:
        """A tree over ``backend`` as described by ``repository_metadata`` (``{}``/None: empty)."""
        repository = cls(backend)
        if serialized:
            repository._root = File.from_serialized(serialized)
        return repository

    def reset(self) -> None:
        """Forget the whole tree (the backend's objects stay)."""
        self._root = File()

    def serialize(self) -> dict[str, Any]:
        """The tree in AiiDA's ``repository_metadata`` layout."""
        return self._root.serialize()

    @staticmethod
    def flatten(serialized: Mapping[str, Any] | None, delimiter: str = "/") -> dict[str, str | None]:
        """Map every path of a serialized tree to its key; directories end in ``delimiter`` -> None."""
        flat: dict[str, str | None] = {}
        pending: list[tuple[str, Mapping[str, Any]]] = [("", serialized or {})]
        while pending:
            prefix, directory = pending.pop()
            for name, entry in directory.get("o", {}).items():
                path = f"{prefix}{delimiter}{name}" if prefix else name
                if "k" in entry:
                    flat[path] = entry["k"]
                else:
                    flat[f"{path}{delimiter}"] = None
                    pending.append((path, entry))
        return flat

    def get_file_keys(self) -> list[str]:
        """The backend keys of every file in the tree (a key repeats if contents repeat)."""
        return [
            entry.key for _, entry in self._iter_files(self._root, PurePosixPath()) if entry.key is not None
        ]

    def _iter_files(self, directory: File, prefix: PurePosixPath) -> Iterator[tuple[PurePosixPath, File]]:
        """Every file under ``directory`` with its path, depth first in insertion order."""
        for name, entry in directory._objects.items():
            if entry.is_dir():
                yield from self._iter_files(entry, prefix / name)
            else:
                yield prefix / name, entry

    # -- lookups --------------------------------------------------------------------------------

    def get_object(self, path: FilePath | None = None) -> File:
        """The entry at ``path`` (the root if None); ``FileNotFoundError`` if there is none."""
        path = normalise_path(path)
        entry = self._root
        for depth, part in enumerate(path.parts):
            if entry.is_file():
                where = PurePosixPath(*path.parts[:depth]).as_posix()
                raise FileNotFoundError(
                    f"object with path `{path}` does not exist. ({where!r} is a file, not a directory)"
                )
            if part not in entry._objects:
                raise FileNotFoundError(f"object with path `{path}` does not exist.")
            entry = entry._objects[part]
        return entry

    def get_directory(self, path: FilePath | None = None) -> File:
        entry = self.get_object(path)
        if not entry.is_dir():
            raise NotADirectoryError(f"object at {str(normalise_path(path))!r} is a file, not a directory")
        return entry

    def get_file(self, path: FilePath) -> File:
        entry = self.get_object(path)
        if not entry.is_file():
            raise IsADirectoryError(f"object at {str(normalise_path(path))!r} is a directory, not a file")
        return entry

    def list_objects(self, path: FilePath | None = None) -> list[File]:
        """The entries of the directory at ``path``, sorted by name."""
        return sorted(self.get_directory(path)._objects.values(), key=lambda entry: entry.name)

    def list_object_names(self, path: FilePath | None = None) -> list[str]:
        return [entry.name for entry in self.list_objects(path)]

    def is_empty(self) -> bool:
        """Whether the tree has no entries at all (an empty directory counts as an entry)."""
        return not self._root._objects

    def has_object(self, path: FilePath) -> bool:
        try:
            self.get_object(path)
        except FileNotFoundError:
            return False
        return True

    # -- building the tree ----------------------------------------------------------------------

    def create_directory(self, path: FilePath) -> File:
        """Make the directory at ``path`` and its parents (existing ones are kept)."""
        if path is None:
            raise TypeError("create_directory needs a path; None would name the root, which always exists")
        return self._make_directories(normalise_path(path))

    def _make_directories(self, path: PurePosixPath) -> File:
        directory = self._root
        for depth, part in enumerate(path.parts):
            entry = directory._objects.get(part)
            if entry is None:
                entry = directory._objects[part] = File(part)
            elif entry.is_file():
                where = PurePosixPath(*path.parts[: depth + 1]).as_posix()
                raise NotADirectoryError(
                    f"cannot create directory {str(path)!r}: {where!r} is a file; delete it first"
                )
            directory = entry
        return directory

    def _check_file_slot(self, path: PurePosixPath) -> None:
        """Refuse a file path that is the root, crosses a file, or is an existing directory."""
        if not path.parts:
            raise IsADirectoryError("cannot put a file at the repository root; give it a file name")
        entry = self._root
        for depth, part in enumerate(path.parts):
            if part not in entry._objects:
                return
            entry = entry._objects[part]
            is_last = depth == len(path.parts) - 1
            if entry.is_file() and not is_last:
                where = PurePosixPath(*path.parts[: depth + 1]).as_posix()
                raise NotADirectoryError(
                    f"cannot put a file at {str(path)!r}: {where!r} is a file, not a directory"
                )
        if entry.is_dir():
            raise IsADirectoryError(
                f"cannot put a file at {str(path)!r}: a directory exists there; choose another path"
            )

    def put_object_from_filelike(self, handle: BinaryIO, path: FilePath) -> None:
        """Stream ``handle`` into the backend and record it at ``path`` (replacing a file there).

        The path is checked before any byte is written, so a conflict costs nothing.
        """
        path = normalise_path(path)
        self._check_file_slot(path)
        key = self._backend.put_object_from_filelike(handle)
        self._make_directories(path.parent)._objects[path.name] = File(path.name, FileType.FILE, key)

    def put_object_from_file(self, filepath: str | os.PathLike[str], path: FilePath) -> None:
        with open(filepath, "rb") as handle:
            self.put_object_from_filelike(handle, path)

    def put_object_from_tree(self, filepath: str | os.PathLike[str], path: FilePath | None = None) -> None:
        """Copy the local directory ``filepath`` (recursively, names in sorted order) under ``path``."""
        source = Path(filepath)
        if not source.is_dir():
            raise NotADirectoryError(f"{str(source)!r} is not a local directory; use put_object_from_file")
        base = normalise_path(path)
        self._make_directories(base)
        for root, dirnames, filenames in os.walk(source):
            dirnames.sort()
            relative = PurePosixPath(Path(root).relative_to(source).as_posix())
            for dirname in dirnames:
                self._make_directories(base / relative / dirname)
            for filename in sorted(filenames):
                self.put_object_from_file(Path(root) / filename, base / relative / filename)

    def clone(self, source: Repository) -> None:
        """Copy every file and directory of ``source`` into this tree, streaming into this backend.

        Walks both trees entry by entry instead of going through the path-based public methods:
        the paths are already valid, and re-parsing them cost more than a small object's copy.
        """
        if not isinstance(source, Repository):
            raise TypeError(f"can only clone a Repository, got {type(source).__name__}")
        self._clone_directory(source, source._root, self._root, "")

    def _clone_directory(self, source: Repository, directory: File, target: File, prefix: str) -> None:
        """Merge ``directory`` (of ``source``) into ``target``; ``prefix`` is their path, for errors."""
        for name, entry in directory._objects.items():
            existing = target._objects.get(name)
            if entry.is_dir():
                if existing is None:
                    existing = target._objects[name] = File(name)
                elif existing.is_file():
                    where = prefix + name
                    raise NotADirectoryError(
                        f"cannot create directory {where!r}: {where!r} is a file; delete it first"
                    )
                self._clone_directory(source, entry, existing, f"{prefix}{name}/")
                continue
            if existing is not None and existing.is_dir():
                raise IsADirectoryError(
                    f"cannot put a file at {prefix + name!r}: a directory exists there; choose another path"
                )
            assert entry.key is not None
            with source._backend.open(entry.key) as handle:
                key = self._backend.put_object_from_filelike(handle)
            target._objects[name] = File(name, FileType.FILE, key)

    # -- reading --------------------------------------------------------------------------------

    @contextmanager
    def open(self, path: FilePath) -> Iterator[BinaryIO]:
        """A binary read handle on the file at ``path``."""
        key = self.get_file(path).key
        assert key is not None
        with self._backend.open(key) as handle:
            yield handle

    def get_object_content(self, path: FilePath) -> bytes:
        """The whole content of the file at ``path`` in memory; prefer :meth:`open` for big files."""
        with self.open(path) as handle:
            return handle.read()

    def walk(self, path: FilePath | None = None) -> Iterator[tuple[PurePosixPath, list[str], list[str]]]:
        """Like ``os.walk``: ``(root, dirnames, filenames)`` with ``root`` relative to the tree.

        As in AiiDA, subdirectories come before their parent and names keep insertion order.
        """
        root = normalise_path(path)
        directory = self.get_directory(root)
        dirnames = [name for name, entry in directory._objects.items() if entry.is_dir()]
        filenames = [name for name, entry in directory._objects.items() if entry.is_file()]
        for dirname in dirnames:
            yield from self.walk(root / dirname)
        yield root, dirnames, filenames

    def copy_tree(self, target: str | os.PathLike[str], path: FilePath | None = None) -> None:
        """Write the directory at ``path`` (its contents, not itself) into local folder ``target``."""
        base = normalise_path(path)
        self.get_directory(base)
        destination = Path(target)
        destination.mkdir(parents=True, exist_ok=True)
        for root, dirnames, filenames in self.walk(base):
            folder = destination / root.relative_to(base)
            folder.mkdir(parents=True, exist_ok=True)
            for dirname in dirnames:
                (folder / dirname).mkdir(exist_ok=True)
            for filename in filenames:
                with self.open(root / filename) as source, open(folder / filename, "wb") as stream:
                    shutil.copyfileobj(source, stream, _CHUNK)

    # -- removing -------------------------------------------------------------------------------

    def delete_object(self, path: FilePath, hard_delete: bool = False) -> None:
        """Remove the file at ``path`` from the tree; ``hard_delete`` also drops its object.

        A hard delete keeps the object while another file of this tree still uses its key (a
        content-addressed backend gives equal contents one key).
        """
        path = normalise_path(path)
        entry = self.get_object(path)
        if entry.is_dir():
            raise IsADirectoryError(
                f"cannot delete {str(path)!r}: it is a directory; delete its files instead"
            )
        parent = self.get_directory(path.parent)
        del parent._objects[path.name]
        if hard_delete and entry.key is not None and entry.key not in self.get_file_keys():
            self._backend.delete_object(entry.key)

    def erase(self) -> None:
        """Delete every object of this tree from the backend and empty the tree.

        Meant for a backend this tree owns (the sandbox): on a shared store the same objects may
        belong to other nodes too.
        """
        keys = set(self.get_file_keys())
        if keys:
            self._backend.delete_objects(sorted(keys))
        self.reset()

    def initialise(self, **kwargs: Any) -> None:
        self._backend.initialise(**kwargs)

    def delete(self) -> None:
        """Erase the backend itself (all its objects, for every user of it) and the tree."""
        self._backend.erase()
        self.reset()
