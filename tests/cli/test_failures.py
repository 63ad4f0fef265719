"""How commands fail on a broken environment: one line, the documented exit code, never a traceback.

Each case breaks something real (a database server that is not there, an access folder that
cannot be created, a storage file replaced by garbage) or, where the machine cannot be made to
fail on demand (a full disk, Ctrl-C at an exact moment, a bug), raises the same exception a real
failure raises from inside a command.
"""

from __future__ import annotations

import errno
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.errors import ExitCode
from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager


def run(*args: str) -> Result:
    get_manager().reset()
    return CliRunner().invoke(cli, list(args))


def assert_one_line(result: Result, code: ExitCode, *fragments: str) -> str:
    shown = f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.exit_code == code, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, shown
    assert lines[0].startswith("Error: "), shown
    for fragment in fragments:
        assert fragment in lines[0], shown
    return lines[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # closed again when the block ends


@pytest.mark.parametrize("backend_name", ["core.psql_dos"])
def test_unreachable_database_server_is_exit_code_3(profile: Profile) -> None:
    storage = dict(profile.storage_config)
    storage["database_port"] = closed_port()
    storage["database_hostname"] = "127.0.0.1"
    broken = Profile.new("offline", "core.psql_dos", storage, test_profile=True)
    with Config.modify() as config:
        config.add_profile(broken)
    assert_one_line(
        run("-p", "offline", "node", "list"),
        ExitCode.STORAGE_UNREACHABLE,
        "cannot reach the storage",
        "Connection refused",
    )


@pytest.mark.parametrize("backend_name", ["core.sqlite_dos"])
def test_garbage_database_file_is_one_line(registered_profile: Profile) -> None:
    database = Path(registered_profile.storage_config["filepath"]) / "database.sqlite"
    assert database.is_file()
    get_manager().reset()
    database.write_bytes(b"this is not an SQLite database" * 100)
    result = run("node", "list")
    assert result.exit_code in (ExitCode.USER_ERROR, ExitCode.STORAGE_UNREACHABLE), result.output
    assert_one_line(result, ExitCode(result.exit_code))


@pytest.mark.parametrize("backend_name", ["core.sqlite_dos"])
def test_access_folder_that_cannot_be_made_is_one_line(registered_profile: Profile) -> None:
    get_manager().reset()  # give up this process's own access record first
    access = Config.load().dirpath / "access"
    if access.exists():
        for child in access.iterdir():
            subprocess.run(["rm", "-rf", str(child)], check=True)
        access.rmdir()
    access.write_text("a file where the access folder belongs")  # mkdir fails, as on a read-only folder
    result = run("node", "list")
    assert result.exit_code in (ExitCode.USER_ERROR, ExitCode.FILE_SYSTEM), result.output
    assert_one_line(result, ExitCode(result.exit_code), "access")


@pytest.mark.parametrize("backend_name", ["core.sqlite_dos"])
def test_full_disk_interrupt_and_bug(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    from provgraph.cli import node_list

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", "/data/provgraph/database.sqlite")

    monkeypatch.setattr(node_list, "emit_rows", full_disk)
    line = assert_one_line(run("node", "list"), ExitCode.FILE_SYSTEM)
    assert line == "Error: No space left on device: /data/provgraph/database.sqlite"

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(node_list, "emit_rows", interrupted)
    assert assert_one_line(run("node", "list"), ExitCode.INTERRUPTED) == "Error: Interrupted."

    def bug(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(node_list, "emit_rows", bug)
    line = assert_one_line(run("node", "list"), ExitCode.INTERNAL, "ZeroDivisionError", "--traceback")
    assert "bug" in line
    shown = run("--traceback", "node", "list")
    assert isinstance(shown.exception, ZeroDivisionError)  # propagates: the runner holds the traceback
    monkeypatch.setenv("PROVGRAPH_TRACEBACK", "1")
    assert isinstance(run("node", "list").exception, ZeroDivisionError)


def test_traceback_is_printed_by_the_real_program(tmp_path: Path) -> None:
    """With --traceback a real process prints Python's traceback (here: no config at all -> user error)."""
    env = {"PROVGRAPH_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    script = Path(sys.executable).parent / "provgraph"
    plain = subprocess.run(
        [str(script), "node", "list"], env=env, capture_output=True, text=True, check=False
    )
    assert plain.returncode == ExitCode.USER_ERROR
    assert plain.stderr.startswith("Error: no config file")
    traced = subprocess.run(
        [str(script), "--traceback", "node", "list"], env=env, capture_output=True, text=True, check=False
    )
    assert "Traceback (most recent call last)" in traced.stderr
    assert "MissingConfigurationError" in traced.stderr
