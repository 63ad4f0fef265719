"""Storage maintenance: unreferenced objects go, referenced ones are packed and kept.

A full maintenance needs the profile to itself. The storage leaves that lock to its caller
(storage sits below ``provgraph.access``), so these tests call it as every caller must: inside
``ProfileAccessManager(profile).lock()``.
"""

from __future__ import annotations

import io
from contextlib import AbstractContextManager, nullcontext

import pytest
from tests.child_processes import profile_in_use

from provgraph.access import ProfileAccessManager
from provgraph.config.profile import Profile
from provgraph.exceptions import CorruptStorage, LockingProfileError
from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend


def node_with_file(storage: SqlDosBackend, key: str) -> None:
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "m@x"}], allow_defaults=True)[0]
    metadata = {"o": {"sub": {"o": {"f.txt": {"k": key}}}}}
    storage.bulk_insert(
        EntityTypes.NODE, [{"user_id": user, "repository_metadata": metadata}], allow_defaults=True
    )


def maintenance_access(profile: Profile, full: bool) -> AbstractContextManager[None]:
    """What a caller of ``maintain`` holds: the profile's exclusive lock for a full maintenance."""
    return ProfileAccessManager(profile).lock() if full else nullcontext()


def test_quick_maintenance_packs_and_keeps_unreferenced_objects(storage: SqlDosBackend) -> None:
    """A quick maintenance may run beside writers, which store an object before its row: it never
    deletes, it only counts what a full one would delete."""
    repository = storage.get_repository()
    kept = repository.put_object_from_filelike(io.BytesIO(b"referenced"))
    orphan = repository.put_object_from_filelike(io.BytesIO(b"orphan"))
    node_with_file(storage, kept)

    report = storage.maintain(dry_run=True)
    assert report.dry_run
    assert not report.full
    assert [step.name for step in report.steps] == ["pack loose objects", "clean the container", "database"]
    assert "2 loose objects would be packed" in report.steps[0].detail
    assert repository.get_info()["Objects"]["loose"] == 2  # a dry run changes nothing

    report = storage.maintain()
    assert repository.get_info()["Objects"] == {"packed": 2, "loose": 0, "pack_files": 1}
    assert repository.has_objects([kept, orphan]) == [True, True]
    assert (report.unreferenced_left, report.unreferenced_left_bytes) == (1, len(b"orphan"))
    assert repository.get_object_content(kept) == b"referenced"


@pytest.mark.parametrize("dry_run", [True, False])
def test_full_maintenance_deletes_unreferenced_and_repacks(storage: SqlDosBackend, dry_run: bool) -> None:
    repository = storage.get_repository()
    kept = repository.put_object_from_filelike(io.BytesIO(b"referenced"))
    node_with_file(storage, kept)
    orphans = repository.put_objects_from_streams(
        [io.BytesIO(f"orphan {index} ".encode() * 1000) for index in range(50)]
    )  # packed already: only a repack gives their space back
    with maintenance_access(storage.profile, full=True):
        report = storage.maintain(full=True, dry_run=dry_run)
    names = [step.name for step in report.steps]
    assert names == [
        "unreferenced objects",
        "pack loose objects",
        "repack",
        "clean the container",
        "database",
    ]
    assert report.steps[0].detail.startswith("50 objects")
    if dry_run:
        assert all(repository.has_objects(orphans))
        assert report.bytes_freed == 0
        return
    assert not any(repository.has_objects(orphans))
    assert repository.get_object_content(kept) == b"referenced"
    assert report.steps[0].bytes_freed == sum(len(f"orphan {index} ".encode() * 1000) for index in range(50))
    assert report.steps[2].bytes_freed is not None
    assert report.steps[2].bytes_freed > 100_000  # the pack no longer holds the orphans
    assert storage.get_unreferenced_keyset() == set()


def test_full_maintenance_vacuums_the_database(storage: SqlDosBackend) -> None:
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "v@x"}], allow_defaults=True)[0]
    rows = [{"user_id": user, "attributes": {"text": "x" * 2000, "index": index}} for index in range(3000)]
    ids = storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
    with storage.transaction():
        storage.delete_nodes_and_connections(ids)
    with maintenance_access(storage.profile, full=True):
        report = storage.maintain(full=True)
    database = report.steps[-1]
    assert database.name == "database"
    assert database.bytes_freed is not None
    if storage.profile.storage_backend == "core.sqlite_dos":
        assert database.bytes_freed > 3000 * 2000  # VACUUM rewrote the file without the free pages
        assert "VACUUM" in database.detail
    else:
        assert database.detail == "VACUUM (ANALYZE)"  # space made reusable, the file not shrunk


def test_maintenance_options_are_checked(storage: SqlDosBackend) -> None:
    with pytest.raises(TypeError, match="unknown maintenance options"):
        storage.maintain(colour="blue")
    with pytest.raises(ValueError, match="cannot run in live mode"):
        storage.maintain(do_repack=True)


def test_maintenance_reports_progress(storage: SqlDosBackend) -> None:
    repository = storage.get_repository()
    for index in range(20):
        repository.put_object_from_filelike(io.BytesIO(f"loose {index}".encode()))
    seen: list[tuple[str, int, int]] = []
    storage.maintain(progress=lambda stage, done, total: seen.append((stage, done, total)))
    assert seen
    assert {stage for stage, _, _ in seen} == {"Packing loose objects"}
    assert seen[-1][1] == seen[-1][2] > 0


def test_full_maintenance_refused_while_another_process_uses_the_profile(storage: SqlDosBackend) -> None:
    repository = storage.get_repository()
    orphan = repository.put_object_from_filelike(io.BytesIO(b"orphan"))
    with profile_in_use(storage.profile) as other:
        with (
            pytest.raises(LockingProfileError, match=rf"in use by PID {other.pid}"),
            maintenance_access(storage.profile, full=True),
        ):
            storage.maintain(full=True)
        with maintenance_access(storage.profile, full=False):
            storage.maintain(full=False, dry_run=True)  # a live maintenance needs no lock
    assert repository.has_objects([orphan]) == [True]
    with maintenance_access(storage.profile, full=True):  # the other process is gone
        storage.maintain(full=True)
    assert repository.has_objects([orphan]) == [False]


def test_missing_referenced_object_is_reported(storage: SqlDosBackend) -> None:
    node_with_file(storage, "0" * 64)
    with pytest.raises(CorruptStorage, match="missing"):
        storage.get_unreferenced_keyset()
    assert storage.get_unreferenced_keyset(check_consistency=False) == set()
