"""``FolderData``: a tree of files and folders (AiiDA's ``data.core.folder.FolderData.``).

It has no attributes: the tree is the node's repository, and its methods are those of
``node.base.repository``, offered on the node itself as AiiDA does.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, Literal, TextIO, overload

from provgraph.orm.nodes.data.data import Data
from provgraph.repository.common import File
from provgraph.repository.tree import FilePath

__all__ = ["FolderData"]


def put_local_directory(node: Data, directory: str | os.PathLike[str], what: str) -> None:
    """Copy a local directory's files into an unstored node; ``NotADirectoryError`` naming
    ``what`` (the argument the user gave) if it is not one."""
    path = Path(directory)
    if not path.is_dir():
        raise NotADirectoryError(f"{what} needs a local directory, {str(path)!r} is not one")
    node.base.repository.put_object_from_tree(path)


class FolderData(Data, node_type="data.core.folder.FolderData."):
    """Files and folders: ``FolderData(tree="/path/to/dir")`` copies a local directory in."""

    def __init__(self, tree: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if tree is not None:
            put_local_directory(self, tree, "FolderData(tree=...)")

    # -- reading -------------------------------------------------------------------------------

    def list_objects(self, path: FilePath | None = None) -> list[File]:
        return self.base.repository.list_objects(path)

    def list_object_names(self, path: FilePath | None = None) -> list[str]:
        return self.base.repository.list_object_names(path)

    def get_object(self, path: FilePath | None = None) -> File:
        return self.base.repository.get_object(path)

    @overload
    def open(self, path: FilePath, mode: Literal["r"] = ...) -> AbstractContextManager[TextIO]: ...

    @overload
    def open(self, path: FilePath, mode: Literal["rb"]) -> AbstractContextManager[BinaryIO]: ...

    def open(
        self, path: FilePath, mode: Literal["r", "rb"] = "r"
    ) -> AbstractContextManager[TextIO] | AbstractContextManager[BinaryIO]:
        """A read handle on the file at ``path``: text (UTF-8) with ``'r'``, bytes with ``'rb'``."""
        if mode == "rb":
            return self.base.repository.open(path, "rb")
        return self.base.repository.open(path, mode)

    @overload
    def get_object_content(self, path: FilePath, mode: Literal["r"] = ...) -> str: ...

    @overload
    def get_object_content(self, path: FilePath, mode: Literal["rb"]) -> bytes: ...

    def get_object_content(self, path: FilePath, mode: Literal["r", "rb"] = "r") -> str | bytes:
        if mode == "rb":
            return self.base.repository.get_object_content(path, "rb")
        return self.base.repository.get_object_content(path, mode)

    def as_path(self, path: FilePath | None = None) -> AbstractContextManager[Path]:
        """A temporary local copy of the file or directory at ``path`` (default: all), deleted on exit."""
        return self.base.repository.as_path(path)

    def walk(self, path: FilePath | None = None) -> Iterator[tuple[PurePosixPath, list[str], list[str]]]:
        return self.base.repository.walk(path)

    def glob(self) -> list[PurePosixPath]:
        """Every path in the tree, directories and files, sorted."""
        return self.base.repository.glob()

    def copy_tree(self, target: str | os.PathLike[str], path: FilePath | None = None) -> None:
        """Write the tree (or the directory at ``path``) into the local folder ``target``."""
        self.base.repository.copy_tree(target, path)

    # -- writing (unstored nodes only) ---------------------------------------------------------

    def put_object_from_bytes(self, content: bytes, path: FilePath) -> None:
        self.base.repository.put_object_from_bytes(content, path)

    def put_object_from_filelike(self, handle: IO[Any], path: FilePath) -> None:
        self.base.repository.put_object_from_filelike(handle, path)

    def put_object_from_file(self, filepath: str | os.PathLike[str], path: FilePath) -> None:
        self.base.repository.put_object_from_file(filepath, path)

    def put_object_from_tree(self, filepath: str | os.PathLike[str], path: FilePath | None = None) -> None:
        self.base.repository.put_object_from_tree(filepath, path)

    def delete_object(self, path: FilePath) -> None:
        self.base.repository.delete_object(path)

    def erase(self) -> None:
        """Remove every file and folder."""
        self.base.repository.erase()
