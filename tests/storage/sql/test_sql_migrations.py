"""Schema revisions: initialise at head, refuse old or unknown revisions, migrate all-or-nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, insert, inspect, select, text

from provgraph.config.profile import Profile
from provgraph.exceptions import CorruptStorage, IncompatibleStorageSchema, StorageMigrationError
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage import get_storage_class
from provgraph.storage.sql import revisions
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.dos import write_repository_uuid
from provgraph.storage.sql.migrator import Migrator
from provgraph.storage.sql.tables import nodes, users

ProfileFactory = Callable[..., Profile]
CALCJOB = "process.calculation.calcjob.CalcJobNode."
CALCFUNCTION = "process.calculation.calcfunction.CalcFunctionNode."


def backend_class(profile: Profile) -> type[SqlDosBackend]:
    cls = get_storage_class(profile.storage_backend)
    assert issubclass(cls, SqlDosBackend)
    return cls


def create_at_revision(
    profile: Profile, revision: str, then: Callable[[Connection], None] | None = None
) -> None:
    """A storage whose schema stops at ``revision`` (as an older AiiDA/provgraph left it)."""
    location = backend_class(profile).location(profile)
    location.create_database()
    repository = DiskObjectStoreRepository(location.container_path)
    repository.initialise()

    def pair_and_fill(connection: Connection) -> None:
        write_repository_uuid(connection, repository.uuid)
        if then is not None:
            then(connection)

    engine = location.create_engine()
    try:
        Migrator(engine, location.describe()).upgrade(revision, then=pair_and_fill)
    finally:
        engine.dispose()


def execute(profile: Profile, statement: Any) -> Any:
    """Run one statement on the profile's database outside any storage object; return all rows."""
    engine = backend_class(profile).location(profile).create_engine()
    try:
        with engine.begin() as connection:
            result = connection.execute(statement)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def add_nodes(node_types_and_extras: list[tuple[str, Any]]) -> Callable[[Connection], None]:
    def fill(connection: Connection) -> None:
        user = connection.execute(insert(users).values(email="old@aiida").returning(users.c.id)).scalar_one()
        for node_type, extras in node_types_and_extras:
            connection.execute(insert(nodes).values(user_id=user, node_type=node_type, extras=extras))

    return fill


def test_version_head_is_aiidas(backend_name: str) -> None:
    assert get_storage_class(backend_name).version_head() == "main_0002"


def test_initialise_creates_head_and_is_idempotent(profile: Profile) -> None:
    cls = backend_class(profile)
    assert cls.version_profile(profile) == "main_0002"
    assert cls.initialise(profile) is False
    with cls(profile) as storage:
        assert storage.version() == "main_0002"


def test_version_profile_is_none_before_initialise(backend_name: str, make_profile: ProfileFactory) -> None:
    profile = make_profile(backend_name)
    assert get_storage_class(backend_name).version_profile(profile) is None


def test_old_revision_is_refused_until_migrated(backend_name: str, make_profile: ProfileFactory) -> None:
    profile = make_profile(backend_name)
    create_at_revision(profile, "main_0001")
    cls = backend_class(profile)
    assert cls.version_profile(profile) == "main_0001"
    with pytest.raises(IncompatibleStorageSchema) as excinfo:
        cls(profile)
    message = str(excinfo.value)
    assert "'main_0001'" in message
    assert "'main_0002'" in message
    assert "provgraph storage migrate" in message

    cls.migrate(profile)
    assert cls.version_profile(profile) == "main_0002"
    with cls(profile) as storage:
        assert storage.get_entity_counts()["Nodes"] == 0


def test_main_0002_drops_the_hash_of_calcjobs_only(backend_name: str, make_profile: ProfileFactory) -> None:
    profile = make_profile(backend_name)
    hashed = {"_aiida_hash": "abc", "keep": 1}
    create_at_revision(
        profile,
        "main_0001",
        add_nodes(
            [(CALCJOB, hashed), (CALCFUNCTION, hashed), ("data.core.int.Int.", hashed), (CALCJOB, None)]
        ),
    )
    backend_class(profile).migrate(profile)
    rows = execute(profile, select(nodes.c.node_type, nodes.c.extras).order_by(nodes.c.id))
    assert rows == [
        (CALCJOB, {"keep": 1}),
        (CALCFUNCTION, hashed),
        ("data.core.int.Int.", hashed),
        (CALCJOB, None),
    ]


def test_newer_revision_is_refused(profile: Profile) -> None:
    execute(profile, text("UPDATE alembic_version SET version_num = 'main_9999'"))
    cls = backend_class(profile)
    with pytest.raises(IncompatibleStorageSchema, match="newer") as excinfo:
        cls(profile)
    assert "main_9999" in str(excinfo.value)
    with pytest.raises(StorageMigrationError, match="newer"):
        cls.migrate(profile)
    assert cls.version_profile(profile) == "main_9999"


def test_failed_migration_leaves_the_old_revision_and_data(
    backend_name: str, make_profile: ProfileFactory
) -> None:
    profile = make_profile(backend_name)
    hashed = {"_aiida_hash": "abc"}
    create_at_revision(profile, "main_0001", add_nodes([(CALCJOB, hashed)]))
    location = backend_class(profile).location(profile)

    def fail_after_main_0002(connection: Connection) -> None:
        assert connection.execute(select(nodes.c.extras)).scalar_one() == {}  # main_0002 did run
        raise RuntimeError("interrupted after the last migration")

    engine = location.create_engine()
    try:
        with pytest.raises(RuntimeError, match="interrupted"):
            Migrator(engine, location.describe()).upgrade(then=fail_after_main_0002)
    finally:
        engine.dispose()
    assert backend_class(profile).version_profile(profile) == "main_0001"
    assert execute(profile, select(nodes.c.extras)) == [(hashed,)]


def test_failing_migration_step_raises_and_changes_nothing(make_profile: ProfileFactory) -> None:
    profile = make_profile("core.sqlite_dos")
    create_at_revision(profile, "main_0001", add_nodes([(CALCJOB, {"_aiida_hash": "abc"})]))
    execute(profile, text("UPDATE db_dbnode SET extras = '{broken'"))  # json_remove() refuses this
    cls = backend_class(profile)
    with pytest.raises(StorageMigrationError, match="still at 'main_0001'"):
        cls.migrate(profile)
    assert cls.version_profile(profile) == "main_0001"
    assert execute(profile, text("SELECT extras FROM db_dbnode")) == [("{broken",)]


def test_failure_while_creating_the_schema_leaves_no_table(
    backend_name: str, make_profile: ProfileFactory
) -> None:
    profile = make_profile(backend_name)
    location = backend_class(profile).location(profile)
    location.create_database()

    def fail(connection: Connection) -> None:
        raise RuntimeError("interrupted")

    engine = location.create_engine()
    try:
        with pytest.raises(RuntimeError, match="interrupted"):
            Migrator(engine, location.describe()).upgrade(then=fail)
        assert inspect(engine).get_table_names() == []
        assert Migrator(engine, location.describe()).current() is None
    finally:
        engine.dispose()


def test_uninitialised_database_is_refused_then_migrate_creates_it(
    backend_name: str, make_profile: ProfileFactory
) -> None:
    profile = make_profile(backend_name)
    cls = get_storage_class(backend_name)
    backend_class(profile).location(profile).create_database()
    with pytest.raises(IncompatibleStorageSchema, match="not initialised") as excinfo:
        cls(profile)
    assert "provgraph storage migrate" in str(excinfo.value)
    cls.migrate(profile)
    with cls(profile) as storage:
        assert storage.version() == "main_0002"


def test_the_revision_constants_are_the_shipped_scripts() -> None:
    """Opening a storage reads revisions.py, not alembic: both must name the same history."""
    assert Migrator.shipped_revisions() == list(revisions.REVISIONS)
    assert revisions.REVISIONS[-1] == revisions.HEAD


def test_the_revision_is_read_as_alembic_reads_it(profile: Profile) -> None:
    """revisions.current_revision agrees with alembic's MigrationContext on a real database."""
    from alembic.runtime.migration import MigrationContext

    engine = backend_class(profile).location(profile).create_engine()
    try:
        with engine.connect() as connection:
            expected = MigrationContext.configure(connection).get_current_revision()
            assert revisions.current_revision(connection) == expected == revisions.HEAD
            connection.execute(text("DELETE FROM alembic_version"))
            assert revisions.current_revision(connection) is None
            connection.rollback()
            connection.execute(text("INSERT INTO alembic_version (version_num) VALUES ('main_0001')"))
            with pytest.raises(CorruptStorage, match="several schema revisions"):
                revisions.current_revision(connection)
            connection.rollback()
            connection.execute(text("DROP TABLE alembic_version"))
            assert revisions.current_revision(connection) is None
            connection.rollback()
    finally:
        engine.dispose()


def test_opening_a_storage_imports_no_alembic(registered_profile: Profile) -> None:
    """The schema check at open costs a SELECT, not alembic's 0.1 s of imports (a fresh interpreter)."""
    import subprocess
    import sys

    script = (
        "import sys, provgraph\n"
        f"provgraph.load_profile({registered_profile.name!r})\n"
        "from provgraph.manager import get_manager\n"
        "get_manager().get_profile_storage()\n"
        "heavy = ('alembic', 'mako', 'disk_objectstore')\n"
        "print(sorted(name for name in sys.modules if name.split('.')[0] in heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout
