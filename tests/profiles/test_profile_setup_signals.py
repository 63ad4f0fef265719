"""``provgraph profile setup`` stopped by real signals at every step, on both SQL backends.

Each test runs the command in a child process that waits at a named step (``PROVGRAPH_PAUSE_AT``)
and signals it there. Ctrl-C (SIGINT) must leave nothing behind: no database, no folder, no
config entry, no setup record (or, once the config names the profile, a complete profile).
SIGKILL cannot be cleaned up after in the process; what it leaves must be found (the setup
record, ``profile list``) and removed by the next ``profile setup`` of the name or by
``profile delete``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from tests.cli_subprocess import paused_cli

from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.manager import get_manager
from provgraph.profiles.records import read_record
from provgraph.storage import get_storage_class

# Every pause point of a setup, in order; the last one comes after the commit point.
STEPS = [
    "setup-recorded",
    "database-created",
    "container-created",
    "schema-created",
    "storage-created",
    "profile-recorded",
]
BEFORE_COMMIT = STEPS[:-1]
NAME = "alpha"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


class SetupCommand:
    """How to set up the test profile on one backend, and what of its storage exists."""

    def __init__(self, backend: str, provgraph_path: Path, tmp_path: Path, server: Any) -> None:
        self.backend = backend
        self.config_dir = provgraph_path
        self.repository = tmp_path / "pg-repo"
        self.server = server
        self.database = server.new_database_name() if server is not None else ""

    def args(self) -> list[str]:
        if self.backend == "core.sqlite_dos":  # the default location: a folder named by the profile UUID
            return ["profile", "setup", "core.sqlite_dos", "--profile", NAME, "--non-interactive"]
        return [
            "profile", "setup", "core.psql_dos", "--profile", NAME, "--non-interactive",
            "--database-url", self.server.url_for(self.database), "--repository", str(self.repository),
        ]  # fmt: skip

    def storage_left(self) -> list[str]:
        """Everything of any setup's storage that exists now."""
        if self.backend == "core.sqlite_dos":
            folder = self.config_dir / "repository"
            return (
                sorted(str(path.relative_to(folder)) for path in folder.rglob("*")) if folder.exists() else []
            )
        parent = self.repository.parent
        found = [self.repository, *self.repository.rglob("*")] if self.repository.exists() else []
        left = [str(path.relative_to(parent)) for path in found]
        if _database_exists(self.server, self.database):
            left.append(f"database {self.database}")
        return sorted(left)

    def expected_after_kill(self, step: str) -> set[str]:
        """What a SIGKILL at ``step`` leaves of the storage (top-level names only)."""
        made = STEPS.index(step)
        found: set[str] = set()
        if self.backend == "core.sqlite_dos":
            record = read_record(NAME)
            assert record is not None
            folder = Path(record.profile.storage_config["filepath"]).name
            if made >= STEPS.index("database-created"):
                found |= {folder, f"{folder}/database.sqlite"}
            if made >= STEPS.index("container-created"):
                found.add(f"{folder}/container")
        else:
            if made >= STEPS.index("database-created"):
                found.add(f"database {self.database}")
            if made >= STEPS.index("container-created"):
                found |= {"pg-repo", "pg-repo/container"}
        return found


def _database_exists(server: Any, name: str) -> bool:
    import psycopg

    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


@pytest.fixture
def setup_command(
    backend_name: str, provgraph_path: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> SetupCommand:
    server = request.getfixturevalue("postgres_server") if backend_name == "core.psql_dos" else None
    return SetupCommand(backend_name, provgraph_path, tmp_path, server)


def top_level(paths: list[str]) -> set[str]:
    """The storage folders and their direct entries (SQLite's -wal and -shm files aside)."""
    return {
        path
        for path in paths
        if path.count("/") <= 1
        and not path.endswith(("-wal", "-shm"))
        and not path.startswith("pg-repo/container/")
    }


def assert_profile_works(name: str) -> None:
    get_manager().reset()
    profile = Config.load().get_profile(name)
    storage_cls = get_storage_class(profile.storage_backend)
    with storage_cls(profile) as storage:
        assert storage.get_entity_details()["Users"]["emails"] == [profile.default_user_email]
    get_manager().reset()


def assert_nothing_left(command: SetupCommand) -> None:
    assert NAME not in Config.load(create=True).profile_names
    assert read_record(NAME) is None
    assert command.storage_left() == []


@pytest.mark.parametrize("step", STEPS)
def test_ctrl_c_at_any_step_leaves_nothing_or_a_whole_profile(setup_command: SetupCommand, step: str) -> None:
    with paused_cli(setup_command.args(), step) as child:
        finished = child.interrupt()
    assert finished.returncode == 130, finished  # the documented exit code of an interrupt
    assert finished.stderr.strip().splitlines()[-1] == "Error: Interrupted."
    assert "Traceback" not in finished.stderr
    if step == "profile-recorded":  # after the commit point: a complete profile, and no record
        assert read_record(NAME) is None
        assert_profile_works(NAME)
        return
    assert_nothing_left(setup_command)


@pytest.mark.parametrize("step", STEPS)
def test_killed_setup_is_cleaned_up_by_the_next_setup(setup_command: SetupCommand, step: str) -> None:
    with paused_cli(setup_command.args(), step) as child:
        child.kill()
    record = read_record(NAME)
    assert record is not None
    assert not record.is_running()
    if step == "profile-recorded":  # complete but for its stale record, which is forgotten
        assert_profile_works(NAME)
        result = run(*setup_command.args())
        assert result.exit_code == 1
        assert "exists already" in result.output
        assert read_record(NAME) is None
        return
    assert NAME not in Config.load(create=True).profile_names
    assert top_level(setup_command.storage_left()) == setup_command.expected_after_kill(step)
    listing = run("profile", "list")
    assert f"Profile {NAME!r} is half made" in listing.output
    assert f"provgraph profile delete {NAME}" in listing.output

    result = run(*setup_command.args())
    assert result.exit_code == 0, result.output
    if step != "setup-recorded":
        assert f"Removed what an interrupted setup of profile {NAME!r} (PID {child.pid}" in result.output
    assert read_record(NAME) is None
    assert_profile_works(NAME)
    folder = Path(Config.load().get_profile(NAME).storage_config.get("filepath", "")).name
    if setup_command.backend == "core.sqlite_dos":  # only the new profile's folder remains
        expected = {folder, f"{folder}/database.sqlite", f"{folder}/container"}
    else:
        expected = {f"database {setup_command.database}", "pg-repo", "pg-repo/container"}
    assert top_level(setup_command.storage_left()) == expected


@pytest.mark.parametrize("step", STEPS)
def test_killed_setup_is_removed_by_profile_delete(setup_command: SetupCommand, step: str) -> None:
    with paused_cli(setup_command.args(), step) as child:
        child.kill()
    result = run("profile", "delete", NAME, "--force")
    assert result.exit_code == 0, result.output
    if step == "profile-recorded":
        assert f"Deleted profile {NAME!r}." in result.output
    else:
        assert f"Deleted the half-made profile {NAME!r}" in result.output
    assert "Left behind" not in result.output
    assert_nothing_left(setup_command)
