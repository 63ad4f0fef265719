"""A second backup hard-links what did not change since the first and copies only the rest;
``keep`` prunes older backups of the profile, never another profile's."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from backup_helpers import (
    assert_consistent,
    open_profile_storage,
    restore_options,
    store_files,
    tree_fingerprint,
)

from provgraph.common.backup_manifest import BackupSummary
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.tools.backup import restore_profile


def _storage() -> SqlDosBackend:
    storage = get_manager().get_profile_storage()
    assert isinstance(storage, SqlDosBackend)
    return storage


def _pack(storage: SqlDosBackend) -> None:
    storage.get_repository().maintain(live=True)


def _loose_path(key: str) -> str:
    return f"container/loose/{key[:2]}/{key[2:]}"


def _database_file(summary: BackupSummary) -> str:
    return "database.sqlite" if summary.manifest.backend == "core.sqlite_dos" else "db.psql"


def test_second_backup_links_unchanged_files_and_copies_new_ones(
    registered_profile: Profile, tmp_path: Path
) -> None:
    storage = _storage()
    store_files(30, tag="packed")
    _pack(storage)
    loose = store_files(10, tag="loose")
    root = storage.location(storage.profile).container_path.parent
    files_before = {
        path: value for path, value in tree_fingerprint(root).items() if not path.endswith("-shm")
    }
    first = storage.backup(tmp_path / "backups")
    files_after = {path: value for path, value in tree_fingerprint(root).items() if not path.endswith("-shm")}
    assert files_after == files_before, "the backup changed the storage it copied"
    assert first.manifest.files_linked == 0
    assert first.manifest.previous is None
    assert first.manifest.counts["Objects packed"] == 30
    assert first.manifest.counts["Objects loose"] == 10

    new = store_files(5, tag="new")
    second = storage.backup(tmp_path / "backups")

    assert second.manifest.previous == first.folder.name
    unchanged = {_loose_path(key) for key in loose} | {"container/packs/0"}
    for path in unchanged:
        assert (second.folder / path).stat().st_ino == (first.folder / path).stat().st_ino, path
        assert (second.folder / path).stat().st_nlink == 2
        assert second.manifest.files[path].linked
    added = set(second.manifest.files) - set(first.manifest.files)
    assert added == {_loose_path(key) for key in new}
    copied = {path for path, entry in second.manifest.files.items() if not entry.linked}
    always = {"config.json", "container/config.json", "container/packs.idx", _database_file(second)}
    assert copied == added | always
    for path in copied:
        assert (second.folder / path).stat().st_nlink == 1, path
    assert second.manifest.files_linked == len(unchanged)
    assert second.manifest.bytes_copied == sum((second.folder / path).stat().st_size for path in copied)
    assert second.manifest.bytes_linked == sum((second.folder / path).stat().st_size for path in unchanged)
    assert sorted(os.listdir(tmp_path / "backups")) == sorted(
        [".provgraph-backup.lock", "config.json", "last-backup", first.folder.name, second.folder.name]
    )
    assert (tmp_path / "backups" / "last-backup").resolve() == second.folder


def test_a_pack_that_grew_is_copied_and_restores(
    registered_profile: Profile, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    storage = _storage()
    store_files(20, tag="a")
    _pack(storage)
    first = storage.backup(tmp_path / "backups")
    store_files(5, tag="b")
    _pack(storage)  # appended to pack 0
    second = storage.backup(tmp_path / "backups")

    pack = "container/packs/0"
    assert second.manifest.files[pack].size > first.manifest.files[pack].size
    assert not second.manifest.files[pack].linked
    assert (second.folder / pack).stat().st_ino != (first.folder / pack).stat().st_ino
    assert not any(path.startswith("container/loose/") for path in second.manifest.files)
    third = storage.backup(tmp_path / "backups")  # nothing changed: the pack is linked again
    assert third.manifest.files[pack].linked
    assert (third.folder / pack).stat().st_ino == (second.folder / pack).stat().st_ino

    options = restore_options(registered_profile.storage_backend, tmp_path, request, "grown")
    restore_profile(third.folder, "grown", storage_options=options)
    restored = open_profile_storage("grown")
    try:
        assert len(assert_consistent(restored).nodes) == 25
    finally:
        restored.close()


def test_keep_prunes_older_backups(
    registered_profile: Profile, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    dest = tmp_path / "backups"
    storage = _storage()
    store_files(8, tag="k")
    first = storage.backup(dest)
    second = storage.backup(dest)
    store_files(2, tag="l")
    third = storage.backup(dest, keep=1)
    assert third.pruned == (first.folder,)
    assert not first.folder.exists()
    assert second.folder.is_dir()
    fourth = storage.backup(dest, keep=0)
    assert fourth.pruned == (second.folder, third.folder)
    remaining = sorted(name for name in os.listdir(dest) if name.startswith("backup_"))
    assert remaining == [fourth.folder.name]
    assert (dest / "last-backup").resolve() == fourth.folder

    # the files fourth linked from the backups pruned since are its own now, and restore
    assert fourth.manifest.files_linked > 0
    for path, entry in fourth.manifest.files.items():
        if entry.linked:
            assert (fourth.folder / path).stat().st_nlink == 1
    restore_profile(
        dest,
        "latest",
        storage_options=restore_options(registered_profile.storage_backend, tmp_path, request, "latest"),
    )
    restored = open_profile_storage("latest")
    try:
        assert len(assert_consistent(restored).nodes) == 10
    finally:
        restored.close()


def test_keep_must_not_be_negative(registered_profile: Profile, tmp_path: Path) -> None:
    from provgraph.exceptions import InputValidationError

    with pytest.raises(InputValidationError, match="keep"):
        _storage().backup(tmp_path / "backups", keep=-1)
    assert not (tmp_path / "backups").exists()
