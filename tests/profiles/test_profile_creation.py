"""``create_profile``: all or nothing on errors, never removing what it did not make, one setup per name.

Signals at every step are covered by ``test_profile_setup_signals.py``; here are errors raised
in the process, storages that existed before, concurrent and interrupted setups of other names.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import insert, inspect, text
from tests.cli_subprocess import paused_cli

from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.exceptions import ConfigurationError, InvalidOperation, StorageDeletionError
from provgraph.profiles import create_profile, delete_profile
from provgraph.profiles import creation as creation_module
from provgraph.profiles.records import read_record, setup_records
from provgraph.storage import get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.location import DosLocation
from provgraph.storage.sql.tables import nodes, users

ProfileFactory = Callable[..., Profile]


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def location_of(profile: Profile) -> DosLocation:
    cls = get_storage_class(profile.storage_backend)
    assert issubclass(cls, SqlDosBackend)
    return cls.location(profile)


def existing(profile: Profile) -> frozenset[str]:
    return get_storage_class(profile.storage_backend).existing_parts(profile)


def table_names(location: DosLocation) -> set[str]:
    engine = location.create_engine()
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def run_sql(location: DosLocation, *statements: Any) -> None:
    engine = location.create_engine()
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(statement)
    finally:
        engine.dispose()


def create(template: Profile, name: str | None = None, **kwargs: Any) -> Profile:
    """``create_profile`` with the backend and storage config of ``template`` (a test profile)."""
    return create_profile(
        name or template.name,
        template.storage_backend,
        template.storage_config,
        profile_uuid=template.uuid,
        **kwargs,
    )


def assert_no_setup_left(profile: Profile) -> None:
    assert profile.name not in Config.load(create=True).profile_names
    assert read_record(profile.name) is None


@pytest.fixture
def fresh(backend_name: str, make_profile: ProfileFactory) -> Profile:
    """A profile (not in the config) whose storage does not exist yet."""
    return make_profile(backend_name)


def fail_after_storage(monkeypatch: pytest.MonkeyPatch, error: BaseException) -> None:
    """Make the setup fail once storage and default user exist, before config.json is written."""

    def broken(profile: Profile, set_default: bool | None) -> None:
        raise error

    monkeypatch.setattr(creation_module, "_record_profile", broken)


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_an_error_removes_everything_the_setup_made(
    fresh: Profile, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    fail_after_storage(monkeypatch, error)
    with pytest.raises(type(error)):
        create(fresh)
    assert existing(fresh) == frozenset()
    assert_no_setup_left(fresh)


def test_an_error_after_config_json_was_written_keeps_the_profile(
    fresh: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config write is the commit point: a failure just after it must not undo the profile."""
    real = creation_module._record_profile

    def then_fail(profile: Profile, set_default: bool | None) -> None:
        real(profile, set_default)
        raise KeyboardInterrupt

    monkeypatch.setattr(creation_module, "_record_profile", then_fail)
    with pytest.raises(KeyboardInterrupt):
        create(fresh)
    assert read_record(fresh.name) is None
    profile = Config.load().get_profile(fresh.name)
    with get_storage_class(profile.storage_backend)(profile) as storage:
        assert storage.get_entity_counts()["Users"] == 1


def test_files_in_a_folder_that_existed_stay(
    make_profile: ProfileFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = make_profile("core.sqlite_dos")
    folder = Path(fresh.storage_config["filepath"])
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    fail_after_storage(monkeypatch, RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        create(fresh)
    assert [path.name for path in folder.iterdir()] == ["notes.txt"]
    assert_no_setup_left(fresh)


def test_a_database_that_existed_keeps_all_but_our_tables(
    fresh: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """E.g. a database an administrator created for the user: it stays, as it was."""
    location = location_of(fresh)
    location.create_database()
    run_sql(location, text("CREATE TABLE theirs (x INTEGER)"), text("INSERT INTO theirs VALUES (1)"))
    fail_after_storage(monkeypatch, RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        create(fresh)
    assert location.database_exists()
    assert table_names(location) == {"theirs"}
    assert not location.container_path.exists()
    assert_no_setup_left(fresh)


def test_an_existing_storage_is_never_removed(profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    """Setting up a profile on a storage that exists adopts it; a failure leaves it whole."""
    run_sql(location_of(profile), insert(users).values(email="owner@x"))
    fail_after_storage(monkeypatch, RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        create(profile, "second")
    assert existing(profile) == {"database", "schema", "container", "folder"}
    with get_storage_class(profile.storage_backend)(profile) as storage:
        assert "owner@x" in storage.get_entity_details()["Users"]["emails"]
    assert read_record("second") is None


def test_a_running_setup_of_the_name_is_refused(make_profile: ProfileFactory, tmp_path: Path) -> None:
    args = ["profile", "setup", "core.sqlite_dos", "--profile", "alpha", "--non-interactive"]
    with paused_cli([*args, "--filepath", str(tmp_path / "first")], "container-created") as child:
        result = run(*args, "--filepath", str(tmp_path / "second"))
        assert result.exit_code == 1
        assert f"profile 'alpha' is being set up right now (PID {child.pid}, started " in result.output
        assert not (tmp_path / "second").exists()
        result = run("profile", "delete", "alpha", "--force")
        assert result.exit_code == 1
        assert "is being set up right now" in result.output
        assert (tmp_path / "first" / "container").exists()
        listing = run("profile", "list")
        assert f"Profile 'alpha' is being set up (PID {child.pid}" in listing.output
        child.interrupt()
    assert not (tmp_path / "first").exists()
    assert setup_records() == []


def test_a_running_setup_of_the_same_storage_is_refused(tmp_path: Path) -> None:
    folder = str(tmp_path / "shared")
    args = ["profile", "setup", "core.sqlite_dos", "--non-interactive", "--filepath", folder]
    with paused_cli([*args, "--profile", "alpha"], "database-created") as child:
        result = run(*args, "--profile", "beta")
        assert result.exit_code == 1
        expected = f"database.sqlite is being set up for profile 'alpha' right now (PID {child.pid}"
        assert expected in result.output
        assert "Traceback" not in result.output
        child.kill()
    result = run(*args, "--profile", "beta")
    assert result.exit_code == 1
    assert "was claimed by an interrupted setup of profile 'alpha'" in result.output
    assert "`provgraph profile delete alpha`" in result.output
    assert run("profile", "delete", "alpha", "--force").exit_code == 0
    result = run(*args, "--profile", "beta")
    assert result.exit_code == 0, result.output
    assert Config.load().profile_names == ["beta"]


def test_leftovers_holding_data_are_left_alone(
    backend_name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """A leftover that holds data was not made by the setup: neither setup nor delete removes it."""
    if backend_name == "core.sqlite_dos":
        args = ["profile", "setup", "core.sqlite_dos", "--filepath", str(tmp_path / "folder")]
    else:
        server = request.getfixturevalue("postgres_server")
        url = server.url_for(server.new_database_name())
        repository = str(tmp_path / "repo")
        args = ["profile", "setup", "core.psql_dos", "--database-url", url, "--repository", repository]
    args += ["--profile", "alpha", "--non-interactive"]
    with paused_cli(args, "schema-created") as child:
        child.kill()
    record = read_record("alpha")
    assert record is not None
    location = location_of(record.profile)
    run_sql(
        location,
        insert(users).values(id=7, email="someone@else"),
        insert(nodes).values(user_id=7, node_type="data.core.int.Int."),
    )
    result = run(*args)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.output
    assert "an interrupted setup of profile 'alpha'" in lines[0]
    assert "holds data (1 db_dbnode rows)" in lines[0]
    assert read_record("alpha") is not None
    result = run("profile", "delete", "alpha", "--force")
    assert result.exit_code == 0, result.output
    assert "Left behind: " in result.output
    assert "left alone: remove it by hand if it is yours" in result.output
    assert read_record("alpha") is None
    assert existing(record.profile) == {"database", "schema", "container", "folder"}


def test_an_unreadable_record_is_one_clear_error(provgraph_path: Path, tmp_path: Path) -> None:
    (provgraph_path / "setup").mkdir(parents=True)
    record = provgraph_path / "setup" / "alpha.json"
    record.write_text("{not json")
    result = run("profile", "setup", "core.sqlite_dos", "--profile", "alpha", "--non-interactive")
    assert result.exit_code == 1
    assert f"Error: unreadable setup record {record}" in result.output
    with pytest.raises(ConfigurationError, match="unreadable setup record"):
        delete_profile("alpha")
    assert record.read_text() == "{not json"


def test_a_record_of_a_live_process_of_another_program_is_stale(fresh: Profile) -> None:
    """PID reuse: the record's PID runs, but not the command line that wrote it."""
    created = create(fresh)
    delete_profile(created.name)
    record_dir = Path(os.environ["PROVGRAPH_PATH"]) / "setup"
    record_dir.mkdir(exist_ok=True)
    attributes = {**created.to_dict()}
    (record_dir / f"{created.name}.json").write_text(
        json.dumps(
            {
                "name": created.name,
                "profile": attributes,
                "created": ["database", "schema", "container", "folder"],
                "pid": os.getppid(),
                "cmdline": "['something', 'else']",
                "started": "2025-01-01T00:00:00+00:00",
            }
        )
    )
    (record,) = setup_records()
    assert not record.is_running()
    again = create(fresh)
    assert again.name in Config.load().profile_names


def test_an_archive_setup_creates_nothing_and_leaves_nothing(tmp_path: Path) -> None:
    from tests.data_files import SMALL_ARCHIVE

    archive = tmp_path / "small.aiida"
    archive.write_bytes(SMALL_ARCHIVE.read_bytes())
    args = ["profile", "setup", "core.sqlite_zip", "--profile", "arch", "--filepath", str(archive)]
    args.append("--non-interactive")
    with paused_cli(args, "storage-created") as child:
        child.kill()
    assert read_record("arch") is not None
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "Removed" not in result.output  # there was nothing to remove
    with paused_cli([*args[:4], "other", *args[5:]], "setup-recorded") as child:
        child.interrupt()
    assert setup_records() == []
    assert Config.load().profile_names == ["arch"]
    assert archive.read_bytes() == SMALL_ARCHIVE.read_bytes()


def test_unknown_backend_of_another_record_does_not_block(fresh: Profile, provgraph_path: Path) -> None:
    """A record written with a backend this installation lacks cannot collide with anything."""
    (provgraph_path / "setup").mkdir(parents=True, exist_ok=True)
    other = Profile.new("other", "plugin.gone", {"anything": 1}).to_dict()
    record = {"name": "other", "profile": other, "created": [], "pid": 1, "cmdline": "x", "started": "then"}
    (provgraph_path / "setup" / "other.json").write_text(json.dumps(record))
    create(fresh)
    assert fresh.name in Config.load().profile_names
    _pretend_running("other", provgraph_path)
    with pytest.raises(InvalidOperation, match="being set up right now"):
        create(fresh, "other")


def _pretend_running(name: str, provgraph_path: Path) -> None:
    import psutil

    path = provgraph_path / "setup" / f"{name}.json"
    data = json.loads(path.read_text())
    data["pid"] = os.getppid()
    data["cmdline"] = str(psutil.Process(os.getppid()).cmdline())
    path.write_text(json.dumps(data))


def test_leftovers_that_cannot_be_removed_stop_the_setup(
    fresh: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_after_storage(monkeypatch, RuntimeError("disk full"))
    cls = get_storage_class(fresh.storage_backend)

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise StorageDeletionError("could not remove it: the disk is read-only", left=("it",))

    notes: list[str] = []
    with monkeypatch.context() as patched:
        patched.setattr(cls, "destroy", classmethod(refuse))
        with pytest.raises(RuntimeError, match="disk full"):  # the cleanup's failure never hides the cause
            create(fresh, notify=notes.append)
    assert notes == [
        f"Could not remove what the setup of profile {fresh.name!r} created (could not remove it: the "
        f"disk is read-only); run `provgraph profile delete {fresh.name}` to remove it."
    ]
    assert read_record(fresh.name) is not None
    assert existing(fresh) == {"database", "schema", "container", "folder"}
    assert delete_profile(fresh.name).interrupted_setup
    assert existing(fresh) == frozenset()
    assert read_record(fresh.name) is None


def test_a_record_of_an_uninstalled_backend_is_forgotten_with_force(provgraph_path: Path) -> None:
    (provgraph_path / "setup").mkdir(parents=True)
    other = Profile.new("gone", "plugin.gone", {"password": "s3cret"}).to_dict()
    record = {"name": "gone", "profile": other, "created": ["db"], "pid": 1, "cmdline": "x", "started": "t"}
    (provgraph_path / "setup" / "gone.json").write_text(json.dumps(record))
    result = run("profile", "delete", "gone", "--force")
    assert result.exit_code == 0, result.output
    assert "Left behind: whatever the setup made of its 'plugin.gone' storage (not checked" in result.output
    assert "s3cret" not in result.output
    assert setup_records() == []


def test_an_unreadable_record_of_another_name_does_not_block(fresh: Profile, provgraph_path: Path) -> None:
    (provgraph_path / "setup").mkdir(parents=True)
    (provgraph_path / "setup" / "broken.json").write_text("[]")
    create(fresh)
    assert fresh.name in Config.load().profile_names
    listing = run("profile", "list")
    assert listing.exit_code == 0, listing.output
