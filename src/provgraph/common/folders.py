"""Plain folders on disk with aiida-core's names (``aiida.common.folders``).

A ``SandboxFolder`` is a temporary folder removed when its ``with`` block ends.

Example::

    from provgraph.common.folders import SandboxFolder
    with SandboxFolder() as folder:
        with folder.open("input.txt", "w") as handle:
            handle.write("data")
        folder.get_content_list()      # ['input.txt']
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = ["Folder", "SandboxFolder"]


class Folder:
    """A folder on disk; every path given to its methods must stay inside it."""

    def __init__(
        self, abspath: str | os.PathLike[str], folder_limit: str | os.PathLike[str] | None = None
    ) -> None:
        path = Path(abspath)
        if not path.is_absolute():
            raise ValueError(f"a Folder needs an absolute path, got {str(abspath)!r}")
        self._abspath = path
        self._folder_limit = Path(folder_limit) if folder_limit is not None else path

    @property
    def abspath(self) -> str:
        """The folder's absolute path."""
        return str(self._abspath)

    @property
    def folder_limit(self) -> str:
        """No path of this folder may leave this one."""
        return str(self._folder_limit)

    def get_abs_path(self, relpath: str, check_existence: bool = False) -> str:
        """The absolute path of ``relpath`` inside the folder; ``ValueError`` if it leaves the folder."""
        if os.path.isabs(relpath):
            raise ValueError(f"expected a relative path, got {relpath!r}")
        path = (self._abspath / relpath).resolve()
        limit = self._folder_limit.resolve()
        if path != limit and limit not in path.parents:
            raise ValueError(f"{relpath!r} leaves the folder {self.folder_limit}")
        if check_existence and not path.exists():
            raise OSError(f"{path} does not exist")
        return str(path)

    def get_subfolder(self, subfolder: str, create: bool = False, reset_limit: bool = False) -> Folder:
        """A folder inside this one (made when ``create``)."""
        path = self.get_abs_path(subfolder)
        folder = Folder(path, folder_limit=path if reset_limit else self._folder_limit)
        if create:
            folder.create()
        return folder

    def create(self) -> None:
        """Make the folder (and its parents) if it does not exist."""
        self._abspath.mkdir(parents=True, exist_ok=True)

    def exists(self) -> bool:
        """Whether the folder exists on disk."""
        return self._abspath.is_dir()

    def erase(self, create_empty_folder: bool = False) -> None:
        """Remove the folder and everything in it (and make it again, empty, when asked)."""
        shutil.rmtree(self._abspath, ignore_errors=True)
        if create_empty_folder:
            self.create()

    def get_content_list(self, pattern: str = "*", only_paths: bool = True) -> list[Any]:
        """The names matching ``pattern`` (with ``only_paths=False``: ``(name, is_file)`` pairs)."""
        names = sorted(path.name for path in self._abspath.glob(pattern))
        if only_paths:
            return names
        return [(name, (self._abspath / name).is_file()) for name in names]

    def isfile(self, relpath: str) -> bool:
        """Whether ``relpath`` is a file of the folder."""
        return os.path.isfile(self.get_abs_path(relpath))

    def isdir(self, relpath: str) -> bool:
        """Whether ``relpath`` is a folder inside the folder."""
        return os.path.isdir(self.get_abs_path(relpath))

    def open(
        self, name: str, mode: str = "r", encoding: str | None = "utf8", check_existence: bool = False
    ) -> IO[Any]:
        """Open a file of the folder."""
        path = self.get_abs_path(name, check_existence=check_existence)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    def create_file_from_filelike(self, filelike: IO[Any], filename: str, mode: str = "wb") -> str:
        """Write a file of the folder from an open file; return its path."""
        path = self.get_abs_path(filename)
        with open(path, mode) as handle:
            shutil.copyfileobj(filelike, handle)
        return path

    def insert_path(self, src: str, dest_name: str | None = None, overwrite: bool = True) -> str:
        """Copy a file or folder into this folder; return the destination path."""
        destination = self.get_abs_path(dest_name or os.path.basename(os.path.normpath(src)))
        if os.path.exists(destination) and not overwrite:
            raise OSError(f"{destination} exists already")
        if os.path.isdir(src):
            shutil.copytree(src, destination, dirs_exist_ok=overwrite)
        else:
            shutil.copyfile(src, destination)
        return destination

    def remove_path(self, filename: str) -> None:
        """Remove a file or folder of the folder (nothing if it is not there)."""
        path = self.get_abs_path(filename)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


class SandboxFolder(Folder):
    """A new temporary folder, removed at the end of its ``with`` block (or by ``erase()``)."""

    def __init__(self, filepath: str | os.PathLike[str] | None = None) -> None:
        parent = Path(filepath) if filepath is not None else None
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        super().__init__(tempfile.mkdtemp(prefix="provgraph-sandbox-", dir=parent))

    def __enter__(self) -> SandboxFolder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.erase()
