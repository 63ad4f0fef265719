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


@pytest.mark.parametrize("full", [False, True])
def test_maintain_deletes_unreferenced_and_packs(storage: SqlDosBackend, full: bool) -> None:
    repository = storage.get_repository()
    kept = repository.put_object_from_filelike(io.BytesIO(b"referenced"))
    orphan = repository.put_object_from_filelike(io.BytesIO(b"orphan"))
    node_with_file(storage, kept)
    assert storage.get_unreferenced_keyset() == {orphan}

    with maintenance_access(storage.profile, full):
        storage.maintain(full=full, dry_run=True)
    assert repository.has_objects([kept, orphan]) == [True, True]

    with maintenance_access(storage.profile, full):
        storage.maintain(full=full)
    assert repository.has_objects([kept, orphan]) == [True, False]
    assert repository.get_info()["Objects"]["loose"] == 0
    assert repository.get_object_content(kept) == b"referenced"


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
