"""aiida-core's ``node.base.repository`` API on real nodes: hash, zip, metadata, the sandbox folder,
error messages, and ``provgraph.repository.backend``'s names."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from provgraph import orm
from provgraph.exceptions import ModificationNotAllowed
from provgraph.repository.backend import (
    AbstractRepositoryBackend,
    DiskObjectStoreRepositoryBackend,
    SandboxRepositoryBackend,
)
from provgraph.storage.abstract import StorageBackend


def test_the_tree_is_made_on_first_use(backend: StorageBackend) -> None:
    node = orm.Data()
    assert node.base.repository._repository_instance is None
    assert isinstance(node.base.repository._repository.backend, SandboxRepositoryBackend)
    assert node.base.repository._repository_instance is not None
    node.store()
    assert isinstance(node.base.repository._repository.backend, DiskObjectStoreRepositoryBackend)
    assert issubclass(SandboxRepositoryBackend, AbstractRepositoryBackend)


def test_metadata_is_written_by_the_store(backend: StorageBackend) -> None:
    node = orm.Data()
    node.base.repository.put_object_from_bytes(b"content", "relative/path")
    assert node.base.repository.metadata == {}
    unstored_tree = node.base.repository.serialize()
    assert set(unstored_tree["o"]) == {"relative"}
    node.store()
    assert node.base.repository.metadata == node.base.repository.serialize() != unstored_tree
    assert orm.load_node(node.pk).base.repository.metadata == node.base.repository.metadata


def test_hash_depends_on_content_not_on_keys(backend: StorageBackend) -> None:
    node = orm.Data()
    assert node.base.repository.hash() == orm.Data().base.repository.hash()  # both empty
    node.base.repository.put_object_from_bytes(b"content", "relative/path")
    unstored = node.base.repository.hash()
    node.store()
    assert node.base.repository.hash() == unstored
    assert orm.load_node(node.uuid).base.repository.hash() == unstored
    clone = node.clone().store()
    assert clone.base.repository.hash() == unstored
    other = orm.Data()
    other.base.repository.put_object_from_bytes(b"other", "relative/path")
    assert other.base.repository.hash() != unstored
    renamed = orm.Data()
    renamed.base.repository.put_object_from_bytes(b"content", "relative/other")
    assert renamed.base.repository.hash() != unstored


@pytest.mark.parametrize("stored", [False, True])
def test_get_zipped_objects(backend: StorageBackend, stored: bool) -> None:
    node = orm.Data()
    node.base.repository.put_object_from_bytes(b"content1", "file1.txt")
    node.base.repository.put_object_from_bytes(b"content2", "folder/file2.txt")
    if stored:
        node.store()
    with zipfile.ZipFile(io.BytesIO(node.base.repository.get_zipped_objects())) as archive:
        assert set(archive.namelist()) == {"file1.txt", "folder/file2.txt"}
        assert archive.read("folder/file2.txt") == b"content2"


def test_error_messages_name_the_path_as_aiida_does(backend: StorageBackend) -> None:
    node = orm.Data()
    node.base.repository.put_object_from_bytes(b"x", "file")
    with pytest.raises(TypeError, match=r"path `/absolute/path` is not a relative path\."):
        node.base.repository.get_object("/absolute/path")
    with pytest.raises(FileNotFoundError, match=r"object with path `missing/file` does not exist\."):
        node.base.repository.get_object("missing/file")
    with pytest.raises(FileNotFoundError, match=r"object with path `file/below` does not exist\..*is a file"):
        node.base.repository.get_object("file/below")


def test_the_sandbox_folder_goes_with_the_node(backend: StorageBackend) -> None:
    node = orm.Data()
    folder = node.base.repository._repository.backend.sandbox.abspath  # type: ignore[attr-defined]
    assert os.path.isdir(folder)
    del node.base.repository  # accepted, as for aiida-core's cached property; nothing is dropped
    assert os.path.isdir(folder)
    del node  # freed by reference counting: no cycle keeps the sandbox alive
    assert not os.path.isdir(folder)


def test_backend_entity_metadata_is_overwritten_by_the_store(backend: StorageBackend) -> None:
    node = orm.Data()
    node.backend_entity.repository_metadata = {"key": "value"}
    assert node.backend_entity.repository_metadata == {"key": "value"}
    assert node.base.repository.metadata == {"key": "value"}
    node.store()
    assert node.base.repository.metadata == {}
    assert orm.load_node(node.pk).base.repository.metadata == {}
    with pytest.raises(ModificationNotAllowed):
        node.backend_entity.repository_metadata = {"key": "value"}
    with_files = orm.Data()
    with_files.base.repository.put_object_from_bytes(b"x", "file")
    with_files.backend_entity.repository_metadata = {}
    with_files.store()
    assert with_files.base.repository.list_object_names() == ["file"]
