"""A storage's parts and their removal without opening it: whole, half-created, partly, or failing."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import insert, inspect, text

from provgraph.config.profile import Profile
from provgraph.exceptions import StorageDeletionError, UnreachableStorage
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage import EntityTypes, get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.location import DosLocation
from provgraph.storage.sql.tables import nodes, users

ProfileFactory = Callable[..., Profile]
ALL_PARTS = frozenset({"database", "schema", "container", "folder"})


def backend_class(profile: Profile) -> type[SqlDosBackend]:
    cls = get_storage_class(profile.storage_backend)
    assert issubclass(cls, SqlDosBackend)
    return cls


def location_of(profile: Profile) -> DosLocation:
    return backend_class(profile).location(profile)


def table_names(location: DosLocation) -> set[str]:
    engine = location.create_engine()
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def run_sql(location: DosLocation, *statements: object) -> None:
    engine = location.create_engine()
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(statement)  # type: ignore[call-overload]
    finally:
        engine.dispose()


def test_parts_are_described_in_removal_order(profile: Profile) -> None:
    parts = backend_class(profile).storage_parts(profile)
    assert [part.key for part in parts] == ["database", "schema", "container", "folder"]
    location = location_of(profile)
    assert parts[0].description == location.describe_database()
    assert str(location.container_path) in parts[2].description
    assert parts[2].removal_hint == f"rm -r {location.container_path}"
    if profile.storage_backend == "core.psql_dos":
        assert parts[0].description.startswith("PostgreSQL database 127.0.0.1:")
        assert parts[0].removal_hint.startswith("psql -h 127.0.0.1 -p ")
        assert f'DROP DATABASE "{profile.storage_config["database_name"]}"' in parts[0].removal_hint
    else:
        assert parts[0].removal_hint.startswith(f"rm -f {location.folder}/database.sqlite ")
        assert parts[1].removal_hint.startswith("sqlite3 ")
    assert "password" not in repr(parts)


def test_existing_parts_follow_the_storage(backend_name: str, make_profile: ProfileFactory) -> None:
    profile = make_profile(backend_name)
    cls = backend_class(profile)
    assert cls.existing_parts(profile) == frozenset()
    cls.initialise(profile)
    assert cls.existing_parts(profile) == ALL_PARTS
    cls.destroy(profile)
    assert cls.existing_parts(profile) == frozenset()
    cls.destroy(profile)  # nothing left: removing again is no error


def test_destroy_removes_a_whole_storage_with_data(storage: SqlDosBackend) -> None:
    profile = storage.profile
    storage.bulk_insert(EntityTypes.USER, [{"email": "a@x"}], allow_defaults=True)
    storage.get_repository().put_object_from_filelike(io.BytesIO(b"content"))
    storage.close()
    backend_class(profile).destroy(profile)
    assert backend_class(profile).existing_parts(profile) == frozenset()
    assert not location_of(profile).folder.exists()


def test_destroy_removes_a_database_without_schema(backend_name: str, make_profile: ProfileFactory) -> None:
    profile = make_profile(backend_name)
    cls = backend_class(profile)
    location = location_of(profile)
    location.create_database()  # as a setup killed right after creating the database leaves it
    assert cls.existing_parts(profile) == {"database", "folder"} or cls.existing_parts(profile) == {
        "database"
    }
    cls.destroy(profile, require_empty=True)
    assert cls.existing_parts(profile) == frozenset()


def test_destroy_removes_a_container_without_database(
    backend_name: str, make_profile: ProfileFactory
) -> None:
    profile = make_profile(backend_name)
    location = location_of(profile)
    DiskObjectStoreRepository(location.container_path).initialise()
    cls = backend_class(profile)
    assert cls.existing_parts(profile) == {"container", "folder"}
    cls.destroy(profile, {"container", "folder"}, require_empty=True)
    assert not location.folder.exists()


def test_destroy_of_some_parts_leaves_the_others(profile: Profile) -> None:
    cls = backend_class(profile)
    cls.destroy(profile, {"container"})
    assert cls.existing_parts(profile) == {"database", "schema", "folder"}


def test_schema_only_leaves_a_database_that_was_there_before(
    backend_name: str, make_profile: ProfileFactory
) -> None:
    """A database the user made (e.g. by an administrator) keeps existing; only our tables go."""
    profile = make_profile(backend_name)
    cls = backend_class(profile)
    location = location_of(profile)
    location.create_database()
    run_sql(location, text("CREATE TABLE theirs (x INTEGER)"))
    cls.initialise(profile)
    assert "db_dbnode" in table_names(location)
    cls.destroy(profile, {"schema", "container", "folder"}, require_empty=True)
    assert table_names(location) == {"theirs"}
    assert cls.existing_parts(profile) == {"database"} | (
        {"folder"} if profile.storage_backend == "core.sqlite_dos" else set()
    )


def test_folder_with_other_files_is_kept(profile: Profile) -> None:
    folder = location_of(profile).folder
    (folder / "notes.txt").write_text("mine")
    backend_class(profile).destroy(profile)
    assert [path.name for path in folder.iterdir()] == ["notes.txt"]


def test_require_empty_refuses_a_storage_with_data(profile: Profile) -> None:
    cls = backend_class(profile)
    location = location_of(profile)
    run_sql(
        location,
        insert(users).values(id=1, email="a@x"),
        insert(nodes).values(user_id=1, node_type="data.core.int.Int."),
    )
    with pytest.raises(
        StorageDeletionError, match=r"nothing was removed: .*holds data \(1 db_dbnode rows\)"
    ) as info:
        cls.destroy(profile, require_empty=True)
    assert cls.existing_parts(profile) == ALL_PARTS
    assert info.value.removed == ()
    assert len(info.value.left) == 1
    assert location.describe_database() in info.value.left[0]


def test_require_empty_allows_one_user_refuses_two(profile: Profile) -> None:
    cls = backend_class(profile)
    location = location_of(profile)
    run_sql(location, insert(users).values(email="a@x"))
    run_sql(location, insert(users).values(email="b@x"))
    with pytest.raises(StorageDeletionError, match="2 users"):
        cls.destroy(profile, require_empty=True)
    run_sql(location, text("DELETE FROM db_dbuser WHERE email = 'b@x'"))
    cls.destroy(profile, require_empty=True)
    assert cls.existing_parts(profile) == frozenset()


def test_require_empty_refuses_a_container_with_objects(profile: Profile) -> None:
    cls = backend_class(profile)
    repository = DiskObjectStoreRepository(location_of(profile).container_path)
    repository.put_object_from_filelike(io.BytesIO(b"somebody's file"))
    with pytest.raises(StorageDeletionError, match="holds objects"):
        cls.destroy(profile, {"container", "folder"}, require_empty=True)
    assert repository.is_initialised


def test_require_empty_refuses_foreign_tables_of_a_database_to_drop(profile: Profile) -> None:
    cls = backend_class(profile)
    location = location_of(profile)
    run_sql(location, text("CREATE TABLE theirs (x INTEGER)"))
    with pytest.raises(StorageDeletionError, match=r"tables that are not provgraph's \(theirs\)"):
        cls.destroy(profile, require_empty=True)
    cls.destroy(profile, {"schema", "container", "folder"}, require_empty=True)  # ours only: fine
    assert table_names(location) == {"theirs"}


def test_a_failing_part_stops_the_removal_unless_keep_going(
    make_profile: ProfileFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = make_profile("core.sqlite_dos")
    cls = backend_class(profile)
    cls.initialise(profile)
    location_cls = type(location_of(profile))

    def refuse(self: DosLocation) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(location_cls, "drop_database", refuse)
    with pytest.raises(StorageDeletionError, match="Read-only file system") as info:
        cls.destroy(profile)
    assert cls.existing_parts(profile) == ALL_PARTS  # stopped at the database: the storage is whole
    assert info.value.removed == ()
    assert [line.split(" (")[0] for line in info.value.left] == [
        location_of(profile).describe_database(),
        f"repository container {location_of(profile).container_path}",
    ]
    with pytest.raises(StorageDeletionError) as info:
        cls.destroy(profile, keep_going=True)
    assert cls.existing_parts(profile) == {"database", "schema", "folder"}
    assert info.value.removed == (f"repository container {location_of(profile).container_path}",)
    assert len(info.value.left) == 1
    assert "remove it by hand: rm -f " in info.value.left[0]


@pytest.mark.requires_psql
def test_unreachable_server_keeps_everything_or_reports_the_database(
    postgres_server: object, make_profile: ProfileFactory, tmp_path: Path
) -> None:
    reachable = make_profile("core.psql_dos")
    config = {**reachable.storage_config, "database_port": 1, "database_password": "s3cret"}
    profile = Profile.new("down", "core.psql_dos", config)
    cls = backend_class(profile)
    container = location_of(profile).container_path
    DiskObjectStoreRepository(container).initialise()
    with pytest.raises(UnreachableStorage):
        cls.existing_parts(profile)
    with pytest.raises(StorageDeletionError, match="cannot reach the PostgreSQL server") as info:
        cls.destroy(profile)
    assert container.exists()
    assert "s3cret" not in str(info.value) + "".join(info.value.left)
    assert len(info.value.left) == 2
    with pytest.raises(StorageDeletionError) as info:
        cls.destroy(profile, keep_going=True)
    assert not container.exists()
    (left,) = info.value.left
    assert left.startswith("PostgreSQL database 127.0.0.1:1/")
    assert "psql -h 127.0.0.1 -p 1 -U postgres -d postgres -c 'DROP DATABASE " in left
