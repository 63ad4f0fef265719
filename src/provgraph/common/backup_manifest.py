"""What a storage backup holds (its ``manifest.json``), and what a backup or a restore reports.

A backup folder is complete exactly when it has a manifest: the manifest is written last, and
the folder only gets its final name afterwards. The manifest lists every file of the backup with
its size and sha256, so that a restore can check each byte it copies, and records for each file
whether it was copied or hard-linked from the previous backup, and the identity of the source
file it came from (``SourceStamp``), which the next backup compares to decide what it may link.

>>> entry = FileEntry(size=3, sha256="ab" * 32)
>>> FileEntry.from_json(entry.to_json()) == entry
True
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provgraph.exceptions import StorageRestoreError

__all__ = [
    "MANIFEST_FILENAME",
    "MANIFEST_FORMAT",
    "MANIFEST_VERSION",
    "BackupManifest",
    "BackupSummary",
    "FileEntry",
    "ProgressCallback",
    "RestoreSummary",
    "SourceStamp",
    "format_bytes",
    "read_backup",
    "read_manifest_head",
]

MANIFEST_FILENAME = "manifest.json"
MANIFEST_FORMAT = "provgraph-backup"
MANIFEST_VERSION = 1
_FILES_MARKER = ',\n "files": {'

#: ``(stage, done, total)``: what a long step reports as it goes (``total`` None: not known yet).
#: The CLI draws it with ``cli.output.stage_progress``.
ProgressCallback = Callable[[str, int, "int | None"], None]


@dataclass(frozen=True, slots=True)
class SourceStamp:
    """Which source file a backup copied, and in what state: inode, size and modification time.

    A pack file is only ever appended to, or replaced whole by a rename (a repack), so an
    unchanged stamp means unchanged content, as rsync's quick check assumes.
    """

    inode: int
    size: int
    mtime_ns: int

    def to_json(self) -> list[int]:
        return [self.inode, self.size, self.mtime_ns]

    @classmethod
    def from_json(cls, value: Any) -> SourceStamp:
        inode, size, mtime_ns = value
        return cls(int(inode), int(size), int(mtime_ns))


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One file of a backup: its size and sha256; whether it was hard-linked from the previous backup."""

    size: int
    sha256: str
    linked: bool = False
    #: The source file's stamp if it did not change while it was copied (None: never link it).
    source: SourceStamp | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"size": self.size, "sha256": self.sha256}
        if self.linked:
            data["linked"] = True
        if self.source is not None:
            data["source"] = self.source.to_json()
        return data

    def to_json_text(self) -> str:
        """:meth:`to_json` as JSON text, written directly (a manifest holds one per object)."""
        text = f'{{"size": {self.size}, "sha256": "{self.sha256}"'
        if self.linked:
            text += ', "linked": true'
        if self.source is not None:
            text += f', "source": [{self.source.inode}, {self.source.size}, {self.source.mtime_ns}]'
        return text + "}"

    @classmethod
    def from_json(cls, value: Mapping[str, Any]) -> FileEntry:
        size, sha256 = value["size"], value["sha256"]
        if type(size) is not int or size < 0 or type(sha256) is not str or len(sha256) != 64:
            raise ValueError(f"bad file entry {dict(value)!r}")
        source = value.get("source")
        return cls(
            size, sha256, value.get("linked") is True, SourceStamp.from_json(source) if source else None
        )


@dataclass(frozen=True)
class BackupManifest:
    """The contents of ``manifest.json``: what was backed up, from where, when, and every file."""

    profile: str
    profile_uuid: str
    backend: str
    schema_version: str
    repository_uuid: str | None
    started: str
    finished: str
    #: Rows by entity (AiiDA's names: Users, Nodes, Links, ...) and ``Objects referenced``,
    #: all read from the backed-up database itself.
    counts: dict[str, int]
    #: Path inside the backup folder (POSIX) -> entry.
    files: dict[str, FileEntry]
    #: The name of the backup whose files were linked, if any.
    previous: str | None
    provgraph_version: str

    @property
    def bytes_copied(self) -> int:
        return sum(entry.size for entry in self.files.values() if not entry.linked)

    @property
    def bytes_linked(self) -> int:
        return sum(entry.size for entry in self.files.values() if entry.linked)

    @property
    def files_copied(self) -> int:
        return sum(1 for entry in self.files.values() if not entry.linked)

    @property
    def files_linked(self) -> int:
        return sum(1 for entry in self.files.values() if entry.linked)

    def to_json(self) -> bytes:
        data = {
            "format": MANIFEST_FORMAT,
            "format_version": MANIFEST_VERSION,
            "provgraph_version": self.provgraph_version,
            "profile": {"name": self.profile, "uuid": self.profile_uuid},
            "backend": self.backend,
            "schema_version": self.schema_version,
            "repository_uuid": self.repository_uuid,
            "started": self.started,
            "finished": self.finished,
            "previous": self.previous,
            "counts": self.counts,
            "files_copied": self.files_copied,
            "files_linked": self.files_linked,
            "bytes_copied": self.bytes_copied,
            "bytes_linked": self.bytes_linked,
        }
        # One line per file: readable, and a tenth of the time of indenting every entry.
        files = ",\n".join(
            f"  {json.dumps(path)}: {entry.to_json_text()}" for path, entry in sorted(self.files.items())
        )
        text = json.dumps(data, indent=1)[:-2] + f"{_FILES_MARKER}\n{files}\n }}\n}}\n"
        return text.encode("utf-8")

    @classmethod
    def from_json(cls, raw: bytes) -> BackupManifest:
        """Parse a manifest; ``ValueError`` says what is wrong with it."""
        try:
            data = _checked(json.loads(raw))
            return cls(
                profile=str(data["profile"]["name"]),
                profile_uuid=str(data["profile"]["uuid"]),
                backend=str(data["backend"]),
                schema_version=str(data["schema_version"]),
                repository_uuid=data["repository_uuid"],
                started=str(data["started"]),
                finished=str(data["finished"]),
                counts={str(name): int(count) for name, count in data["counts"].items()},
                files={
                    _checked_path(path): FileEntry.from_json(entry) for path, entry in data["files"].items()
                },
                previous=data.get("previous"),
                provgraph_version=str(data.get("provgraph_version", "")),
            )
        except ValueError:
            raise
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"missing or malformed field ({type(exc).__name__}: {exc})") from exc


def _checked_path(path: Any) -> str:
    """A file's path inside a backup: relative, without ``..`` (a restore writes where it says)."""
    parts = str(path).split("/")
    if not isinstance(path, str) or path.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"file path {path!r} does not stay inside the backup")
    return path


def _checked(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"format is {found!r}, not {MANIFEST_FORMAT!r}")
    if data.get("format_version") != MANIFEST_VERSION:
        raise ValueError(
            f"format version {data.get('format_version')!r} is not {MANIFEST_VERSION} "
            "(written by another provgraph version)"
        )
    return data


def read_manifest_head(path: Path) -> dict[str, Any]:
    """The fields of the manifest at ``path`` that precede its files (profile, times, counts).

    Reads no further than the list of files, so that listing many backups of a large
    repository costs little. ``ValueError`` (or ``OSError``) if it is not a manifest.
    """
    marker = _FILES_MARKER.encode()
    head = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            head += chunk
            cut = head.find(marker)
            if cut >= 0:
                return _checked(json.loads(head[:cut] + b"\n}"))
    return _checked(json.loads(head))  # written differently: parse it all


def format_bytes(size: float) -> str:
    """``1536`` -> ``'1.5 KiB'``: sizes for people."""
    if size < 1024:
        return f"{int(size)} B"
    exponent = min(int(math.log(size, 1024)), 4)
    return f"{size / 1024**exponent:.1f} {('B', 'KiB', 'MiB', 'GiB', 'TiB')[exponent]}"


@dataclass(frozen=True)
class BackupSummary:
    """What :meth:`StorageBackend.backup` made: the new folder, its manifest, what was pruned."""

    folder: Path
    manifest: BackupManifest
    seconds: float
    #: Older backups of the same profile removed by ``keep``.
    pruned: tuple[Path, ...] = field(default=())

    def describe(self) -> str:
        """A few lines for people: where, how much copied and linked, what was removed."""
        manifest = self.manifest
        lines = [
            f"Backed up profile {manifest.profile!r} to {self.folder} in {self.seconds:.1f} s",
            f"  files: {len(manifest.files):,} ({manifest.files_copied:,} copied, "
            f"{manifest.files_linked:,} hard-linked)",
            f"  bytes copied: {format_bytes(manifest.bytes_copied)} ({manifest.bytes_copied:,})",
            f"  bytes linked: {format_bytes(manifest.bytes_linked)} ({manifest.bytes_linked:,})"
            + (f" from {manifest.previous}" if manifest.previous else ""),
            f"  nodes: {manifest.counts.get('Nodes', 0):,}, "
            f"objects referenced: {manifest.counts.get('Objects referenced', 0):,}",
        ]
        if self.pruned:
            lines.append(
                f"  removed {len(self.pruned)} older backup(s): {', '.join(p.name for p in self.pruned)}"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore put where: the profile, its storage, the files and bytes checked and copied."""

    profile: str
    backend: str
    location: str
    source: Path
    files: int
    bytes: int
    counts: dict[str, int]
    seconds: float

    def describe(self) -> str:
        """A few lines for people."""
        return "\n".join(
            [
                f"Restored profile {self.profile!r} ({self.backend}) from {self.source} "
                f"in {self.seconds:.1f} s",
                f"  storage: {self.location}",
                f"  files: {self.files:,}, bytes: {format_bytes(self.bytes)} ({self.bytes:,}), "
                "every one checked against the manifest",
                f"  nodes: {self.counts.get('Nodes', 0):,}, links: {self.counts.get('Links', 0):,}, "
                f"groups: {self.counts.get('Groups', 0):,}",
            ]
        )


def read_backup(source: Path | str) -> tuple[Path, BackupManifest]:
    """The backup at ``source`` and its manifest: a backup folder, or a destination (its newest).

    Raises ``StorageRestoreError`` for anything that is not a complete provgraph backup, including
    one whose manifest lists a file that is missing.
    """
    folder = Path(source).expanduser().absolute()
    if not folder.is_dir():
        raise StorageRestoreError(
            f"{folder} is not a folder; give a backup folder (backup_...) or its destination"
        )
    if not (folder / MANIFEST_FILENAME).exists():
        if (folder / "last-backup").is_dir():
            folder = (folder / "last-backup").resolve()
        else:  # a destination on a file system without symlinks: its newest backup
            named = sorted(path for path in folder.glob("backup_*") if (path / MANIFEST_FILENAME).is_file())
            folder = named[-1] if named else folder
    try:
        raw = (folder / MANIFEST_FILENAME).read_bytes()
    except OSError:
        raise StorageRestoreError(
            f"{folder} is not a complete provgraph backup (no readable {MANIFEST_FILENAME}); "
            "give a backup_... folder made by `provgraph storage backup`"
        ) from None
    try:
        manifest = BackupManifest.from_json(raw)
    except ValueError as exc:
        raise StorageRestoreError(f"the manifest of the backup {folder} is unreadable: {exc}") from exc
    missing = [path for path in manifest.files if not (folder / path).is_file()]
    if missing:
        raise StorageRestoreError(
            f"the backup {folder} is incomplete: {len(missing)} files of its manifest are missing, "
            f"e.g. {missing[0]}"
        )
    return folder, manifest
