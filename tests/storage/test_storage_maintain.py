"""Storage maintenance: unreferenced objects go, referenced ones are packed and kept."""

from __future__ import annotations

import io

import pytest

from provgraph.exceptions import CorruptStorage
from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend


def node_with_file(storage: SqlDosBackend, key: str) -> None:
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "m@x"}], allow_defaults=True)[0]
    metadata = {"o": {"sub": {"o": {"f.txt": {"k": key}}}}}
    storage.bulk_insert(
        EntityTypes.NODE, [{"user_id": user, "repository_metadata": metadata}], allow_defaults=True
    )


@pytest.mark.parametrize("full", [False, True])
def test_maintain_deletes_unreferenced_and_packs(storage: SqlDosBackend, full: bool) -> None:
    repository = storage.get_repository()
    kept = repository.put_object_from_filelike(io.BytesIO(b"referenced"))
    orphan = repository.put_object_from_filelike(io.BytesIO(b"orphan"))
    node_with_file(storage, kept)
    assert storage.get_unreferenced_keyset() == {orphan}

    storage.maintain(full=full, dry_run=True)
    assert repository.has_objects([kept, orphan]) == [True, True]

    storage.maintain(full=full)
    assert repository.has_objects([kept, orphan]) == [True, False]
    assert repository.get_info()["Objects"]["loose"] == 0
    assert repository.get_object_content(kept) == b"referenced"


def test_missing_referenced_object_is_reported(storage: SqlDosBackend) -> None:
    node_with_file(storage, "0" * 64)
    with pytest.raises(CorruptStorage, match="missing"):
        storage.get_unreferenced_keyset()
    assert storage.get_unreferenced_keyset(check_consistency=False) == set()
