"""Shell completion: the printed scripts, and completing profile names, group labels and node pks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from provgraph.cli.completion import complete_group_labels, complete_node_pks
from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.orm import Group, Int


def completions(args: list[str], incomplete: str) -> list[str]:
    return [
        item.value
        for item in ShellComplete(cli, {}, "provgraph", "_PROVGRAPH_COMPLETE").get_completions(
            args, incomplete
        )
    ]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_shell_code(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0, result.output
    assert "_PROVGRAPH_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout  # the shell's own protocol


def test_commands_and_profile_names_complete(registered_profile: Profile) -> None:
    assert completions([], "no") == ["node"]
    assert registered_profile.name in completions(["-p"], "")
    assert completions(["-p"], "nosuch") == []


def test_group_labels_and_node_pks_complete(registered_profile: Profile) -> None:
    Group(label="results").store()
    Group(label="raw").store()
    node = Int(1).store()
    ctx = cli.make_context("provgraph", ["-p", registered_profile.name], resilient_parsing=True)
    assert sorted(item.value for item in complete_group_labels(ctx, cli.params[0], "r")) == ["raw", "results"]
    found = complete_node_pks(ctx, cli.params[0], str(node.pk))
    assert [item.value for item in found] == [str(node.pk)]
    assert "data.core.int.Int." in (found[0].help or "")


def test_completers_stay_quiet_without_a_config(tmp_path: Path) -> None:
    ctx = cli.make_context("provgraph", ["-p", "nosuch"], resilient_parsing=True)
    assert complete_group_labels(ctx, cli.params[0], "") == []


def test_bash_completion_through_the_installed_script(registered_profile: Profile) -> None:
    """As bash calls it: the console script with the completion variables set."""
    env = {
        **os.environ,
        "_PROVGRAPH_COMPLETE": "bash_complete",
        "COMP_WORDS": "provgraph -p ",
        "COMP_CWORD": "2",
    }
    script = Path(sys.executable).parent / "provgraph"
    finished = subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert finished.returncode == 0, finished.stderr
    assert f"plain,{registered_profile.name}" in finished.stdout.splitlines()
