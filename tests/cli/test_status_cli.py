"""``provgraph status`` on real profiles of both SQL backends: healthy, broken, in use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from provgraph.cli import status as status_module
from provgraph.cli.main import cli
from provgraph.cli.status import status
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage import get_storage_class


def run(*args: str) -> Result:
    """``provgraph ARGS``: through the root, so that ``-p`` and the exit codes are real."""
    cli.lazy_commands.setdefault("status", "provgraph.cli.status:status")  # the lead registers it in main
    return CliRunner().invoke(cli, list(args))


def lines_of(result: Result) -> dict[str, tuple[str, str]]:
    """``{item: (status word, message)}`` from the piped output."""
    found = {}
    for line in result.stdout.splitlines():
        word, name, message = line.split(None, 2)
        found[name.rstrip(":")] = (word, message)
    return found


def test_healthy_profile(registered_profile: Profile) -> None:
    get_manager().reset()  # as a fresh `provgraph status` process: nothing open yet
    result = run("status")
    assert result.exit_code == 0, result.output
    items = lines_of(result)
    assert list(items) == [
        "version",
        "python",
        "config",
        "profile",
        "storage",
        "schema",
        "database",
        "access",
    ]
    assert all(word == "ok" for word, _ in items.values()), result.output
    assert items["profile"][1] == f"{registered_profile.name} (default)"
    assert items["storage"][1].endswith("(0 nodes)")
    head = get_storage_class(registered_profile.storage_backend).version_head()
    assert items["schema"][1] == f"{head} (the latest)"
    server = "SQLite" if registered_profile.storage_backend == "core.sqlite_dos" else "PostgreSQL"
    assert items["database"][1].startswith(server + " ")
    assert items["access"][1] == "No other process uses the profile now"
    assert items["config"][1] == os.environ["PROVGRAPH_PATH"]


def test_json_and_tsv(registered_profile: Profile) -> None:
    get_manager().reset()
    record = json.loads(CliRunner().invoke(status, ["--json"]).stdout)
    assert record["exit_code"] == 0
    assert record["profile"] == {
        "status": "ok",
        "message": f"{registered_profile.name} (default)",
        "name": registered_profile.name,
    }
    assert record["storage"]["backend"] == registered_profile.storage_backend
    assert record["storage"]["nodes"] == 0
    assert record["access"]["pids"] == []
    assert record["schema"]["storage"] == record["schema"]["code"]
    tsv = CliRunner().invoke(status, ["-F", "tsv"]).stdout.splitlines()
    assert tsv[0] == "item\tstatus\tmessage"
    assert tsv[1].startswith("version\tok\tprovgraph ")


def test_markers_on_a_terminal(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status_module, "stdout_is_terminal", lambda: True)
    result = CliRunner().invoke(status, [])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("\u2714 version:")
    assert "ok " not in result.stdout


def test_no_profile_yet_is_a_warning_not_a_failure() -> None:
    result = run("status")
    assert result.exit_code == 0, result.output
    items = lines_of(result)
    assert items["config"][0] == "warning"
    assert "no config file yet" in items["config"][1]
    assert items["profile"] == ("warning", "No profile yet: create one with `provgraph quickstart`.")


def test_unknown_profile_exits_1(registered_profile: Profile) -> None:
    get_manager().reset()
    result = run("-p", "nosuch", "status")
    assert result.exit_code == 1, result.output
    assert lines_of(result)["profile"][0] == "error"
    assert "nosuch" in lines_of(result)["profile"][1]
    assert result.stderr.startswith("Error: profile: ")
    assert "Traceback" not in result.output


def test_unreachable_storage_exits_3(registered_profile: Profile) -> None:
    get_manager().reset()
    with Config.modify() as config:
        raw = config.get_profile(registered_profile.name).to_dict()
        if registered_profile.storage_backend == "core.psql_dos":
            raw["storage"]["config"]["database_port"] = 1  # nothing listens there
        else:
            raw["storage"]["config"]["filepath"] = str(Path(raw["storage"]["config"]["filepath"]) / "gone")
        config.update_profile(Profile(registered_profile.name, raw))
    result = run("status", "--json")
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith("Error: storage: ")
    assert result.stderr.count("\n") == 1
    record = json.loads(result.stdout)
    assert record["storage"]["status"] == "error"
    assert record["exit_code"] == 3
    assert "Traceback" not in result.output
    piped = run("status")
    assert piped.exit_code == 3
    assert lines_of(piped)["storage"][0] == "error"
    assert "access" in lines_of(piped)  # the access records do not need the storage


def test_schema_behind_the_code(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    get_manager().reset()
    storage_cls = get_storage_class(registered_profile.storage_backend)
    monkeypatch.setattr(storage_cls, "version_profile", classmethod(lambda cls, profile: "main_0001"))
    result = run("status")
    assert result.exit_code == 1, result.output
    word, message = lines_of(result)["schema"]
    assert word == "error"
    assert "'main_0001'" in message
    assert "storage migrate" in message


def test_lists_the_processes_using_the_profile(registered_profile: Profile) -> None:
    get_manager().reset()
    script = (
        "import sys\n"
        "from provgraph.manager import get_manager\n"
        f"get_manager().load_profile({registered_profile.name!r})\n"
        "get_manager().get_profile_storage()\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdin is not None
        assert child.stdout is not None
        try:
            assert child.stdout.readline().strip() == "ready"
            result = run("status")
            assert result.exit_code == 0, result.output
            assert lines_of(result)["access"] == ("ok", f"Used now by PID {child.pid}")
            record = json.loads(run("status", "--json").stdout)
            assert record["access"]["pids"] == [child.pid]
        finally:
            child.stdin.close()
            child.wait(timeout=30)
    assert lines_of(run("status"))["access"][1] == "No other process uses the profile now"


def test_corrupt_config_is_an_error_line(provgraph_path: Path) -> None:
    provgraph_path.mkdir(parents=True, exist_ok=True)
    (provgraph_path / "config.json").write_text("{not json")
    result = run("status")
    assert result.exit_code == 1, result.output
    word, message = lines_of(result)["config"]
    assert word == "error"
    assert "config.json" in message
    assert "profile" not in lines_of(result)
