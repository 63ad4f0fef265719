"""``provgraph group delete`` (with and without ``--delete-nodes``) on a real profile of each SQL backend."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.data_files import SMALL_ARCHIVE
from tests.tools.delete_graph import RuleGraph, build_rule_graph, snapshot

from provgraph import orm
from provgraph.cli import prompts
from provgraph.cli.group import group
from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage.abstract import StorageBackend

# The members of the group ``kept`` (s, u) and what deleting them takes along.
GROUP_NODES = {"s", "u", "calc", "inner", "outer", "calc2", "d"}


@pytest.fixture
def storage(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> StorageBackend:
    """The loaded test profile's storage (tests/conftest.py), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return get_manager().get_profile_storage()


@pytest.fixture
def graph(storage: StorageBackend) -> RuleGraph:
    return build_rule_graph()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(group, ["delete", *args], input=input)


def remaining(graph: RuleGraph, storage: StorageBackend) -> set[str]:
    return graph.names({pk for (pk,) in snapshot(storage)["nodes"]})


def test_delete_nodes_lists_then_refuses_without_a_terminal(
    graph: RuleGraph, storage: StorageBackend
) -> None:
    before = snapshot(storage)
    result = run("kept", "--delete-nodes")
    assert result.exit_code == 2, result.output
    assert "Group 'kept' (pk" in result.output
    assert "will be deleted with 7 nodes: its 2 members and 5 nodes the deletion rules take along." in (
        result.output
    )
    for pk in graph.pks(*GROUP_NODES):
        assert f"\n {pk} " in result.output or result.output.startswith(f" {pk} ")
    assert "Deleting a group and its nodes needs confirmation: pass --force" in result.output
    assert snapshot(storage) == before


def test_delete_nodes_asks_then_deletes_group_and_nodes(
    graph: RuleGraph, storage: StorageBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    before = snapshot(storage)
    declined = run("kept", "--delete-nodes", input="n\n")
    assert declined.exit_code == 1
    assert "Delete group 'kept' and 7 nodes? This cannot be undone." in declined.output
    assert snapshot(storage) == before
    accepted = run("kept", "--delete-nodes", input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Deleted group 'kept' and 7 nodes" in accepted.output
    assert "provgraph storage maintain --full" in accepted.output
    assert remaining(graph, storage) == graph.all_nodes() - GROUP_NODES
    assert snapshot(storage)["groups"] == set()


def test_rule_flags_apply_to_the_groups_nodes(graph: RuleGraph, storage: StorageBackend) -> None:
    orm.load_group("kept").remove_nodes([orm.load_node(graph.s)])
    orm.load_group("kept").add_nodes([orm.load_node(graph.calc)])
    result = run("kept", "--delete-nodes", "--no-create-forward", "-f")
    assert result.exit_code == 0, result.output
    assert "Deleted group 'kept' and 4 nodes" in result.output
    assert remaining(graph, storage) == graph.all_nodes() - {"calc", "inner", "outer", "u"}


def test_dry_runs_change_nothing(graph: RuleGraph, storage: StorageBackend) -> None:
    before = snapshot(storage)
    with_nodes = run("kept", "--delete-nodes", "--dry-run")
    assert with_nodes.exit_code == 0, with_nodes.output
    assert "will be deleted with 7 nodes" in with_nodes.output
    assert with_nodes.output.rstrip().endswith("Dry run: nothing was deleted.")
    alone = run("kept", "-n")
    assert alone.exit_code == 0, alone.output
    assert "Dry run: group 'kept' (pk" in alone.output
    assert "would be deleted; its 2 nodes kept." in alone.output
    assert snapshot(storage) == before


def test_without_delete_nodes_the_nodes_stay(graph: RuleGraph, storage: StorageBackend) -> None:
    result = run("kept", "-f", "--no-create-forward")  # rule flags matter only with --delete-nodes
    assert result.exit_code == 0, result.output
    assert "Deleted group 'kept'; its 2 nodes were kept." in result.output
    assert remaining(graph, storage) == graph.all_nodes()
    assert snapshot(storage)["groups"] == set()
    assert snapshot(storage)["members"] == set()


def test_an_empty_group_with_delete_nodes(storage: StorageBackend) -> None:
    orm.Group("nothing").store()
    result = run("nothing", "--delete-nodes", "-f")
    assert result.exit_code == 0, result.output
    assert "will be deleted with 0 nodes" in result.output
    assert "Deleted group 'nothing' and 0 nodes" in result.output
    assert orm.Group.collection.count() == 0


def test_an_unknown_group_is_one_line(storage: StorageBackend) -> None:
    unknown = run("ghost", "--delete-nodes", "-f")
    assert unknown.exit_code == 1
    assert isinstance(unknown.exception, SystemExit)
    assert unknown.output.strip().splitlines() == [unknown.output.strip()]
    assert unknown.output.startswith("Error: no Group with")


def test_a_read_only_profile_is_one_line(tmp_path: Path) -> None:
    archive = Path(shutil.copy(SMALL_ARCHIVE, tmp_path / "small.aiida"))
    runner = CliRunner()
    setup = runner.invoke(
        cli, ["profile", "setup", "core.sqlite_zip", "--profile", "arch", "--filepath", str(archive)]
    )
    assert setup.exit_code == 0, setup.output
    for extra in ([], ["--delete-nodes"]):
        refused = runner.invoke(cli, ["-p", "arch", "group", "delete", "1", "-f", *extra])
        assert refused.exit_code == 1, refused.output
        assert isinstance(refused.exception, SystemExit)
        (line,) = refused.output.strip().splitlines()
        assert line.startswith("Error: cannot delete group")
        assert "read-only" in line
