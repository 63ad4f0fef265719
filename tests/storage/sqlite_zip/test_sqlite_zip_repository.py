"""``ArchiveRepository``: the objects of an archive, read in place (zip or folder), never written."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tests.data_files import SMALL_ARCHIVE

from provgraph.exceptions import CorruptArchive, ReadOnlyStorageError, StorageError
from provgraph.repository.archive import ArchiveRepository, is_sha256_key


def _keys() -> list[str]:
    with zipfile.ZipFile(SMALL_ARCHIVE) as archive:
        return sorted(name.removeprefix("repo/") for name in archive.namelist() if name.startswith("repo/"))


KEYS = _keys()
MISSING = "0" * 64


@pytest.fixture
def repository(archive: Path) -> Iterator[ArchiveRepository]:
    repo = ArchiveRepository(archive)
    try:
        yield repo
    finally:
        repo.close()


def test_identity(repository: ArchiveRepository) -> None:
    assert repository.key_format == "sha256"
    assert repository.uuid is None
    assert repository.is_initialised
    assert len(KEYS) == 8


def test_objects_are_listed_and_found(repository: ArchiveRepository) -> None:
    assert sorted(repository.list_objects()) == KEYS
    assert repository.has_objects([*KEYS, MISSING, "../metadata.json", "ABC"]) == [True] * 8 + [False] * 3
    assert repository.get_info() == {"objects": {"count": 8}}
    assert repository.get_info(detailed=True)["Size (MB)"] >= 0


def test_content_is_the_sha256_of_its_key(repository: ArchiveRepository) -> None:
    for key in KEYS:
        assert hashlib.sha256(repository.get_object_content(key)).hexdigest() == key
        assert repository.get_object_hash(key) == key
    streamed = {key: stream.read() for key, stream in repository.iter_object_streams(KEYS)}
    assert {key: hashlib.sha256(content).hexdigest() for key, content in streamed.items()} == {
        k: k for k in KEYS
    }


def test_open_streams_in_pieces(repository: ArchiveRepository) -> None:
    key = max(KEYS, key=lambda k: len(repository.get_object_content(k)))
    with repository.open(key) as stream:
        first = stream.read(100)
        rest = stream.read()
    assert hashlib.sha256(first + rest).hexdigest() == key


@pytest.mark.parametrize("key", [MISSING, "../db.sqlite3", "/etc/passwd", "A" * 64, "", "repo/" + "0" * 59])
def test_missing_or_invalid_keys_are_not_found(repository: ArchiveRepository, key: str) -> None:
    with pytest.raises(FileNotFoundError, match="no object with key"), repository.open(key):
        pass
    with pytest.raises(FileNotFoundError):
        repository.get_object_hash(key)


def test_writes_are_refused(repository: ArchiveRepository, tmp_path: Path) -> None:
    source = tmp_path / "file.txt"
    source.write_bytes(b"content")
    for write in (
        lambda: repository.put_object_from_filelike(io.BytesIO(b"x")),
        lambda: repository.put_object_from_file(source),
        lambda: repository.delete_objects(KEYS[:1]),
        lambda: repository.delete_object(KEYS[0]),
        repository.erase,
        repository.initialise,
    ):
        with pytest.raises(ReadOnlyStorageError, match=r"archive .* is read-only"):
            write()
    with pytest.raises(NotImplementedError):
        repository.maintain()
    assert sorted(repository.list_objects()) == KEYS


def test_threads_read_one_zip_together(zip_archive: Path) -> None:
    repository = ArchiveRepository(zip_archive)
    try:
        with ThreadPoolExecutor(4) as pool:
            hashes = list(pool.map(repository.get_object_hash, KEYS * 10))
        assert hashes == KEYS * 10
    finally:
        repository.close()


def test_closed_repository_refuses_reads(archive: Path) -> None:
    repository = ArchiveRepository(archive)
    repository.get_object_content(KEYS[0])
    repository.close()
    repository.close()
    assert not repository.is_initialised
    with pytest.raises(StorageError, match="closed"):
        repository.get_object_content(KEYS[0])


def test_folder_symlinks_are_never_followed(folder_archive: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"not part of the archive")
    key = hashlib.sha256(secret.read_bytes()).hexdigest()
    os.symlink(secret, folder_archive / "repo" / key)
    repository = ArchiveRepository(folder_archive)
    assert repository.has_objects([key]) == [False]
    assert key not in set(repository.list_objects())
    with pytest.raises(CorruptArchive, match="symbolic link"), repository.open(key):
        pass


def test_folder_with_a_symlinked_repo_folder_is_refused(folder_archive: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (folder_archive / "repo").rename(elsewhere)
    os.symlink(elsewhere, folder_archive / "repo")
    repository = ArchiveRepository(folder_archive)
    with pytest.raises(CorruptArchive, match="symbolic link"):
        repository.get_object_content(KEYS[0])


def test_folder_without_repo_has_no_objects(folder_archive: Path) -> None:
    for path in (folder_archive / "repo").iterdir():
        path.unlink()
    (folder_archive / "repo").rmdir()
    assert list(ArchiveRepository(folder_archive).list_objects()) == []


def test_key_check() -> None:
    assert is_sha256_key(KEYS[0])
    assert not is_sha256_key(KEYS[0].upper())
    assert not is_sha256_key(KEYS[0][:-1])
    assert not is_sha256_key(None)
