"""``node.base.repository``: the files of one node, AiiDA's node-level API.

This layer adds what the plain :class:`~provgraph.repository.Repository` does not know: where
the files live (a private sandbox until the node is stored, the profile's object store after)
and that a stored node's files never change. Storing is two-phase so that content is always in
the object store before a row can point at it: :meth:`NodeRepository._prepare_store` copies the
sandbox into the store and returns the metadata for the row, :meth:`NodeRepository._after_store`
drops the sandbox once the row is committed. A failed insert leaves only unreferenced objects,
which maintenance removes.
"""

from __future__ import annotations

import copy
import io
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Literal, Protocol, TextIO, cast, overload

from provgraph.common.hashing import sha256_of_stream
from provgraph.common.node_hash import repository_hash
from provgraph.exceptions import ModificationNotAllowed
from provgraph.repository.common import File
from provgraph.repository.sandbox import SandboxRepositoryBackend
from provgraph.repository.streams import EncodingReader, is_text_stream, text_reader
from provgraph.repository.tree import FilePath, Repository

if TYPE_CHECKING:
    from provgraph.storage.abstract import StorageBackend

__all__ = ["NodeRepository", "RepositoryState"]

LOGGER = logging.getLogger(__name__)

SANDBOX_OPTION = "storage.sandbox"
"""Profile option naming the folder for unstored nodes' files (AiiDA's name); default: temp dir."""

_CHUNK = 1 << 20


class RepositoryState:
    """The file trees of one node, kept on the node (``NodeRepository`` is a stateless view).

    ``sandbox`` holds an unstored node's files; ``stored`` is the stored tree, read from the
    row's metadata once.
    """

    __slots__ = ("sandbox", "stored")

    def __init__(self) -> None:
        self.sandbox: Repository | None = None
        self.stored: Repository | None = None


class RepositoryOwner(Protocol):
    """What NodeRepository needs from its node (``provgraph.orm.nodes.node.Node`` has it)."""

    @property
    def is_stored(self) -> bool: ...

    @property
    def backend(self) -> StorageBackend: ...

    def _column(self, name: str) -> Any: ...

    def _file_state(self) -> RepositoryState | None: ...

    def _ensure_file_state(self) -> RepositoryState: ...


def _check_mode(mode: str) -> None:
    if mode not in ("r", "rb"):
        raise ValueError(
            f"mode {mode!r} is not supported: use 'r' (text) or 'rb' (bytes); write with put_object_*"
        )


class NodeRepository:
    """The file tree of ``node``: writable while the node is unstored, read-only after."""

    __slots__ = ("_node",)

    def __init__(self, node: RepositoryOwner) -> None:
        self._node = node

    @property
    def _state(self) -> RepositoryState:
        return self._node._ensure_file_state()

    @property
    def _sandbox(self) -> Repository | None:
        state = self._node._file_state()
        return None if state is None else state.sandbox

    @_sandbox.setter
    def _sandbox(self, repository: Repository | None) -> None:
        self._state.sandbox = repository

    @property
    def _stored(self) -> Repository | None:
        state = self._node._file_state()
        return None if state is None else state.stored

    @_stored.setter
    def _stored(self, repository: Repository | None) -> None:
        self._state.stored = repository

    # -- which tree -----------------------------------------------------------------------------

    @property
    def _repository(self) -> Repository:
        """The stored tree (read from the row once) or the sandbox tree (its folder made on first write)."""
        if self._node.is_stored:
            if self._stored is None:
                metadata = self._node._column("repository_metadata") or {}
                self._stored = Repository.from_serialized(self._node.backend.get_repository(), metadata)
            return self._stored
        if self._sandbox is None:
            # the node's profile's own setting, else the global one (``config set --global``)
            folder = self._node.backend.profile.get_option(SANDBOX_OPTION) or _global_sandbox_option()
            self._sandbox = Repository(SandboxRepositoryBackend(folder))
        return self._sandbox

    @property
    def _repository_instance(self) -> Repository | None:
        """The tree if it was made already (aiida-core's lazily built attribute), else None."""
        return self._stored if self._node.is_stored else self._sandbox

    def _check_mutable(self) -> None:
        if self._node.is_stored:
            pk = getattr(self._node, "pk", None)
            raise ModificationNotAllowed(
                f"the repository of a stored node cannot be changed (node pk={pk}); "
                "put files on a new, unstored node instead"
            )

    def _prepare_store(self) -> dict[str, Any]:
        """Stream every sandbox file into the profile's object store; return the row's metadata.

        Called by ``Node._store`` before the row is inserted. The sandbox stays until
        :meth:`_after_store`, so a failed insert can be retried.
        """
        if self._sandbox is None or self._sandbox.is_empty():
            self._stored = None
            return {}
        stored = Repository(self._node.backend.get_repository())
        stored.clone(self._sandbox)
        self._stored = stored
        if LOGGER.isEnabledFor(logging.DEBUG):  # counting walks the tree; skip it on the hot path
            LOGGER.debug("copied %d files of an unstored node into %s", len(stored.get_file_keys()), stored)
        return stored.serialize()

    def _after_store(self) -> None:
        """Drop the sandbox once the row is committed; reads now go to the object store."""
        if self._sandbox is not None:
            self._sandbox.backend.erase()
            self._sandbox = None

    def _clone(self, source: NodeRepository) -> None:
        """Copy every file of another node's repository into this (unstored) one."""
        self._check_mutable()
        self._repository.clone(source._repository)

    # -- the tree as data -----------------------------------------------------------------------

    @property
    def metadata(self) -> dict[str, Any]:
        """The row's ``repository_metadata``: the serialized tree of the stored files.

        As in aiida-core it is written by the store, so an unstored node's files are not in it
        yet (it is ``{}``); :meth:`serialize` describes the tree as it stands.
        """
        return copy.deepcopy(self._node._column("repository_metadata") or {})

    def serialize(self) -> dict[str, Any]:
        return self._repository.serialize()

    def hash(self) -> str:
        """A hash of the file tree: its directory names and each file's content, not the keys,
        so a node's files hash alike before and after store (AiiDA's repository hash)."""
        if self._node.is_stored:
            metadata = self._node._column("repository_metadata") or {}
            objects = self._node.backend.get_repository()
            if objects.key_format == "sha256":  # the key is the content's hash
                return repository_hash(metadata)
            return repository_hash(metadata, lambda path, key: objects.get_object_hash(key))
        if self._sandbox is None:
            return repository_hash({})

        def streamed(path: str, key: str) -> str:
            with self._repository.open(path) as handle:
                return sha256_of_stream(handle)

        return repository_hash(self._sandbox.serialize(), streamed)

    # -- reading --------------------------------------------------------------------------------

    def list_objects(self, path: FilePath | None = None) -> list[File]:
        """The entries of the directory at ``path`` (the root if None), sorted by name."""
        return self._repository.list_objects(path)

    def list_object_names(self, path: FilePath | None = None) -> list[str]:
        return self._repository.list_object_names(path)

    def get_object(self, path: FilePath | None = None) -> File:
        return self._repository.get_object(path)

    @overload
    def open(self, path: FilePath, mode: Literal["r"] = ...) -> AbstractContextManager[TextIO]: ...

    @overload
    def open(self, path: FilePath, mode: Literal["rb"]) -> AbstractContextManager[BinaryIO]: ...

    def open(
        self, path: FilePath, mode: Literal["r", "rb"] = "r"
    ) -> AbstractContextManager[TextIO] | AbstractContextManager[BinaryIO]:
        """A read handle on the file at ``path``: text (UTF-8) with ``'r'``, bytes with ``'rb'``."""
        _check_mode(mode)
        if mode == "rb":
            return self._repository.open(path)
        return self._open_text(path)

    @contextmanager
    def _open_text(self, path: FilePath) -> Iterator[TextIO]:
        with self._repository.open(path) as handle:
            yield text_reader(handle)

    @overload
    def get_object_content(self, path: FilePath, mode: Literal["r"] = ...) -> str: ...

    @overload
    def get_object_content(self, path: FilePath, mode: Literal["rb"]) -> bytes: ...

    def get_object_content(self, path: FilePath, mode: Literal["r", "rb"] = "r") -> str | bytes:
        """The whole content of the file at ``path``, decoded as UTF-8 unless ``mode='rb'``."""
        _check_mode(mode)
        content = self._repository.get_object_content(path)
        return content if mode == "rb" else content.decode("utf-8")

    def get_object_size(self, path: FilePath) -> int:
        """The size in bytes of the file at ``path`` (counted by streaming for packed objects)."""
        with self._repository.open(path) as handle:
            if isinstance(handle, (io.BufferedReader, io.FileIO)):  # a plain file: ask the OS
                return os.fstat(handle.fileno()).st_size
            return sum(len(chunk) for chunk in iter(lambda: handle.read(_CHUNK), b""))

    @contextmanager
    def as_path(self, path: FilePath | None = None) -> Iterator[Path]:
        """A temporary local copy of the file or directory at ``path``, deleted on exit."""
        entry = self._repository.get_object(path)
        with tempfile.TemporaryDirectory(prefix="provgraph-as-path-") as folder:
            if entry.is_dir():
                self._repository.copy_tree(folder, path)
                yield Path(folder)
                return
            assert path is not None  # the root is a directory
            target = Path(folder) / entry.name
            with self._repository.open(path) as source, open(target, "wb") as stream:
                shutil.copyfileobj(source, stream, _CHUNK)
            yield target

    def walk(self, path: FilePath | None = None) -> Iterator[tuple[PurePosixPath, list[str], list[str]]]:
        """Like ``os.walk`` with roots relative to the node's root (subdirectories first, as AiiDA)."""
        return self._repository.walk(path)

    def glob(self) -> list[PurePosixPath]:
        """Every path in the tree, directories and files alike (as AiiDA), recursively and sorted."""
        paths = [
            root / name
            for root, dirnames, filenames in self._repository.walk()
            for name in dirnames + filenames
        ]
        return sorted(paths)

    def copy_tree(self, target: str | os.PathLike[str], path: FilePath | None = None) -> None:
        """Write the contents of the directory at ``path`` (default: all) into local folder ``target``."""
        self._repository.copy_tree(target, path)

    def get_zipped_objects(self) -> bytes:
        """Every file of the node as a zip archive in memory, members named by their paths.

        Meant for small trees (a download of a node's files); the whole archive is one bytes value.
        """
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for root, _dirnames, filenames in self._repository.walk():
                for name in filenames:
                    path = root / name
                    with self._repository.open(path) as source, archive.open(path.as_posix(), "w") as member:
                        shutil.copyfileobj(source, member, _CHUNK)
        return buffer.getvalue()

    # -- writing (unstored nodes only) ----------------------------------------------------------

    def put_object_from_bytes(self, content: bytes, path: FilePath) -> None:
        self._check_mutable()
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise TypeError(
                f"content must be bytes, got {type(content).__name__}; encode text first or pass a StringIO "
                "to put_object_from_filelike"
            )
        self.put_object_from_filelike(io.BytesIO(content), path)

    def put_object_from_filelike(self, handle: IO[Any], path: FilePath) -> None:
        """Stream ``handle`` to ``path``; text handles (``StringIO``, text files) are UTF-8 encoded."""
        self._check_mutable()
        if not callable(getattr(handle, "read", None)):
            raise TypeError(f"expected a readable file-like object, got {type(handle).__name__}")
        binary = EncodingReader(handle) if is_text_stream(handle) else handle
        self._repository.put_object_from_filelike(cast(BinaryIO, binary), path)

    def put_object_from_file(self, filepath: str | os.PathLike[str], path: FilePath) -> None:
        self._check_mutable()
        self._repository.put_object_from_file(filepath, path)

    def put_object_from_tree(self, filepath: str | os.PathLike[str], path: FilePath | None = None) -> None:
        """Copy a local directory's contents (recursively) under ``path`` (default: the root)."""
        self._check_mutable()
        self._repository.put_object_from_tree(filepath, path)

    def delete_object(self, path: FilePath) -> None:
        """Remove the file at ``path`` (``IsADirectoryError`` for a directory)."""
        self._check_mutable()
        self._repository.delete_object(path, hard_delete=True)

    def erase(self) -> None:
        """Remove every file and directory."""
        self._check_mutable()
        self._after_store()  # the same cleanup: drop the sandbox folder and its tree


def _global_sandbox_option() -> str | None:
    """``storage.sandbox`` from the config's global options (None when unset or no config file)."""
    from provgraph.manager import get_manager

    value = get_manager().get_option(SANDBOX_OPTION)
    return str(value) if value else None
