"""``provgraph quickstart``: the README's first command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from provgraph.cli.main import cli
from provgraph.config import Config


def test_quickstart_creates_default_profile_once(provgraph_path: Path) -> None:
    first = CliRunner().invoke(cli, ["quickstart"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "Created profile 'default'" in first.output
    assert "Users:" in first.output
    assert "Recorded an example workflow" in first.output
    for expected in ("analyse<", "normalise<", "summarise<", "report: SinglefileData<", "Finished [0]"):
        assert expected in first.output
    config = Config.load()
    assert config.default_profile_name == "default"
    assert config.get_profile("default").storage_backend == "core.sqlite_dos"

    from provgraph.manager import get_manager

    get_manager().reset()
    second = CliRunner().invoke(cli, ["quickstart"], catch_exceptions=False)
    assert second.exit_code == 0, second.output
    assert "Created profile" not in second.output
    assert Config.load().profile_names == ["default"]


def test_quickstart_console_script_with_a_new_home(tmp_path: Path) -> None:
    """As a new user would run it: installed script, fresh HOME, no PROVGRAPH_PATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PROVGRAPH_")}
    env["HOME"] = str(tmp_path)
    script = Path(sys.executable).parent / "provgraph"
    result = subprocess.run(
        [str(script), "quickstart"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    config_dir = tmp_path / ".provgraph"
    assert (config_dir / "config.json").is_file()
    assert oct(config_dir.stat().st_mode & 0o777) == oct(0o700)
    assert oct((config_dir / "config.json").stat().st_mode & 0o777) == oct(0o600)
    assert oct((config_dir / "repository").stat().st_mode & 0o777) == oct(0o700)
    assert "Profile 'default' is ready." in result.stdout


def test_quickstart_profile_name_beside_an_existing_default(provgraph_path: Path) -> None:
    from provgraph.manager import get_manager

    assert CliRunner().invoke(cli, ["quickstart"]).exit_code == 0
    get_manager().reset()
    named = CliRunner().invoke(cli, ["quickstart", "--profile-name", "scratch"])
    assert named.exit_code == 0, named.output
    assert "Created profile 'scratch' on core.sqlite_dos; the default profile is unchanged" in named.stdout
    assert "Profile 'scratch' is ready." in named.stdout
    config = Config.load()
    assert config.profile_names == ["default", "scratch"]
    assert config.default_profile_name == "default"
    get_manager().reset()
    again = CliRunner().invoke(cli, ["quickstart", "--profile-name", "scratch"])
    assert again.exit_code == 0, again.output
    assert "Created profile" not in again.stdout
    assert "Profile 'scratch' is ready." in again.stdout
    get_manager().reset()
    clash = CliRunner().invoke(cli, ["-p", "default", "quickstart", "--profile-name", "scratch"])
    assert clash.exit_code == 2
    assert clash.stderr.startswith("Error: -p default contradicts --profile-name scratch")
