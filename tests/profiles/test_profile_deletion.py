"""``profile delete``: the storage first, the config entry after; what cannot be removed is said exactly."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.child_processes import profile_in_use
from tests.cli_subprocess import paused_cli

from provgraph.cli import prompts
from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.exceptions import LockingProfileError, StorageDeletionError
from provgraph.profiles import delete_profile
from provgraph.repository.disk_objectstore import DiskObjectStoreRepository
from provgraph.storage import get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.location import DosLocation

ProfileFactory = Callable[..., Profile]


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def error_lines(result: Result) -> list[str]:
    assert "Traceback" not in result.output
    return [line for line in result.output.splitlines() if line.startswith("Error:")]


def location_of(profile: Profile) -> DosLocation:
    cls = get_storage_class(profile.storage_backend)
    assert issubclass(cls, SqlDosBackend)
    return cls.location(profile)


def register(profile: Profile) -> Profile:
    with Config.modify() as config:
        config.add_profile(profile)
    return profile


@pytest.fixture
def registered(profile: Profile) -> Profile:
    """An initialised profile of each SQL backend, in the config (not the default)."""
    return register(profile)


@pytest.fixture
def server_down(postgres_server: Any, make_profile: ProfileFactory) -> Profile:
    """A registered ``core.psql_dos`` profile whose server is unreachable; its container exists."""
    template = make_profile("core.psql_dos")
    config = {**template.storage_config, "database_port": 1, "database_password": "s3cret"}
    profile = Profile.new("down", "core.psql_dos", config)
    DiskObjectStoreRepository(location_of(profile).container_path).initialise()
    return register(profile)


@pytest.mark.requires_psql
def test_unreachable_server_keeps_the_profile(server_down: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)  # confirm without --force
    result = run("profile", "delete", "down", input="y\n")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith(
        "Error: cannot delete profile 'down': could not remove PostgreSQL database 127.0.0.1:1/"
    )
    assert "cannot reach the PostgreSQL server" in line
    assert "nothing was removed; the profile is kept" in line
    assert "add --force to forget the profile anyway" in line
    assert "s3cret" not in result.output
    assert Config.load().profile_names == ["down"]
    assert location_of(server_down).container_path.exists()  # the storage stays whole


@pytest.mark.requires_psql
def test_unreachable_server_with_force_says_what_is_left(server_down: Profile) -> None:
    result = run("profile", "delete", "down", "--force")
    assert result.exit_code == 0, result.output
    assert "Deleted profile 'down'." in result.output
    left = [line for line in result.output.splitlines() if line.startswith("Left behind: ")]
    database = server_down.storage_config["database_name"]
    assert len(left) == 1, result.output
    assert left[0].startswith(f"Left behind: PostgreSQL database 127.0.0.1:1/{database} (cannot reach")
    assert left[0].endswith(
        f"remove it by hand: psql -h 127.0.0.1 -p 1 -U postgres -d postgres -c 'DROP DATABASE \"{database}\"'"
    )
    assert "s3cret" not in result.output
    assert Config.load(create=True).profile_names == []
    assert not location_of(server_down).container_path.exists()


def test_a_storage_that_cannot_be_removed_keeps_the_profile_until_it_can(
    registered: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    location_cls = type(location_of(registered))
    with monkeypatch.context() as patched:

        def refuse(self: DosLocation) -> None:
            raise OSError(30, "Read-only file system")

        patched.setattr(location_cls, "drop_database", refuse)
        with pytest.raises(StorageDeletionError, match="Read-only file system") as info:
            delete_profile(registered.name)
        assert "nothing was removed; the profile is kept" in str(info.value)
        assert registered.name in Config.load().profile_names
        assert get_storage_class(registered.storage_backend).existing_parts(registered) == {
            "database",
            "schema",
            "container",
            "folder",
        }
    result = delete_profile(registered.name)
    assert result.data_deleted
    assert result.left == ()
    assert registered.name not in Config.load(create=True).profile_names
    assert get_storage_class(registered.storage_backend).existing_parts(registered) == frozenset()


def test_interrupted_between_storage_and_config_a_second_delete_finishes(
    registered: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config entry goes last: if that step fails, the profile names a removed storage and
    deleting it again completes (a missing part counts as removed)."""
    with monkeypatch.context() as patched:

        def fail(self: Config, name: str) -> Profile:
            raise KeyboardInterrupt

        patched.setattr(Config, "remove_profile", fail)
        with pytest.raises(KeyboardInterrupt):
            delete_profile(registered.name)
    assert registered.name in Config.load().profile_names
    assert get_storage_class(registered.storage_backend).existing_parts(registered) == frozenset()
    result = run("profile", "delete", registered.name, "--force")
    assert result.exit_code == 0, result.output
    assert registered.name not in Config.load(create=True).profile_names


def test_a_profile_in_use_is_not_deleted(registered: Profile) -> None:
    with profile_in_use(registered) as child:
        result = run("profile", "delete", registered.name, "--force")
        assert result.exit_code == 1
        (line,) = error_lines(result)
        assert f"in use by PID {child.pid}" in line
    assert registered.name in Config.load().profile_names
    assert get_storage_class(registered.storage_backend).existing_parts(registered) == {
        "database",
        "schema",
        "container",
        "folder",
    }


def test_confirmation_names_what_is_removed(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    result = run("profile", "delete", registered.name, input="n\n")
    assert result.exit_code == 1
    location = location_of(registered)
    assert location.describe_database() in result.output
    assert f"repository container {location.container_path}" in result.output
    assert registered.name in Config.load().profile_names


def test_keep_data_of_a_half_profile_lists_what_stays(tmp_path: Path) -> None:
    folder = tmp_path / "half"
    args = ["profile", "setup", "core.sqlite_dos", "--profile", "half", "--filepath", str(folder)]
    with paused_cli([*args, "--non-interactive"], "schema-created") as child:
        child.kill()
    result = run("profile", "delete", "half", "--force", "--keep-data")
    assert result.exit_code == 0, result.output
    assert "Deleted the half-made profile 'half'" in result.output
    kept = "(kept); remove it by hand:"
    assert f"Left behind: SQLite database {folder}/database.sqlite {kept} rm -f " in result.output
    assert f"Left behind: repository container {folder}/container {kept} rm -r " in result.output
    assert (folder / "database.sqlite").exists()
    result = run("profile", "delete", "half", "--force")
    assert result.exit_code == 1
    assert "no profile 'half'" in result.output


def test_unknown_name_lists_the_profiles(registered: Profile) -> None:
    result = run("profile", "delete", "ghost", "--force")
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert "ghost" in line
    assert registered.name in line


def test_the_library_refuses_while_in_use(registered: Profile) -> None:
    with profile_in_use(registered), pytest.raises(LockingProfileError):
        delete_profile(registered.name, force=True)
