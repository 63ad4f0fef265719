"""The repository of an AiiDA archive read as a storage: ``repo/<sha256>`` members, never written.

An archive (zip, or the same layout unzipped into a folder) keeps every file content once,
under the sha256 of the content. This backend reads them in place, so opening an archive costs
nothing per file: a zip member is inflated while the caller reads its stream, and a folder
member is an ordinary file. Every write raises ``ReadOnlyStorageError``: an archive is changed
only by importing it into a profile.

Keys come from the archive's own database (a node's ``repository_metadata``), which a stranger
wrote; a key becomes a member name or a path, so anything but 64 lowercase hex digits is
refused before it is used, and symbolic links in a folder archive are never followed.
"""

from __future__ import annotations

import errno
import os
import threading
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NoReturn, cast

from provgraph.common.archive_format import KEY_FORMAT, REPO_FOLDER, archive_container
from provgraph.common.maintenance import MaintenanceStep
from provgraph.exceptions import CorruptArchive, ReadOnlyStorageError, StorageError
from provgraph.repository.abstract import RepositoryBackend
from provgraph.repository.common import is_sha256_key

__all__ = ["ArchiveRepository", "is_sha256_key"]

_BYTES_TO_MB = 1 / 1024**2


class ArchiveRepository(RepositoryBackend):
    """The objects of the archive at ``path`` (a zip file or an unzipped folder), read-only.

    A zip is opened once, on the first read, and shared: ``zipfile`` gives each open member its
    own position on the shared file handle under a lock, so the threads of one process may read
    different objects at the same time. :meth:`close` releases the file; reading afterwards
    raises ``StorageError``.
    """

    def __init__(self, path: Path | str) -> None:
        self._path = Path(path)
        self._container = archive_container(self._path)
        if self._container not in ("zip", "folder"):
            raise CorruptArchive(f"{self._path}: a tar archive holds a legacy format; migrate it first")
        self._zip: zipfile.ZipFile | None = None
        self._lock = threading.Lock()
        self._closed = False

    def __str__(self) -> str:
        return f"archive repository @ {self._path}"

    @property
    def path(self) -> Path:
        return self._path

    # -- what the archive is ------------------------------------------------------------------

    @property
    def uuid(self) -> None:
        """An archive's repository has no identity of its own (AiiDA's archive backend: None)."""
        return None

    @property
    def key_format(self) -> str:
        return KEY_FORMAT

    @property
    def is_initialised(self) -> bool:
        return not self._closed

    def close(self) -> None:
        """Close the zip file (if it was opened); closing twice is harmless."""
        with self._lock:
            self._closed = True
            if self._zip is not None:
                self._zip.close()
                self._zip = None

    # -- refused: an archive is never written -------------------------------------------------

    def _refuse(self, action: str) -> NoReturn:
        raise ReadOnlyStorageError(
            f"cannot {action}: the repository of archive {self._path} is read-only; import the archive "
            "with `provgraph archive import` to change it"
        )

    def initialise(self, **kwargs: Any) -> None:
        self._refuse("initialise a repository")

    def erase(self) -> None:
        self._refuse("erase the repository")

    def put_object_from_filelike(self, handle: BinaryIO) -> str:
        self._refuse("store a file")

    def put_object_from_file(self, filepath: str | Path) -> str:
        self._refuse("store a file")

    def delete_objects(self, keys: Iterable[str]) -> None:
        self._refuse("delete files")

    def maintain(self, dry_run: bool = False, live: bool = True, **kwargs: Any) -> list[MaintenanceStep]:
        raise NotImplementedError(f"an archive's repository ({self._path}) has nothing to maintain")

    # -- reading ------------------------------------------------------------------------------

    def _archive(self) -> zipfile.ZipFile:
        """The open zip file, opened on first use."""
        with self._lock:
            if self._closed:
                raise StorageError(f"{self} is closed; open the storage again to read it")
            if self._zip is None:
                try:
                    self._zip = zipfile.ZipFile(self._path)
                except (zipfile.BadZipFile, OSError) as exc:
                    raise CorruptArchive(f"{self._path}: cannot open the archive: {exc}") from exc
            return self._zip

    def _repo_folder(self) -> Path:
        if self._closed:
            raise StorageError(f"{self} is closed; open the storage again to read it")
        folder = self._path / REPO_FOLDER
        if folder.is_symlink():
            raise CorruptArchive(f"{self._path}: {REPO_FOLDER}/ is a symbolic link; refusing it")
        return folder

    def has_objects(self, keys: Iterable[str]) -> list[bool]:
        keys = list(keys)
        if self._container == "zip":
            names = self._archive().NameToInfo
            return [is_sha256_key(key) and f"{REPO_FOLDER}/{key}" in names for key in keys]
        folder = self._repo_folder()
        return [is_sha256_key(key) and _is_regular_file(folder / key) for key in keys]

    def list_objects(self) -> Iterator[str]:
        if self._container == "zip":
            prefix = f"{REPO_FOLDER}/"
            names = list(self._archive().NameToInfo)
            keys = [name[len(prefix) :] for name in names if name.startswith(prefix)]
            return iter([key for key in keys if is_sha256_key(key)])
        folder = self._repo_folder()
        try:
            with os.scandir(folder) as entries:
                found = [
                    e.name for e in entries if is_sha256_key(e.name) and e.is_file(follow_symlinks=False)
                ]
        except FileNotFoundError:
            found = []  # an archive without files has no repo/ folder
        return iter(found)

    def _missing(self, key: str) -> FileNotFoundError:
        if not is_sha256_key(key):
            return FileNotFoundError(f"no object with key {key!r} in {self}: not a sha256 key")
        return FileNotFoundError(f"no object with key {key!r} in {self}")

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        """A stream of the object's content, inflated as it is read (never read whole here)."""
        if not is_sha256_key(key):
            raise self._missing(key)
        if self._container == "zip":
            archive = self._archive()
            try:
                info = archive.getinfo(f"{REPO_FOLDER}/{key}")
            except KeyError:
                raise self._missing(key) from None
            try:
                stream = archive.open(info)
            except (zipfile.BadZipFile, OSError, ValueError) as exc:
                raise CorruptArchive(f"{self._path}: cannot read object {key}: {exc}") from exc
        else:
            stream = self._open_file(self._repo_folder() / key, key)
        with stream:
            yield cast(BinaryIO, stream)

    def _open_file(self, member: Path, key: str) -> BinaryIO:
        """Open a folder archive's object without following a symbolic link (no race either)."""
        try:
            descriptor = os.open(member, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            raise self._missing(key) from None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise CorruptArchive(
                    f"{self._path}: repository object {key} is a symbolic link; refusing it"
                ) from exc
            raise
        return os.fdopen(descriptor, "rb")

    def iter_object_streams(self, keys: Iterable[str]) -> Iterator[tuple[str, BinaryIO]]:
        """Each object's stream in turn; a stream is closed when the next one is asked for."""
        for key in keys:
            with self.open(key) as stream:
                yield key, stream

    def get_info(self, detailed: bool = False) -> dict[str, Any]:
        keys = list(self.list_objects())
        info: dict[str, Any] = {"objects": {"count": len(keys)}}
        if detailed:
            info["Size (MB)"] = round(self.total_size(keys) * _BYTES_TO_MB, 2)
        return info

    def total_size(self, keys: Iterable[str]) -> int:
        """The summed size of the objects ``keys`` (as declared by the zip, or on disk)."""
        keys = list(keys)
        if self._container == "zip":
            archive = self._archive()
            return sum(archive.getinfo(f"{REPO_FOLDER}/{key}").file_size for key in keys)
        folder = self._repo_folder()
        return sum((folder / key).stat(follow_symlinks=False).st_size for key in keys)


def _is_regular_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()
