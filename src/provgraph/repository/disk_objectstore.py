"""The repository of the ``*_dos`` storages: a disk-objectstore container, as AiiDA lays it out.

Every call opens the container for its own duration only (``with container``), so that the
container's SQLite pack index is never held open between calls: several processes share one
container, and a long-lived handle would pin old index snapshots.

Reads take a fast path first: a loose object is a plain file at a path derived from its key, so
it is opened directly, without opening the pack index (which costs milliseconds). Only keys not
found loose go through the container (they are packed, or missing). This is safe against a
concurrent ``pack``: an open file stays readable after its name is removed, and a loose file
removed before we open it is then found in the pack by the fallback.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import io
import json
import logging
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from provgraph.common.maintenance import MaintenanceProgress, MaintenanceStep
from provgraph.repository.abstract import RepositoryBackend
from provgraph.repository.common import is_sha256_key

if TYPE_CHECKING:
    from disk_objectstore import CompressMode, Container

__all__ = ["CONTAINER_DEFAULTS", "DiskObjectStoreRepository"]

LOGGER = logging.getLogger(__name__)

CONTAINER_DEFAULTS: dict[str, Any] = {
    "pack_size_target": 4 * 1024**3,
    "loose_prefix_len": 2,
    "hash_type": "sha256",
    "compression_algorithm": "zlib+1",
}
"""AiiDA's container settings (``psql_dos/backend.py``); changing them breaks compatibility."""

_BYTES_TO_MB = 1 / 1024**2

_CONTAINER_FOLDERS = ("packs", "loose", "duplicates", "sandbox")
"""The folders of an initialised container (disk-objectstore's layout, as AiiDA has it)."""


class DiskObjectStoreRepository(RepositoryBackend):
    """Objects in a disk-objectstore container at ``container_path``, keyed by sha256."""

    def __init__(self, container_path: str | Path) -> None:
        self._path = Path(container_path)
        self._opened: Container | None = None
        self._loose_prefix_len: int | None = None
        self._hash_type: str | None = None

    @property
    def _container(self) -> Container:
        """disk-objectstore's container object, made on first use.

        Importing disk-objectstore costs about 70 ms (it brings SQLAlchemy's ORM), which a
        command that lists nodes and never touches a file should not pay: opening a storage only
        reads the container's ``config.json`` (:meth:`_config`).
        """
        if self._opened is None:
            from disk_objectstore import Container

            self._opened = Container(self._path)
        return self._opened

    def _config(self) -> dict[str, Any] | None:
        """The container's settings, None where it is not initialised.

        The test disk-objectstore's ``Container.is_initialised`` makes, without importing it: a
        readable JSON ``config.json`` and the four folders the container writes into.
        """
        try:
            config = json.loads((self._path / "config.json").read_text(encoding="utf8"))
        except (ValueError, OSError):
            return None
        if not isinstance(config, dict):
            return None
        if not all((self._path / folder).is_dir() for folder in _CONTAINER_FOLDERS):
            return None
        return config

    def _loose_path(self, key: str) -> Path | None:
        """Where ``key`` would lie as a loose object, or None for a key that cannot be one."""
        if not is_sha256_key(key):
            return None
        if self._loose_prefix_len is None:
            config = self._config()
            if config is None:
                return None
            self._loose_prefix_len = int(config["loose_prefix_len"])
        cut = self._loose_prefix_len
        folder = self._path / "loose"
        return folder / key[:cut] / key[cut:] if cut else folder / key

    def __str__(self) -> str:
        return f"disk-objectstore container @ {self._path}"

    @property
    def path(self) -> Path:
        return self._path

    @property
    def uuid(self) -> str | None:
        config = self._config()
        return None if config is None else str(config["container_id"])

    @property
    def key_format(self) -> str | None:
        # Remembered once known: a container's hash type never changes after initialisation,
        # and asking the container costs an open of its configuration on every node hash.
        if self._hash_type is None:
            config = self._config()
            self._hash_type = None if config is None else str(config["hash_type"])
        return self._hash_type

    def initialise(self, **kwargs: Any) -> None:
        """Create the container with AiiDA's defaults (overridable by ``kwargs``) if it is absent."""
        if self.is_initialised:
            return
        with self._container as container:
            container.init_container(**{**CONTAINER_DEFAULTS, **kwargs})
        LOGGER.info("created a disk-objectstore container at %s", self._path)

    @property
    def is_initialised(self) -> bool:
        return self._config() is not None

    def erase(self) -> None:
        self._loose_prefix_len = None
        self._hash_type = None
        if self._opened is not None:
            self._opened.close()
            self._opened = None  # the old object caches the erased config
        if self._path.exists():
            shutil.rmtree(self._path)

    def put_object_from_filelike(self, handle: BinaryIO) -> str:
        if not hasattr(handle, "read") or isinstance(handle.read(0), str):
            raise TypeError(f"expected a binary stream, got {handle!r}")
        if isinstance(handle, io.BytesIO) and self.key_format == "sha256":
            return self._put_in_memory(handle)
        with self._container as container:
            return container.add_streamed_object(handle)

    def _put_in_memory(self, handle: io.BytesIO) -> str:
        """Store in-memory content as a loose object without opening the container.

        Content stored again (a calcfunction's source file on every call) then costs a hash
        instead of a write and two fsyncs: like disk-objectstore's own ``trust_existing``, an
        existing loose object is trusted (it is immutable). New content is written the way
        disk-objectstore writes a loose object (a file in the container's sandbox, fsynced, renamed
        into place), then the loose folder is fsynced too, so that the name is as durable as the
        content before any row can point at it. Going around ``Container`` saves the half a
        millisecond of Python each loose write otherwise costs, which was most of storing a
        small file node apart from the two fsyncs.
        """
        with handle.getbuffer() as buffer, buffer[handle.tell() :] as content:
            key = hashlib.sha256(content).hexdigest()
            path = self._loose_path(key)
            if path is None:  # pragma: no cover - a sha256 hex digest always makes a valid key
                raise AssertionError(f"no loose path for key {key}")
            if not path.is_file():
                _write_loose_object(self._path / "sandbox", path, content)
        handle.seek(0, io.SEEK_END)
        return key

    def put_objects_from_streams(self, streams: Sequence[BinaryIO]) -> list[str]:
        """Write many objects straight into a pack file: one fsync for all, no loose files.

        Packs are disk-objectstore's bulk path, meant for one writer at a time, so provgraph's own
        pack writers take a lock (``fcntl``, released by the kernel even after SIGKILL) and
        queue behind each other. If a pack is locked by another program, or by a process killed
        while writing one (disk-objectstore's lock file outlives it), the objects are written
        loose instead: slower, never wrong.
        """
        if not streams:
            return []
        with _pack_writer_lock(self._path), self._container as container:
            try:
                return container.add_streamed_objects_to_pack(list[Any](streams))
            except FileExistsError:
                LOGGER.warning("a pack of %s is locked by another process; writing objects loose", self)
        return [self.put_object_from_filelike(stream) for stream in streams]

    def has_objects(self, keys: Iterable[str]) -> list[bool]:
        """Loose files first, then the pack index for the rest (safe against a concurrent pack:
        it records an object in the index before it removes the loose file)."""
        keys = list(keys)
        if self._loose_prefix_len is None:
            self._loose_path("0" * 64)  # reads the prefix length once
        cut = self._loose_prefix_len or 0
        loose = os.path.join(self._path, "loose")
        found = [
            is_sha256_key(key)
            and os.path.isfile(os.path.join(loose, key[:cut], key[cut:]) if cut else os.path.join(loose, key))
            for key in keys
        ]
        rest = [key for key, present in zip(keys, found, strict=True) if not present]
        if rest:
            packed = self._packed_keys(rest)
            found = [present or key in packed for key, present in zip(keys, found, strict=True)]
        return found

    def _packed_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` the pack index lists: read with one query per 500 keys.

        The container's own look-up builds paths for loose files first, some 40 us per key (most of
        an import's check of 10,000 objects); the index is disk-objectstore's ``db_object`` table.
        Anything unexpected about the index falls back to the container's look-up.
        """
        index = self._path / "packs.idx"
        if not index.is_file():
            return self._packed_by_container(keys)
        try:
            connection = sqlite3.connect(f"{index.resolve().as_uri()}?mode=ro", uri=True)
            try:
                packed: set[str] = set()
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    query = (
                        f"SELECT hashkey FROM db_object WHERE hashkey IN ({', '.join('?' for _ in chunk)})"
                    )
                    packed.update(row[0] for row in connection.execute(query, chunk))
                return packed
            finally:
                connection.close()
        except sqlite3.Error as exc:
            LOGGER.debug("reading %s directly failed (%s); asking the container", index, exc)
            return self._packed_by_container(keys)

    def _packed_by_container(self, keys: Sequence[str]) -> set[str]:
        with self._container as container:
            present = container.has_objects(list(keys))
        return {key for key, packed in zip(keys, present, strict=True) if packed}

    def list_objects(self) -> Iterator[str]:
        with self._container as container:
            keys = list(container.list_all_objects())
        return iter(keys)

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        loose = self._open_loose(key)
        if loose is not None:
            with loose:
                yield loose
            return
        if not self.has_object(key):
            raise FileNotFoundError(f"no object with key {key!r} in {self}")
        with self._container as container, container.get_object_stream(key) as handle:
            yield cast(BinaryIO, handle)

    def _open_loose(self, key: str) -> BinaryIO | None:
        path = self._loose_path(key)
        if path is None:
            return None
        try:
            return path.open("rb")
        except FileNotFoundError:
            return None

    def iter_object_streams(self, keys: Iterable[str]) -> Iterator[tuple[str, BinaryIO]]:
        with (
            self._container as container,
            container.get_objects_stream_and_meta(list(keys), skip_if_missing=False) as triplets,
        ):
            for key, stream, _meta in triplets:
                if stream is None:
                    raise FileNotFoundError(f"no object with key {key!r} in {self}")
                yield key, cast(BinaryIO, stream)

    def get_object_hash(self, key: str) -> str:
        """The key itself: it *is* the sha256 of the content (checked to exist)."""
        if self.key_format != "sha256":
            return super().get_object_hash(key)
        if not self.has_object(key):
            raise FileNotFoundError(f"no object with key {key!r} in {self}")
        return key

    def delete_objects(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        missing = [key for key, exists in zip(keys, self.has_objects(keys), strict=True) if not exists]
        if missing:
            raise FileNotFoundError(f"cannot delete objects that do not exist in {self}: {missing}")
        with self._container as container:
            container.delete_objects(keys)

    def get_info(self, detailed: bool = False) -> dict[str, Any]:
        with self._container as container:
            info: dict[str, Any] = {
                "SHA-hash algorithm": container.hash_type,
                "Compression algorithm": container.compression_algorithm,
                "Objects": dataclasses.asdict(container.count_objects()),
            }
            if detailed:
                sizes = dataclasses.asdict(container.get_total_size())
                info["Size (MB)"] = {name: round(size * _BYTES_TO_MB, 2) for name, size in sizes.items()}
        return info

    def maintain(
        self,
        dry_run: bool = False,
        live: bool = True,
        *,
        pack_loose: bool | None = None,
        do_repack: bool | None = None,
        clean_storage: bool | None = None,
        do_vacuum: bool | None = None,
        compress: bool = False,
        incremental_cleanup: bool = True,
        progress: MaintenanceProgress | None = None,
        **kwargs: Any,
    ) -> list[MaintenanceStep]:
        """Pack loose objects and clean up; repacking and vacuuming need ``live=False``.

        Live mode is safe while other processes read and write (disk-objectstore packs and
        cleans concurrently with readers and loose writers; provgraph's own pack writers queue on
        the pack-writer lock); full mode is not (the caller must hold the profile's exclusive
        lock). Each step says what it did and the bytes it freed on disk (blocks, not sizes).
        """
        if kwargs:
            raise TypeError(f"unknown maintenance options {sorted(kwargs)}")
        if live and (do_repack or do_vacuum):
            forced = [name for name, flag in (("do_repack", do_repack), ("do_vacuum", do_vacuum)) if flag]
            raise ValueError(f"{', '.join(forced)} cannot run in live mode; run a full maintenance instead")
        pack_loose = True if pack_loose is None else pack_loose
        clean_storage = True if clean_storage is None else clean_storage
        do_repack = False if live else do_repack is not False
        do_vacuum = False if live else do_vacuum is not False
        steps: list[MaintenanceStep] = []
        with _pack_writer_lock(self._path), self._container as container:
            stale = self._stale_pack_locks()
            if stale and not live:
                steps.append(self._clear_pack_locks(stale, dry_run))
                stale = [] if not dry_run else stale
            if pack_loose and stale:
                names = ", ".join(path.name for path in stale)
                detail = (
                    f"skipped: {names} left by a pack writer that was killed; a full maintenance clears it"
                )
                steps.append(MaintenanceStep("pack loose objects", detail))
            elif pack_loose:
                from disk_objectstore import CompressMode

                mode = CompressMode.AUTO if compress else CompressMode.NO
                steps.append(self._pack_loose(container, dry_run, mode, incremental_cleanup, progress))
            if do_repack:
                steps.append(self._repack(container, dry_run, progress))
            if clean_storage:
                steps.append(self._clean(container, dry_run, do_vacuum))
        return steps

    def _pack_loose(
        self,
        container: Container,
        dry_run: bool,
        mode: CompressMode,
        incremental_cleanup: bool,
        progress: MaintenanceProgress | None,
    ) -> MaintenanceStep:
        loose = container.count_objects().loose
        if dry_run or not loose:
            verb = "would be packed" if dry_run else "packed"
            return MaintenanceStep("pack loose objects", f"{loose:,} loose objects {verb}")
        before = self._disk_usage()
        container.pack_all_loose(
            compress=mode,
            clean_loose_per_pack=incremental_cleanup,
            callback=_progress_callback(progress, "Packing loose objects"),
        )
        return MaintenanceStep(
            "pack loose objects", f"{loose:,} loose objects packed", before - self._disk_usage()
        )

    def _repack(
        self, container: Container, dry_run: bool, progress: MaintenanceProgress | None
    ) -> MaintenanceStep:
        if dry_run:
            sizes = container.get_total_size()
            deleted = sizes.total_size_packfiles_on_disk - sizes.total_size_packed_on_disk
            return MaintenanceStep(
                "repack", f"packs would be rewritten, dropping {deleted:,} bytes of deleted objects"
            )
        before = self._disk_usage()
        container.repack(callback=_progress_callback(progress, "Repacking"))
        return MaintenanceStep(
            "repack", "packs rewritten without deleted objects", before - self._disk_usage()
        )

    def _clean(self, container: Container, dry_run: bool, vacuum: bool) -> MaintenanceStep:
        what = "loose copies of packed objects removed" + (", pack index vacuumed" if vacuum else "")
        if dry_run:
            return MaintenanceStep("clean the container", f"would be: {what}")
        before = self._disk_usage()
        container.clean_storage(vacuum=vacuum)
        return MaintenanceStep("clean the container", what, before - self._disk_usage())

    def _stale_pack_locks(self) -> list[Path]:
        """disk-objectstore's per-pack lock files. Called while holding the pack-writer lock, which
        every provgraph pack writer holds while it writes, so any found were left by a writer that
        was killed (or by another program writing this container right now)."""
        packs = self._path / "packs"
        return sorted(packs.glob("*.lock")) if packs.is_dir() else []

    def _clear_pack_locks(self, stale: list[Path], dry_run: bool) -> MaintenanceStep:
        """Remove lock files of killed pack writers: only in a full maintenance, where the profile's
        exclusive lock rules out any other process using the container. The pack's tail written
        after its last indexed object is garbage nobody refers to; a repack drops it."""
        names = ", ".join(path.name for path in stale)
        if dry_run:
            return MaintenanceStep("stale pack locks", f"would remove {names}")
        for path in stale:
            LOGGER.warning("removing %s, left by a pack writer that was killed", path)
            path.unlink(missing_ok=True)
        return MaintenanceStep("stale pack locks", f"removed {names}")

    def _disk_usage(self) -> int:
        """Bytes the container occupies on disk (allocated blocks of every file in it)."""
        total = 0
        for folder, _dirs, files in os.walk(self._path):
            for name in files:
                with suppress(FileNotFoundError):  # a loose file packed away meanwhile
                    total += os.lstat(os.path.join(folder, name)).st_blocks * 512
        return total

    def total_size(self, keys: Iterable[str]) -> int:
        """The bytes of content of the objects ``keys`` (missing ones count 0)."""
        keys = list(keys)
        if not keys:
            return 0
        with self._container as container:
            return sum(
                meta.size or 0 for _key, meta in container.get_objects_meta(keys, skip_if_missing=True)
            )


def _progress_callback(progress: MaintenanceProgress | None, stage: str) -> Any:
    """disk-objectstore's progress callback (``init`` / ``update`` / ``close``) as provgraph's."""
    if progress is None:
        return None
    state = {"done": 0, "total": 0}

    def callback(action: str, value: Any) -> None:
        if action == "init":
            state["done"], state["total"] = 0, int(value.get("total") or 0)
        elif action == "update":
            state["done"] += int(value or 0)
        progress(stage, state["done"], state["total"])

    return callback


@contextmanager
def _pack_writer_lock(container_path: Path) -> Iterator[None]:
    """Serialise provgraph's pack writers on one container (an advisory lock on a file beside it)."""
    with open(container_path / "provgraph-pack-writer.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_loose_object(sandbox: Path, destination: Path, content: memoryview) -> None:
    """Write ``content`` durably as the loose object at ``destination`` (atomic: no reader ever
    sees a partial file)."""
    temporary = sandbox / uuid.uuid4().hex
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        try:
            written = 0
            while written < len(content):
                written += os.write(descriptor, content[written:])
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        with suppress(FileExistsError):
            os.mkdir(destination.parent)
        os.rename(temporary, destination)  # same content if another writer won the race
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(destination.parent, os.O_DIRECTORY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
