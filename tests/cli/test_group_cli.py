"""``provgraph group ...`` through click, on a real default profile of each SQL backend."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner, Result
from tests.cli_assertions import assert_one_line_error

from provgraph.cli import prompts
from provgraph.cli.group import group
from provgraph.cli.listing import format_time
from provgraph.config.profile import Profile
from provgraph.orm.groups import Group, load_group
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.calculation import CalcFunctionNode


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile (tests/conftest.py), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(group, list(args), input=input, catch_exceptions=False)


def test_create_then_duplicate(registered: Profile) -> None:
    result = run("create", "results", "--description", "final numbers")
    assert result.exit_code == 0, result.output
    created = load_group("results")
    assert "Created group 'results'" in result.output
    assert f"(pk {created.pk})" in result.output
    assert created.description == "final numbers"
    assert_one_line_error(
        run("create", "results"), "a group labelled 'results' of type 'core' exists already"
    )


def test_list(registered: Profile) -> None:
    assert "No groups found" in run("list").output
    mine = Group("mine").store()
    mine.add_nodes([Data().store(), Data().store()])
    Group("tooling", type_string="core.auto").store()
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["pk", "label", "type_string", "user", "nodes"]
    assert lines[1].split() == [str(mine.pk), "mine", "core", registered.default_user_email, "2"]
    assert "tooling" not in result.output
    everything = run("list", "--all-types").output
    assert "mine" in everything
    assert "tooling" in everything
    only_auto = run("list", "--type", "core.auto").output
    assert "tooling" in only_auto
    assert "mine" not in only_auto
    clash = run("list", "-a", "-T", "core")
    assert clash.exit_code == 2
    assert "exclude each other" in clash.output


def test_show(registered: Profile) -> None:
    chosen = Group("shown", description="what it holds").store()
    data, calc = Data(), CalcFunctionNode().store()
    data.label = "the data"
    data.store()
    chosen.add_nodes([data, calc])
    result = run("show", "shown")
    assert result.exit_code == 0, result.output
    for fragment in ("shown", chosen.uuid, "what it holds", registered.default_user_email, "core"):
        assert fragment in result.output
    rows = {line.split()[1]: line.split() for line in result.output.splitlines() if len(line.split()) > 2}
    day, second = format_time(data.ctime).split()
    assert rows[data.uuid] == [str(data.pk), data.uuid, "Data", "the", "data", day, second]
    day, second = format_time(calc.ctime).split()
    assert rows[calc.uuid] == [str(calc.pk), calc.uuid, "CalcFunctionNode", day, second]
    limited = run("show", str(chosen.pk), "--limit", "1").output
    assert calc.uuid in limited  # members come in pk order
    assert data.uuid not in limited
    assert "1 more member not shown" in limited


def test_show_unknown_and_ambiguous(registered: Profile) -> None:
    assert_one_line_error(run("show", "nowhere"), "no Group with label 'nowhere'")
    Group("twin").store()
    Group("twin", type_string="core.import").store()
    assert_one_line_error(run("show", "twin"), "several Groups match label 'twin'", "pk or the full uuid")


def test_add_and_remove_nodes_by_pk_uuid_and_prefix(registered: Profile) -> None:
    chosen = Group("members").store()
    first, second, third = (Data().store() for _ in range(3))
    result = run("add-nodes", "members", str(first.pk), second.uuid, third.uuid[:13])
    assert result.exit_code == 0, result.output
    assert "Added 3 nodes to group 'members'; it has 3 now." in result.output
    again = run("add-nodes", "members", str(first.pk), first.uuid)
    assert "Added 0 nodes to group 'members'; it has 3 now." in again.output
    assert chosen.count() == 3
    result = run("remove-nodes", str(chosen.pk), str(first.pk), second.uuid)
    assert result.exit_code == 0, result.output
    assert "Removed 2 nodes from group 'members'; it has 1 now." in result.output
    assert [node.pk for node in chosen.nodes] == [third.pk]
    assert Node.collection.count() == 3


def test_node_errors(registered: Profile) -> None:
    Group("members").store()
    assert_one_line_error(run("add-nodes", "members", "987654"), "987654")
    assert_one_line_error(run("add-nodes", "ghost", "1"), "no Group with", "'ghost'")
    missing = run("add-nodes", "members")
    assert missing.exit_code == 2
    assert "NODE..." in missing.output


def test_relabel(registered: Profile) -> None:
    chosen = Group("old").store()
    Group("taken").store()
    result = run("relabel", "old", "new")
    assert result.exit_code == 0, result.output
    assert "Relabelled group 'old' to 'new'" in result.output
    assert load_group(chosen.pk).label == "new"
    assert_one_line_error(run("relabel", "new", "taken"), "'taken' of type 'core' exists already")
    assert load_group(chosen.pk).label == "new"


def test_delete_needs_force_without_a_terminal(registered: Profile) -> None:
    chosen = Group("doomed").store()
    chosen.add_nodes(Data().store())
    refused = run("delete", "doomed")
    assert refused.exit_code == 2
    assert "pass --force" in refused.output
    assert Group.collection.count() == 1
    result = run("delete", "doomed", "--force")
    assert result.exit_code == 0, result.output
    assert "Deleted group 'doomed'; its 1 nodes were kept." in result.output
    assert Group.collection.count() == 0
    assert Node.collection.count() == 1


def test_delete_asks_on_a_terminal(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    Group("asked").store()
    kept = run("delete", "asked", input="n\n")
    assert kept.exit_code == 1  # click's Abort
    assert Group.collection.count() == 1
    gone = run("delete", "asked", input="y\n")
    assert gone.exit_code == 0, gone.output
    assert Group.collection.count() == 0


def walk(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found.extend(walk(sub, (*path, name)))
    return found


def test_every_command_and_option_has_help(registered: Profile) -> None:
    for path, command in walk(group):
        assert command.help, path
        assert len(command.help) > 20, path
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (path, param.name)
        result = CliRunner().invoke(group, [*path, "--help"])
        assert result.exit_code == 0, result.output
    assert {name for (name, *_), _ in walk(group)[1:]} >= {
        "create",
        "list",
        "show",
        "add-nodes",
        "remove-nodes",
        "relabel",
        "delete",
    }
