"""The CLI on an archive profile: ``profile setup core.sqlite_zip``, reading commands, refused writes."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.main import cli
from provgraph.config import Config


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def archive_profile(archive: Path) -> str:
    """A profile named ``arch`` on the archive (each layout), made by the CLI, the default one."""
    result = run("profile", "setup", "core.sqlite_zip", "--profile", "arch", "--filepath", str(archive))
    assert result.exit_code == 0, result.output
    assert "Created profile 'arch'" in result.output
    return "arch"


def test_setup(archive_profile: str, archive: Path, manifest: dict[str, Any]) -> None:
    profile = Config.load().get_profile(archive_profile)
    assert profile.storage_backend == "core.sqlite_zip"
    assert profile.storage_config == {"filepath": str(archive.resolve())}
    assert profile.default_user_email == manifest["users"][0]
    assert Config.load().default_profile_name == archive_profile


def test_setup_with_an_email(zip_archive: Path) -> None:
    args = ["--profile", "arch", "--filepath", str(zip_archive), "--email", "me@example.com"]
    result = run("profile", "setup", "core.sqlite_zip", *args)
    assert result.exit_code == 0, result.output
    assert Config.load().get_profile("arch").default_user_email == "me@example.com"


def test_setup_refuses_a_broken_archive(tmp_path: Path, edited_archive: Any) -> None:
    broken = edited_archive(replace={"db.sqlite3": b"not a database at all"})
    result = run("profile", "setup", "core.sqlite_zip", "--profile", "arch", "--filepath", str(broken))
    assert result.exit_code == 1
    assert result.output.startswith("Error:")
    assert "not an SQLite database" in result.output
    assert "arch" not in Config.load(create=True).profile_names
    result = run("profile", "setup", "core.sqlite_zip", "--profile", "arch", "--non-interactive")
    assert result.exit_code == 2
    assert "--filepath" in result.output


def test_storage_info_and_version(archive_profile: str, manifest: dict[str, Any]) -> None:
    result = run("storage", "info")
    assert result.exit_code == 0, result.output
    assert "export_version: main_0001" in result.output
    assert f"count: {manifest['totals']['nodes']}" in result.output
    assert "AiiDA archive (read-only)" in result.output
    result = run("storage", "info", "--detailed")
    assert result.exit_code == 0, result.output
    assert manifest["users"][0] in result.output
    result = run("storage", "version")
    assert result.exit_code == 0, result.output
    assert "'main_0001'" in result.output
    result = run("storage", "migrate", "--force")
    assert result.exit_code == 0, result.output
    assert "already at the latest" in result.output


def test_node_show_and_list(archive_profile: str, manifest: dict[str, Any]) -> None:
    expected = manifest["named_nodes"]["dict"]
    result = run("node", "show", expected["uuid"])
    assert result.exit_code == 0, result.output
    assert expected["uuid"] in result.output
    assert "Dict" in result.output
    result = run("node", "list", "--json")
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert len(listed) == manifest["totals"]["nodes"]
    assert expected["uuid"] in {item["uuid"] for item in listed}


def test_node_repo_cat_is_binary_safe(archive_profile: str, manifest: dict[str, Any]) -> None:
    expected = manifest["named_nodes"]["folder"]
    for path, digest in expected["repository_files"].items():
        result = CliRunner().invoke(cli, ["node", "repo", "cat", expected["uuid"], path])
        assert result.exit_code == 0, result.output
        assert hashlib.sha256(result.stdout_bytes).hexdigest() == digest
    result = run("node", "repo", "cat", expected["uuid"], "no/such/file")
    assert result.exit_code == 1
    assert "Error:" in result.output


def test_process_list(archive_profile: str, manifest: dict[str, Any]) -> None:
    result = run("process", "list", "--all")
    assert result.exit_code == 0, result.output
    processes = sum(count for kind, count in manifest["node_types"].items() if kind.startswith("process."))
    assert f"Total results: {processes}" in result.output


def test_writes_are_one_error_line(archive_profile: str, manifest: dict[str, Any]) -> None:
    node = manifest["named_nodes"]["int"]["uuid"]
    result = run("node", "comment", "add", node, "a comment")
    assert result.exit_code == 1
    assert result.output.startswith("Error:")
    assert "read-only" in result.output
    assert "provgraph archive import" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_deleting_the_profile_keeps_the_archive(archive_profile: str, archive: Path) -> None:
    result = run("profile", "delete", archive_profile, "--force")
    assert result.exit_code == 0, result.output
    assert "data kept" in result.output
    assert archive.exists()
    assert archive_profile not in Config.load().profile_names


def test_console_script_refuses_a_write_without_a_traceback(
    zip_archive: Path, provgraph_path: Path, manifest: dict[str, Any]
) -> None:
    """As a user runs it: the installed script, a new process, the archive as the only profile."""
    script = Path(sys.executable).parent / "provgraph"
    env = {**os.environ, "PROVGRAPH_PATH": str(provgraph_path)}

    def provgraph(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    setup = provgraph(
        "profile", "setup", "core.sqlite_zip", "--profile", "arch", "--filepath", str(zip_archive)
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    shown = provgraph("node", "show", manifest["named_nodes"]["int"]["uuid"])
    assert shown.returncode == 0, shown.stderr
    refused = provgraph("node", "comment", "add", manifest["named_nodes"]["int"]["uuid"], "hello")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error:")
    assert "read-only" in refused.stderr
    assert "Traceback" not in refused.stderr
