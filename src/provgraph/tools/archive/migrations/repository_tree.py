"""A node's file tree in AiiDA's ``repository_metadata`` layout, built from (path, key) pairs.

The layout: a folder is ``{'o': {name: child, ...}}`` (an empty folder is ``{}``), a file is
``{'k': <sha256 of its content>}``; a node without files has ``{}``.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from provgraph.exceptions import CorruptArchive

__all__ = ["RepositoryTree"]

_Folder = dict[str, "str | _Folder"]  # a file is its key (str), a folder a dict


class RepositoryTree:
    """The files and folders of one node, added in any order."""

    def __init__(self) -> None:
        self._root: _Folder = {}

    def _folder(self, path: PurePosixPath) -> _Folder:
        """The folder at ``path``, created with its parents as needed."""
        folder = self._root
        for part in path.parts:
            child = folder.setdefault(part, {})
            if isinstance(child, str):
                raise CorruptArchive(f"repository path {path} is both a file and a folder")
            folder = child
        return folder

    def add_folder(self, path: PurePosixPath) -> None:
        """Record a folder (empty folders are kept, as AiiDA keeps them)."""
        self._folder(path)

    def add_file(self, path: PurePosixPath, key: str) -> None:
        """Record a file with the key of its content."""
        if not path.parts:
            raise CorruptArchive("a repository file without a name")
        folder = self._folder(path.parent)
        if isinstance(folder.get(path.name), dict):
            raise CorruptArchive(f"repository path {path} is both a file and a folder")
        folder[path.name] = key

    def serialize(self) -> dict[str, Any]:
        """The ``repository_metadata`` value (names sorted, so equal trees give equal JSON)."""
        return _serialize(self._root)


def _serialize(folder: _Folder) -> dict[str, Any]:
    if not folder:
        return {}
    return {
        "o": {
            name: {"k": child} if isinstance(child, str) else _serialize(child)
            for name, child in sorted(folder.items())
        }
    }
