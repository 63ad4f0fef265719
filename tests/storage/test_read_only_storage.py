"""A profile's storage opened read-only (``StorageBackend.open_read_only``, as ``provgraph explore``
opens it): everything reads, the database itself refuses every write, and the refusal is a
``ReadOnlyStorageError``. On SQLite, another process keeps writing the same file meanwhile.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.storage.sql.rowdata import add_group, add_links, add_nodes, add_user

from provgraph import orm
from provgraph.config.profile import Profile
from provgraph.exceptions import ReadOnlyStorageError, UnreachableStorage
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.storage import EntityTypes, get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sqlite_dos.backend import SqliteDosBackend

ENTITIES = [EntityTypes.USER, EntityTypes.NODE, EntityTypes.LINK, EntityTypes.GROUP, EntityTypes.GROUP_NODE]


@pytest.fixture
def filled(storage: SqlDosBackend) -> dict[str, Any]:
    """A user, five nodes linked in a chain, a group of two of them, a global variable."""
    user = add_user(storage, storage.profile.default_user_email)  # the ORM's default user
    nodes = add_nodes(storage, user, 5, node_type="data.core.int.Int.", attributes={"value": 7})
    add_links(storage, list(itertools.pairwise(nodes)))
    group = add_group(storage, user)
    storage.add_group_nodes(group, nodes[:2])
    storage.set_global_variable("explore-test", {"a": 1}, "set before opening read-only")
    key = storage.get_repository().put_object_from_filelike(io.BytesIO(b"one object"))
    return {"user": user, "nodes": nodes, "group": group, "key": key}


@pytest.fixture
def read_only(storage: SqlDosBackend, filled: dict[str, Any]) -> Iterator[SqlDosBackend]:
    """The same profile's storage opened read-only (the writable one stays open beside it)."""
    opened = type(storage).open_read_only(storage.profile)
    assert isinstance(opened, SqlDosBackend)
    try:
        yield opened
    finally:
        opened.close()


def _snapshot(storage: SqlDosBackend) -> dict[str, Any]:
    """Every row of the tables a write could touch, and the settings, seen by a writable storage."""
    rows = {entity.value: storage.get_rows(entity, order_by=()) for entity in ENTITIES}
    objects = sorted(storage.get_repository().list_objects())
    return {**rows, "setting": storage.get_global_variable("explore-test"), "objects": objects}


def test_a_read_only_storage_reads_everything(
    storage: SqlDosBackend, read_only: SqlDosBackend, filled: dict[str, Any]
) -> None:
    for entity in ENTITIES:
        assert read_only.get_rows(entity, order_by=()) == storage.get_rows(entity, order_by=())
    assert read_only.get_global_variable("explore-test") == {"a": 1}
    with read_only.transaction():  # the ORM groups reads in transactions: allowed
        assert read_only.count_rows(EntityTypes.NODE) == 5
    query = QueryBuilder(backend=read_only).append(orm.Node, filters={"attributes.value": 7}, project="id")
    assert sorted(query.all(flat=True)) == filled["nodes"]
    walk = read_only.walk_links([filled["nodes"][0]], ["create"], backward=False)
    assert set(walk.distances) == set(filled["nodes"][1:])  # the origin is not reached
    node = orm.load_node(filled["nodes"][2], backend=read_only)
    assert node.base.attributes.get("value") == 7
    assert read_only.get_repository().get_object_content(filled["key"]) == b"one object"


def _in_transaction(storage: SqlDosBackend, write: Callable[[], object]) -> None:
    with storage.transaction():
        write()


def _writes(filled: dict[str, Any]) -> dict[str, Callable[[SqlDosBackend], object]]:
    user, nodes, group = filled["user"], filled["nodes"], filled["group"]
    node_row = {"user_id": user, "label": "new", "node_type": "data.Data."}
    return {
        "insert a node": lambda s: s.bulk_insert(EntityTypes.NODE, [node_row], allow_defaults=True),
        "insert many nodes": lambda s: s.bulk_insert(EntityTypes.NODE, [node_row] * 3, allow_defaults=True),
        "insert columns": lambda s: s.bulk_insert_columns(
            EntityTypes.USER,
            {
                "email": ["a@x", "b@x"],
                "first_name": ["", ""],
                "last_name": ["", ""],
                "institution": ["", ""],
            },
        ),
        "update a node": lambda s: s.bulk_update(EntityTypes.NODE, [{"id": nodes[0], "label": "changed"}]),
        "delete nodes": lambda s: _in_transaction(s, lambda: s.delete_nodes_and_connections(nodes[3:])),
        "delete a group": lambda s: s.delete_rows(EntityTypes.GROUP, [group]),
        "add to a group": lambda s: s.add_group_nodes(group, nodes[2:]),
        "remove from a group": lambda s: s.remove_group_nodes(group, nodes[:1]),
        "set a global variable": lambda s: s.set_global_variable("explore-test", {"b": 2}),
        "store a node through the ORM": lambda s: orm.Int(5, backend=s).store(),
        "store a node with a file": _store_a_file,
        "maintain the storage": lambda s: s.maintain(),
    }


def _store_a_file(storage: SqlDosBackend) -> None:
    """Its object would be written before its row: the container refuses it first."""
    node = orm.FolderData(backend=storage)
    node.base.repository.put_object_from_bytes(b"not to be kept", "a.txt")
    node.store()


WRITES = list(_writes({"user": 0, "nodes": [0] * 5, "group": 0}))


@pytest.mark.parametrize("write", WRITES)
def test_a_write_is_refused_and_changes_nothing(
    storage: SqlDosBackend, read_only: SqlDosBackend, filled: dict[str, Any], write: str
) -> None:
    before = _snapshot(storage)
    with pytest.raises(ReadOnlyStorageError, match="the storage is open read-only"):  # not a driver error
        _writes(filled)[write](read_only)
    assert _snapshot(storage) == before
    # the refusal leaves the read-only storage usable, and the writable one unaffected
    assert read_only.count_rows(EntityTypes.NODE) == 5
    add_nodes(storage, filled["user"], 1)
    assert read_only.count_rows(EntityTypes.NODE) == 6


def test_a_write_inside_a_transaction_is_refused(read_only: SqlDosBackend, filled: dict[str, Any]) -> None:
    def reads_then_writes() -> None:
        with read_only.transaction():
            assert read_only.count_rows(EntityTypes.NODE) == 5
            add_nodes(read_only, filled["user"], 2)

    with pytest.raises(ReadOnlyStorageError):
        reads_then_writes()
    assert read_only.count_rows(EntityTypes.NODE) == 5


def test_the_storage_class_opens_read_only_through_the_interface(profile: Profile) -> None:
    storage = get_storage_class(profile.storage_backend).open_read_only(profile)
    try:
        with pytest.raises(ReadOnlyStorageError):
            storage.set_global_variable("k", 1)
    finally:
        storage.close()


# -- SQLite: another process writes the file while it is open read-only ------------------------

_WRITER = textwrap.dedent(
    """
    import json, sys
    from provgraph.config.profile import Profile
    from provgraph.storage import EntityTypes
    from provgraph.storage.sqlite_dos.backend import SqliteDosBackend

    name, attributes, user, count = json.loads(sys.argv[1])
    storage = SqliteDosBackend(Profile(name, attributes))
    try:
        for index in range(count):  # one transaction each, as separate commits
            row = {"user_id": user, "label": f"child-{index}", "node_type": "data.Data."}
            storage.bulk_insert(EntityTypes.NODE, [row], allow_defaults=True)
    finally:
        storage.close()
    """
)


def _write_in_a_child(profile: Profile, user: int, count: int) -> None:
    """Insert ``count`` nodes from a separate Python process, with a short busy timeout."""
    attributes = profile.to_dict()
    attributes["storage"]["config"]["busy_timeout_ms"] = 2_000  # a held write lock would fail it
    argument = json.dumps([profile.name, attributes, user, count])
    done = subprocess.run(
        [sys.executable, "-c", _WRITER, argument], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr


def _sqlite_profile(make_profile: Callable[..., Profile]) -> tuple[Profile, int]:
    profile = make_profile("core.sqlite_dos")
    SqliteDosBackend.initialise(profile)
    with SqliteDosBackend(profile) as storage:
        user = add_user(storage)
        add_nodes(storage, user, 3)
    return profile, user


def test_sqlite_a_reader_sees_what_another_process_commits(make_profile: Callable[..., Profile]) -> None:
    profile, user = _sqlite_profile(make_profile)
    reader = SqliteDosBackend.open_read_only(profile)
    try:
        assert reader.count_rows(EntityTypes.NODE) == 3  # a pooled connection is open from here on
        _write_in_a_child(profile, user, 4)
        assert reader.count_rows(EntityTypes.NODE) == 7
        with reader.transaction():  # a read transaction open while the child writes does not block it
            assert reader.count_rows(EntityTypes.NODE) == 7
            _write_in_a_child(profile, user, 2)
            assert reader.count_rows(EntityTypes.NODE) == 7  # its snapshot
        labels = {row["label"] for row in reader.get_rows(EntityTypes.NODE, columns=["label"])}
        assert {f"child-{index}" for index in range(4)} <= labels
        assert reader.count_rows(EntityTypes.NODE) == 9
    finally:
        reader.close()


def test_sqlite_opening_read_only_leaves_the_database_file_as_it_was(
    make_profile: Callable[..., Profile],
) -> None:
    """Reading, and a refused write, change no byte of the file; a writer opens it afterwards."""
    profile, user = _sqlite_profile(make_profile)
    database = SqliteDosBackend.location(profile).database_path
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    reader = SqliteDosBackend.open_read_only(profile)
    try:
        assert reader.count_rows(EntityTypes.NODE) == 3
        with pytest.raises(ReadOnlyStorageError):
            add_nodes(reader, user, 1)
    finally:
        reader.close()
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    _write_in_a_child(profile, user, 1)
    with SqliteDosBackend(profile) as storage:
        assert storage.count_rows(EntityTypes.NODE) == 4


def test_sqlite_a_missing_database_is_not_created(make_profile: Callable[..., Profile]) -> None:
    profile, _ = _sqlite_profile(make_profile)
    database: Path = SqliteDosBackend.location(profile).database_path
    database.unlink()
    with pytest.raises(UnreachableStorage, match="cannot reach the storage"):
        SqliteDosBackend.open_read_only(profile)
    assert not database.exists()
