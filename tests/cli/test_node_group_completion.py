"""NODE and GROUP arguments of ``node`` and ``group`` complete pks and labels (click's mechanism)."""

from __future__ import annotations

import click
import pytest
from click.shell_completion import ShellComplete
from tests.cli.test_node_group_errors import COMMANDS

from provgraph.cli.completion import complete_group_labels, complete_node_pks
from provgraph.cli.main import cli
from provgraph.orm.groups import Group
from provgraph.orm.nodes.data.data import Data


def completions(args: list[str], incomplete: str) -> list[str]:
    completer = ShellComplete(cli, {}, "provgraph", "_PROVGRAPH_COMPLETE")
    return [item.value for item in completer.get_completions(args, incomplete)]


def test_every_node_and_group_argument_has_a_completer() -> None:
    checked = 0
    for path, command in COMMANDS:
        for param in command.params:
            metavar = (param.metavar or "").upper()
            if not isinstance(param, click.Argument) or metavar not in {
                "NODE",
                "NODE...",
                "NODES...",
                "[NODES]...",
                "GROUP",
                "SOURCE",
                "DESTINATION",
            }:
                continue
            wanted = complete_node_pks if "NODE" in metavar else complete_group_labels
            assert param._custom_shell_complete is wanted, (path, param.name)
            checked += 1
    assert checked >= 20


@pytest.mark.usefixtures("registered_profile")
def test_completes_pks_and_labels() -> None:
    node = Data(label="first").store()
    Group("alpha").store()
    Group("beta").store()
    assert completions(["group", "show"], "al") == ["alpha"]
    assert completions(["group", "copy"], "") == ["alpha", "beta"]
    assert completions(["group", "move-nodes", "-s"], "b") == ["beta"]
    assert completions(["group", "list", "--node"], str(node.pk)) == [str(node.pk)]
    assert completions(["node", "label"], str(node.pk)) == [str(node.pk)]
    assert completions(["node", "show", str(node.pk)], "") == [str(node.pk)]
