"""The database part of a backup: the keys its own JSON functions find are those nodes name."""

from __future__ import annotations

from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.nodes.data.data import Data
from provgraph.storage.sql import dos
from provgraph.storage.sql.backend import SqlDosBackend

# File and folder names that look like the tree's own keys ("o" holds a folder, "k" a file's key).
TREES = [
    ["k"],
    ["o"],
    ["k/k", "k/o"],
    ["o/o/k", "o/k/o"],
    ["deep/er/still/file.txt", "deep/k"],
]


def test_referenced_keys_in_sql_match_the_python_walk(registered_profile: Profile) -> None:
    storage = get_manager().get_profile_storage()
    assert isinstance(storage, SqlDosBackend)
    for index, paths in enumerate(TREES):
        node = Data()
        for path in paths:
            node.base.repository.put_object_from_bytes(f"{index} {path}".encode(), path)
        node.store()
    Data().store()  # no files at all
    method = storage.database_backup(storage.profile)
    with storage.sql.connection() as connection:
        expected = dos.referenced_keys(connection)
        found = method.referenced_keys(connection)
    assert len(expected) == sum(len(paths) for paths in TREES)
    assert found == expected
