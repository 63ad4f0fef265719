"""The disk-objectstore repository: AiiDA's container layout, content addressing, maintenance."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest

from provgraph.repository import DiskObjectStoreRepository


@pytest.fixture
def repository(tmp_path: Path) -> DiskObjectStoreRepository:
    repository = DiskObjectStoreRepository(tmp_path / "container")
    repository.initialise()
    return repository


def put(repository: DiskObjectStoreRepository, content: bytes) -> str:
    return repository.put_object_from_filelike(io.BytesIO(content))


def test_uninitialised(tmp_path: Path) -> None:
    repository = DiskObjectStoreRepository(tmp_path / "container")
    assert not repository.is_initialised
    assert repository.uuid is None
    assert repository.key_format is None


def test_container_has_aiidas_settings(repository: DiskObjectStoreRepository) -> None:
    config = json.loads((repository.path / "config.json").read_text())
    assert config["hash_type"] == "sha256"
    assert config["loose_prefix_len"] == 2
    assert config["pack_size_target"] == 4 * 1024**3
    assert config["compression_algorithm"] == "zlib+1"
    assert config["container_id"] == repository.uuid
    assert repository.key_format == "sha256"


def test_initialise_keeps_an_existing_container(repository: DiskObjectStoreRepository) -> None:
    key = put(repository, b"kept")
    uuid = repository.uuid
    repository.initialise()
    assert repository.uuid == uuid
    assert repository.has_object(key)


def test_put_open_and_hash(repository: DiskObjectStoreRepository, tmp_path: Path) -> None:
    content = b"hello provenance"
    key = put(repository, content)
    assert key == hashlib.sha256(content).hexdigest()
    assert repository.get_object_content(key) == content
    with repository.open(key) as handle:
        assert handle.read() == content
    assert repository.get_object_hash(key) == key
    source = tmp_path / "file.bin"
    source.write_bytes(content)
    assert repository.put_object_from_file(source) == key


def test_same_content_is_stored_once(repository: DiskObjectStoreRepository) -> None:
    first = put(repository, b"twice")
    second = put(repository, b"twice")
    assert first == second
    assert list(repository.list_objects()) == [first]
    assert repository.get_info()["Objects"]["loose"] == 1


def test_text_streams_are_refused(repository: DiskObjectStoreRepository) -> None:
    with pytest.raises(TypeError, match="binary"):
        repository.put_object_from_filelike(io.StringIO("text"))  # type: ignore[arg-type]


def test_has_list_iter_and_delete(repository: DiskObjectStoreRepository) -> None:
    keys = [put(repository, f"object {index}".encode()) for index in range(3)]
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert repository.has_objects([*keys, missing]) == [True, True, True, False]
    assert sorted(repository.list_objects()) == sorted(keys)
    streamed = {key: stream.read() for key, stream in repository.iter_object_streams(keys)}
    assert streamed == {key: f"object {index}".encode() for index, key in enumerate(keys)}
    with pytest.raises(FileNotFoundError):
        list(repository.iter_object_streams([missing]))

    with pytest.raises(FileNotFoundError, match=missing):
        repository.delete_objects([keys[0], missing])
    assert repository.has_object(keys[0])  # nothing deleted when one key is missing
    repository.delete_object(keys[0])
    assert repository.has_objects(keys) == [False, True, True]
    with pytest.raises(FileNotFoundError), repository.open(keys[0]):
        pass
    with pytest.raises(FileNotFoundError):
        repository.get_object_hash(keys[0])


def test_info_counts_objects(repository: DiskObjectStoreRepository) -> None:
    put(repository, b"a")
    info = repository.get_info()
    assert info == {
        "SHA-hash algorithm": "sha256",
        "Compression algorithm": "zlib+1",
        "Objects": {"packed": 0, "loose": 1, "pack_files": 0},
    }
    sizes = repository.get_info(detailed=True)["Size (MB)"]
    assert set(sizes) == {
        "total_size_packed",
        "total_size_packed_on_disk",
        "total_size_packfiles_on_disk",
        "total_size_packindexes_on_disk",
        "total_size_loose",
    }


def test_live_maintenance_packs_loose_objects(repository: DiskObjectStoreRepository) -> None:
    keys = [put(repository, bytes([index]) * 1000) for index in range(5)]
    repository.maintain(dry_run=True)
    assert repository.get_info()["Objects"]["loose"] == 5
    repository.maintain(compress=True)
    assert repository.get_info()["Objects"] == {"packed": 5, "loose": 0, "pack_files": 1}
    assert [repository.get_object_content(key) for key in keys] == [
        bytes([index]) * 1000 for index in range(5)
    ]


def test_live_maintenance_refuses_repacking(repository: DiskObjectStoreRepository) -> None:
    with pytest.raises(ValueError, match="do_repack"):
        repository.maintain(live=True, do_repack=True)


def test_full_maintenance_reclaims_deleted_space(repository: DiskObjectStoreRepository) -> None:
    keep = put(repository, b"k" * 10_000)
    drop = put(repository, b"d" * 10_000)
    repository.maintain()
    repository.delete_object(drop)
    pack = repository.path / "packs" / "0"
    before = pack.stat().st_size
    repository.maintain(live=False)
    assert pack.stat().st_size < before
    assert repository.get_object_content(keep) == b"k" * 10_000
    assert not repository.has_object(drop)


def test_erase(repository: DiskObjectStoreRepository) -> None:
    put(repository, b"gone")
    repository.erase()
    assert not repository.path.exists()
    assert not repository.is_initialised
    repository.initialise()
    assert list(repository.list_objects()) == []


def test_in_memory_content_already_stored_is_not_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing known content again costs a hash, not a write with fsyncs (W3: source files)."""
    import os

    repository = DiskObjectStoreRepository(tmp_path / "container")
    repository.initialise()
    first = repository.put_object_from_filelike(io.BytesIO(b"same content"))
    fsyncs: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (fsyncs.append(fd), real_fsync(fd))[1])
    again = io.BytesIO(b"same content")
    assert repository.put_object_from_filelike(again) == first
    assert again.read() == b""  # consumed, as a streamed put leaves it
    assert fsyncs == []
    other = repository.put_object_from_filelike(io.BytesIO(b"new content"))
    assert other != first
    assert fsyncs  # new content is still written durably
    assert repository.get_object_content(other) == b"new content"


def test_in_memory_content_is_a_loose_object_disk_objectstore_reads(tmp_path: Path) -> None:
    """The in-memory fast path writes what disk-objectstore itself would: a loose object under
    its sha256 key, durable (file and folder fsynced), nothing left in the sandbox."""
    from disk_objectstore import Container

    repository = DiskObjectStoreRepository(tmp_path / "container")
    repository.initialise()
    content = b"x" * 5000 + bytes(range(256))
    handle = io.BytesIO(b"skipped prefix" + content)
    handle.seek(len(b"skipped prefix"))
    key = repository.put_object_from_filelike(handle)
    assert key == hashlib.sha256(content).hexdigest()
    assert (tmp_path / "container" / "loose" / key[:2] / key[2:]).read_bytes() == content
    assert list((tmp_path / "container" / "sandbox").iterdir()) == []
    with Container(tmp_path / "container") as container:
        assert container.get_object_content(key) == content
        assert container.count_objects().loose == 1
    repository.maintain(live=True)  # packed by disk-objectstore, still readable through us
    assert repository.get_object_content(key) == content


def test_has_objects_sees_packed_loose_and_missing(
    repository: DiskObjectStoreRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    packed = repository.put_objects_from_streams(
        [io.BytesIO(f"packed {index}".encode()) for index in range(600)]
    )
    loose = put(repository, b"loose")
    missing = hashlib.sha256(b"never stored").hexdigest()
    keys = [loose, *packed, missing, "not a key"]
    expected = [True] * 601 + [False, False]
    assert repository.has_objects(keys) == expected
    # the pack index read directly or, when that fails, through the container: the same answer
    import sqlite3
    import types

    import provgraph.repository.disk_objectstore as module

    def refuse(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(module, "sqlite3", types.SimpleNamespace(connect=refuse, Error=sqlite3.Error))
    assert repository.has_objects(keys) == expected
