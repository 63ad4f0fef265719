"""A migration that fails, is interrupted or is killed leaves the storage exactly as it was.

Failures are injected with a real extra revision (``main_0003``, written into a temporary
versions folder for the test) whose step changes the schema and the data and then raises; signals
are sent to a real ``provgraph storage migrate`` paused inside its transaction
(``PROVGRAPH_PAUSE_AT=migration-applied``). A successful revision that rebuilds a table (alembic's
"move and copy", as SQLite needs for most changes) must keep every row of the tables that point
at it: SQLite's foreign keys are off during a migration for that reason.
"""

from __future__ import annotations

import contextlib
import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config as AlembicConfig
from click.testing import CliRunner, Result
from sqlalchemy import Connection
from tests.cli_subprocess import paused_cli
from tests.storage.sql.old_storage import create_old_storage, location_of, schema_of, snapshot

from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.exceptions import StorageMigrationError
from provgraph.manager import get_manager
from provgraph.storage import get_storage_class
from provgraph.storage.sql import migrator, revisions
from provgraph.storage.sql.dialects import SqliteDialect
from provgraph.storage.sql.engines import schema_transaction

ProfileFactory = Callable[..., Profile]

_HEADER = """
import sqlalchemy as sa
from alembic import op

revision = "main_0003"
down_revision = "main_0002"
branch_labels = None
depends_on = None


def downgrade():
    pass

"""

REBUILD_NODES = """
def upgrade():
    # SQLite rebuilds the table (move and copy); PostgreSQL alters it in place.
    recreate = "always" if op.get_context().dialect.name == "sqlite" else "auto"
    with op.batch_alter_table("db_dbnode", recreate=recreate) as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
"""

CHANGE_THEN_FAIL = """
def upgrade():
    op.add_column("db_dbnode", sa.Column("note", sa.Text(), nullable=True))
    op.create_table("provgraph_half_done", sa.Column("id", sa.Integer(), primary_key=True))
    op.execute("UPDATE db_dbnode SET label = 'changed'")
    op.execute("DELETE FROM db_dbcomment")
    raise RuntimeError("injected failure in the middle of main_0003")
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def extra_revision(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Add a revision ``main_0003`` with the given ``upgrade`` to the migrations, for this test."""
    folder = tmp_path / "extra-versions"
    folder.mkdir()
    real = migrator._alembic_config

    def with_extra_versions(connection: Connection | None = None) -> AlembicConfig:
        config = real(connection)
        config.set_main_option("path_separator", "os")
        versions = [str(migrator.MIGRATIONS_DIR / "versions"), str(folder)]
        config.set_main_option("version_locations", os.pathsep.join(versions))
        return config

    def add(upgrade: str) -> None:
        (folder / "main_0003_test.py").write_text(_HEADER + textwrap.dedent(upgrade))
        migrator._scripts.cache_clear()

    monkeypatch.setattr(migrator, "_alembic_config", with_extra_versions)
    # the code's own history (storage/sql/revisions.py) knows the extra revision too
    monkeypatch.setattr(revisions, "REVISIONS", (*revisions.REVISIONS, "main_0003"))
    monkeypatch.setattr(revisions, "HEAD", "main_0003")
    migrator._scripts.cache_clear()
    try:
        yield add
    finally:
        migrator._scripts.cache_clear()


@pytest.fixture
def full_storage(backend_name: str, make_profile: ProfileFactory) -> Profile:
    """A registered profile at ``main_0002`` (migrated from ``main_0001``) full of data."""
    profile = make_profile(backend_name)
    create_old_storage(profile)
    get_storage_class(backend_name).migrate(profile)
    with Config.modify() as config:
        config.add_profile(profile)
        config.set_default_profile(profile.name)
    get_manager().reset()
    return profile


def counts(state: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
    return {table: len(rows) for table, rows in state.items()}


def test_a_failing_step_changes_nothing(full_storage: Profile, extra_revision: Callable[[str], None]) -> None:
    before, schema_before = snapshot(full_storage), schema_of(full_storage)
    extra_revision(CHANGE_THEN_FAIL)
    cls = get_storage_class(full_storage.storage_backend)
    with pytest.raises(StorageMigrationError, match=r"still at 'main_0002'.*injected failure"):
        cls.migrate(full_storage)
    assert snapshot(full_storage) == before
    assert schema_of(full_storage) == schema_before
    result = run("storage", "migrate", "--force")
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert "from 'main_0002' to 'head' failed, nothing was changed (still at 'main_0002')" in errors[0]
    assert "Traceback" not in result.output
    assert snapshot(full_storage) == before


def test_a_table_rebuild_keeps_the_rows_that_point_at_it(
    full_storage: Profile, extra_revision: Callable[[str], None]
) -> None:
    before = snapshot(full_storage)
    extra_revision(REBUILD_NODES)
    get_storage_class(full_storage.storage_backend).migrate(full_storage)
    after = snapshot(full_storage)
    assert after["alembic_version"] == [{"version_num": "main_0003"}]
    assert counts(after) == counts(before)
    for table in ("db_dblink", "db_dbcomment", "db_dblog", "db_dbgroup_dbnodes", "db_dbuser"):
        assert after[table] == before[table], table
    without_note = [{k: v for k, v in row.items() if k != "note"} for row in after["db_dbnode"]]
    assert without_note == before["db_dbnode"]
    assert "note" in [column for column, *_ in schema_of(full_storage)["db_dbnode"]["columns"]]


def test_sqlite_cannot_rebuild_a_parent_table_with_foreign_keys_on(
    make_profile: ProfileFactory, extra_revision: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Why ``SqliteDialect.schema_change`` exists: with the foreign keys on, dropping the old
    ``db_dbnode`` cascades into its children, and the same rebuild fails (or, with only
    cascading keys, would silently empty them)."""
    profile = make_profile("core.sqlite_dos")
    create_old_storage(profile)
    before = snapshot(profile)

    @contextlib.contextmanager
    def keep_foreign_keys(self: SqliteDialect, connection: Connection) -> Iterator[None]:
        yield

    monkeypatch.setattr(SqliteDialect, "schema_change", keep_foreign_keys)
    extra_revision(REBUILD_NODES)
    with pytest.raises(StorageMigrationError, match="FOREIGN KEY constraint failed"):
        get_storage_class("core.sqlite_dos").migrate(profile)
    assert snapshot(profile) == before


@pytest.mark.parametrize("fails", [False, True])
def test_sqlite_foreign_keys_are_off_during_a_schema_change_only(
    make_profile: ProfileFactory, fails: bool
) -> None:
    profile = make_profile("core.sqlite_dos")
    get_storage_class("core.sqlite_dos").initialise(profile)
    engine = location_of(profile).create_engine()
    try:
        with contextlib.suppress(RuntimeError), schema_transaction(engine) as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 0
            if fails:
                raise RuntimeError("the migration failed")
        with engine.connect() as connection:  # the pool hands out the same connection again
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.parametrize("signal_name", ["SIGKILL", "SIGINT"])
def test_a_migration_stopped_by_a_signal_leaves_the_old_revision(
    backend_name: str, make_profile: ProfileFactory, signal_name: str
) -> None:
    profile = make_profile(backend_name)
    create_old_storage(profile)
    with Config.modify() as config:
        config.add_profile(profile)
        config.set_default_profile(profile.name)
    before = snapshot(profile)
    with paused_cli(["storage", "migrate", "--force"], "migration-applied") as child:
        if signal_name == "SIGKILL":
            child.kill()
        else:
            finished = child.interrupt()
            assert finished.returncode == 130  # the documented exit code of an interrupt
            assert finished.stderr.strip().splitlines()[-1] == "Error: Interrupted."
            assert "Traceback" not in finished.stderr
    assert snapshot(profile) == before  # still main_0001, every hash still there
    get_manager().reset()
    result = run("storage", "migrate", "--force")  # the killed process's lock is stale: no obstacle
    assert result.exit_code == 0, result.output
    assert get_storage_class(backend_name).version_profile(profile) == "main_0002"
