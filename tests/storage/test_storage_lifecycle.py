"""Opening, validating, resetting and deleting a storage, on both SQL backends."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable

import pytest

from provgraph.config.profile import Profile
from provgraph.exceptions import CorruptStorage, StorageError, UnreachableStorage
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage import EntityTypes, get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend

ProfileFactory = Callable[..., Profile]


def location_of(profile: Profile) -> object:
    cls = get_storage_class(profile.storage_backend)
    assert issubclass(cls, SqlDosBackend)
    return cls.location(profile)


def container_of(profile: Profile) -> DiskObjectStoreRepository:
    cls = get_storage_class(profile.storage_backend)
    assert issubclass(cls, SqlDosBackend)
    return DiskObjectStoreRepository(cls.location(profile).container_path)


def test_str_names_kind_state_and_place(storage: SqlDosBackend) -> None:
    if storage.profile.storage_backend == "core.sqlite_dos":
        expected = (
            rf"SQLite storage \(DOS\) \[open\] @ {re.escape(storage.profile.storage_config['filepath'])}"
        )
    else:
        config = storage.profile.storage_config
        where = f"{config['database_hostname']}:{config['database_port']}/{config['database_name']}"
        expected = rf"PostgreSQL storage \[open\] @ {re.escape(where)}"
    assert re.fullmatch(expected, str(storage))
    storage.close()
    assert storage.is_closed
    assert "[closed]" in str(storage)


def test_closed_storage_refuses_work(storage: SqlDosBackend) -> None:
    storage.close()
    storage.close()  # closing twice is harmless
    with pytest.raises(StorageError, match="closed"):
        storage.get_entity_counts()


def test_repository_is_the_paired_container(storage: SqlDosBackend) -> None:
    repository = storage.get_repository()
    assert repository.uuid == storage.get_global_variable("repository|uuid")
    assert repository.key_format == "sha256"


def test_reset_wipes_the_data(profile: Profile) -> None:
    cls = get_storage_class(profile.storage_backend)
    with cls(profile) as storage:
        storage.bulk_insert(EntityTypes.USER, [{"email": "a@x"}], allow_defaults=True)
    assert cls.initialise(profile, reset=True) is True
    with cls(profile) as storage:
        assert storage.get_entity_counts()["Users"] == 0


def test_reopens_after_clear(profile: Profile) -> None:
    cls = get_storage_class(profile.storage_backend)
    with cls(profile) as storage:
        storage.bulk_insert(EntityTypes.USER, [{"email": "a@x"}], allow_defaults=True)
        storage._clear()
    with cls(profile) as storage:
        assert storage.get_entity_counts()["Users"] == 0


def test_delete_removes_database_and_repository(profile: Profile) -> None:
    cls = get_storage_class(profile.storage_backend)
    container = container_of(profile).path
    storage = cls(profile)
    storage.delete()
    assert storage.is_closed
    assert not container.exists()
    assert not container.parent.exists()  # emptied, so removed too
    assert cls.version_profile(profile) is None
    with pytest.raises(UnreachableStorage):
        cls(profile)


def test_delete_spares_files_that_are_not_the_storages(profile: Profile) -> None:
    cls = get_storage_class(profile.storage_backend)
    folder = container_of(profile).path.parent
    stranger = folder / "notes.txt"
    stranger.write_text("mine")
    with cls(profile) as storage:
        storage.delete()
    assert stranger.read_text() == "mine"
    assert sorted(path.name for path in folder.iterdir()) == ["notes.txt"]
    assert cls.version_profile(profile) is None


def test_foreign_container_is_refused(profile: Profile) -> None:
    container = container_of(profile)
    container.erase()
    container.initialise()  # a new container: new container_id
    with pytest.raises(CorruptStorage, match="belongs to container"):
        get_storage_class(profile.storage_backend)(profile)


def test_missing_container_is_refused(profile: Profile) -> None:
    shutil.rmtree(container_of(profile).path)
    with pytest.raises(CorruptStorage, match="missing"):
        get_storage_class(profile.storage_backend)(profile)


def test_missing_storage_is_unreachable(backend_name: str, make_profile: ProfileFactory) -> None:
    profile = make_profile(backend_name)
    cls = get_storage_class(backend_name)
    with pytest.raises(UnreachableStorage, match="cannot reach the storage"):
        cls(profile)
    with pytest.raises(UnreachableStorage):
        cls.migrate(profile)
