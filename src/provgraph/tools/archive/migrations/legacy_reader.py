"""Reading a JSON-era archive (zip or tar): its ``data.json`` once, its per-node files as streams.

Archives come from strangers, so every member name goes through ``check_member_name``, links and
special files are refused, and no member is trusted to be as small as it claims: ``data.json`` is
read with a size limit and repository files are handed out as streams, never as bytes.

A tar file (possibly gzipped) is read sequentially (``r|*``): one pass finds ``data.json``,
another streams the files; nothing is extracted to disk and no member list is kept.
"""

from __future__ import annotations

import json
import stat
import tarfile
import zipfile
import zlib
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from provgraph.common.archive_format import check_member_name, read_member_bytes
from provgraph.exceptions import CorruptArchive

__all__ = [
    "MAX_DATA_JSON_BYTES",
    "MAX_MEMBER_BYTES",
    "READ_ERRORS",
    "LegacyReader",
    "RepositoryEntry",
    "is_zip_symlink",
]

DATA_FILENAME = "data.json"
#: data.json holds the whole database and is parsed in memory: beyond this it is refused.
MAX_DATA_JSON_BYTES = 4 * 1024**3
#: No single repository file of a real archive comes near this; a member claiming more is hostile.
MAX_MEMBER_BYTES = 1024**4

#: What a damaged zip/tar/gzip stream raises while it is read.
READ_ERRORS = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, ValueError)

# Legacy layout: nodes/<uuid[:2]>/<uuid[2:4]>/<uuid[4:]>/<section>/<path inside the node>
_NODES_FOLDER = "nodes"
_NODE_SECTIONS = ("path", "raw_input")  # both hold files of the node's repository
_ROOT_NAMES = ("", ".", "./")


@dataclass(frozen=True)
class RepositoryEntry:
    """A file or folder of one node's repository, as found in the old archive."""

    node_uuid: str
    path: PurePosixPath
    is_dir: bool


def _repository_entry(member: PurePosixPath, is_dir: bool) -> RepositoryEntry | None:
    """The node file a member holds, or None for anything else (data.json, ``__MACOSX``, ...)."""
    parts = member.parts
    if len(parts) < 6 or parts[0] != _NODES_FOLDER or parts[4] not in _NODE_SECTIONS:
        return None
    return RepositoryEntry("".join(parts[1:4]), PurePosixPath(*parts[5:]), is_dir)


def is_zip_symlink(info: zipfile.ZipInfo) -> bool:
    """Whether a zip member carries Unix symlink mode bits (zip can store links too)."""
    return info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16)


def _parse_data(raw: bytes, path: Path) -> dict[str, Any]:
    """The parsed data.json, which must be a JSON object."""
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CorruptArchive(f"{path}: data.json is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("export_data", {}), dict):
        raise CorruptArchive(f"{path}: data.json is not an AiiDA export (no export_data object)")
    return data


class LegacyReader:
    """One JSON-era archive file, zip or tar."""

    def __init__(self, path: Path, container: str) -> None:
        if container not in ("zip", "tar"):
            raise CorruptArchive(f"{path}: a legacy archive must be a zip or tar file, found a {container}")
        self.path = path
        self.container = container

    def read_data(self) -> dict[str, Any]:
        """``data.json``, parsed (the one time it is read)."""
        missing = CorruptArchive(f"{self.path}: required file `{DATA_FILENAME}` is not included")
        limit_text = f"{self.path}: {DATA_FILENAME}"
        try:
            if self.container == "zip":
                with zipfile.ZipFile(self.path) as archive:
                    try:
                        info = archive.getinfo(DATA_FILENAME)
                    except KeyError:
                        raise missing from None
                    if info.file_size > MAX_DATA_JSON_BYTES:
                        raise CorruptArchive(f"{limit_text} is larger than {MAX_DATA_JSON_BYTES:,} bytes")
                    with archive.open(info) as stream:
                        raw = read_member_bytes(stream, MAX_DATA_JSON_BYTES, limit_text)
            else:
                raw = self._read_tar_member(DATA_FILENAME, missing)
        except READ_ERRORS as exc:
            raise CorruptArchive(f"{self.path}: cannot read {DATA_FILENAME}: {exc}") from exc
        except OSError as exc:
            raise CorruptArchive(f"{self.path}: cannot read {DATA_FILENAME}: {exc}") from exc
        return _parse_data(raw, self.path)

    def _read_tar_member(self, name: str, missing: CorruptArchive) -> bytes:
        wanted = PurePosixPath(name)
        members = self._iter_tar()
        try:
            for member, stream in members:
                if member == wanted and stream is not None:
                    return read_member_bytes(stream, MAX_DATA_JSON_BYTES, f"{self.path}: {name}")
        finally:
            members.close()  # stops the pass early and closes the tar file now
        raise missing

    def count_repository(self) -> int | None:
        """How many node files and folders there are (for progress), or None for a tar (a full pass)."""
        if self.container != "zip":
            return None
        try:
            with zipfile.ZipFile(self.path) as archive:
                return sum(
                    _repository_entry(check_member_name(info.filename), info.is_dir()) is not None
                    for info in archive.infolist()
                )
        except READ_ERRORS as exc:
            raise CorruptArchive(f"{self.path}: cannot read the zip directory: {exc}") from exc

    def iter_repository(self) -> Generator[tuple[RepositoryEntry, IO[bytes] | None], None, None]:
        """Every node file and folder with, for files, a stream valid until the next item.

        Read errors of the container surface from the stream's ``read``; callers translate
        ``READ_ERRORS`` into ``CorruptArchive`` there.
        """
        members = self._iter_zip() if self.container == "zip" else self._iter_tar()
        for member, stream in members:
            entry = _repository_entry(member, stream is None)
            if entry is not None:
                yield entry, stream

    def _iter_zip(self) -> Generator[tuple[PurePosixPath, IO[bytes] | None], None, None]:
        """Every member's checked path with a stream (None for folders)."""
        with zipfile.ZipFile(self.path) as archive:
            for info in archive.infolist():
                member = check_member_name(info.filename)
                if is_zip_symlink(info):
                    raise CorruptArchive(
                        f"{self.path}: member {info.filename!r} is a symbolic link; refusing it"
                    )
                if info.is_dir():
                    yield member, None
                    continue
                if info.file_size > MAX_MEMBER_BYTES:
                    raise CorruptArchive(
                        f"{self.path}: member {info.filename!r} claims {info.file_size:,} bytes, more than "
                        f"the {MAX_MEMBER_BYTES:,} allowed; refusing it"
                    )
                with archive.open(info) as stream:
                    yield member, stream

    def _iter_tar(self) -> Generator[tuple[PurePosixPath, IO[bytes] | None], None, None]:
        """Every member's checked path with a stream (None for folders), in one sequential pass."""
        with tarfile.open(self.path, "r|*") as archive:
            for info in archive:
                if info.isdir() and info.name in _ROOT_NAMES:
                    continue  # the archive's own top folder
                member = check_member_name(info.name)
                if info.issym() or info.islnk():
                    raise CorruptArchive(f"{self.path}: member {info.name!r} is a link; refusing it")
                if info.isdir():
                    yield member, None
                    continue
                if not info.isfile():
                    raise CorruptArchive(
                        f"{self.path}: member {info.name!r} is a device or pipe; refusing it"
                    )
                if info.size > MAX_MEMBER_BYTES:
                    raise CorruptArchive(
                        f"{self.path}: member {info.name!r} claims {info.size:,} bytes, more than the "
                        f"{MAX_MEMBER_BYTES:,} allowed; refusing it"
                    )
                stream = archive.extractfile(info)
                if stream is None:  # pragma: no cover (isfile() was checked)
                    continue
                with stream:
                    yield member, stream
