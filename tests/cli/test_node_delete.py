"""``provgraph node delete`` through click, on a real default profile of each SQL backend."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.data_files import SMALL_ARCHIVE
from tests.tools.delete_graph import RuleGraph, build_bulk_graph, build_rule_graph, snapshot

from provgraph import orm
from provgraph.cli import prompts
from provgraph.cli.main import cli
from provgraph.cli.node import node
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage.abstract import StorageBackend

EVERYTHING_FROM_A = {"a", "outer", "inner", "calc", "s", "calc2", "d"}
HINT = "until `provgraph storage maintain --full` frees them"


@pytest.fixture
def storage(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> StorageBackend:
    """The loaded test profile's storage (tests/conftest.py), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return get_manager().get_profile_storage()


@pytest.fixture
def graph(storage: StorageBackend) -> RuleGraph:
    return build_rule_graph()


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(node, ["delete", *args], input=input)


def remaining(graph: RuleGraph, storage: StorageBackend) -> set[str]:
    return graph.names({pk for (pk,) in snapshot(storage)["nodes"]})


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # handled: no traceback
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    for fragment in fragments:
        assert fragment in lines[0], result.output


def listed_rows(output: str) -> dict[str, list[str]]:
    """The rows of the node table (pk, short uuid, ...) by pk, as split words."""
    return {
        words[0]: words
        for words in map(str.split, output.splitlines())
        if len(words) >= 3 and words[0].isdigit() and re.fullmatch("[0-9a-f]{8}", words[1])
    }


def test_lists_then_refuses_without_a_terminal(graph: RuleGraph, storage: StorageBackend) -> None:
    before = snapshot(storage)
    result = run(str(graph.a))
    assert result.exit_code == 2, result.output
    assert "Deleting nodes needs confirmation: pass --force" in result.output
    assert "7 nodes will be deleted:" in result.output
    counts = {line.split()[0]: line.split()[1:] for line in result.output.splitlines() if line.strip()}
    assert counts["Int"] == ["data.core.int.Int.", "3"]
    assert counts["CalcFunctionNode"] == ["process.calculation.calcfunction.CalcFunctionNode.", "2"]
    assert counts["WorkFunctionNode"] == ["process.workflow.workfunction.WorkFunctionNode.", "2"]
    rows = listed_rows(result.output)
    a = orm.load_node(graph.a)
    assert rows[str(graph.a)] == [str(graph.a), a.uuid[:8], "Int"]
    assert rows[str(graph.calc)][:3] == [
        str(graph.calc),
        orm.load_node(graph.calc).uuid[:8],
        "CalcFunctionNode",
    ]
    assert str(graph.u) not in rows
    assert "not listed" not in result.output
    assert snapshot(storage) == before


def test_asks_on_a_terminal(
    graph: RuleGraph, storage: StorageBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    before = snapshot(storage)
    declined = run(str(graph.a), input="n\n")
    assert declined.exit_code == 1  # click's Abort
    assert "Delete these 7 nodes? This cannot be undone." in declined.output
    assert snapshot(storage) == before
    accepted = run(str(graph.a), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "Deleted 7 nodes, with their links, group memberships, comments and logs." in accepted.output
    assert HINT in accepted.output
    assert remaining(graph, storage) == graph.all_nodes() - EVERYTHING_FROM_A


def test_force_rule_flags_and_uuids(graph: RuleGraph, storage: StorageBackend) -> None:
    calc = orm.load_node(graph.calc)
    result = run(calc.uuid, "--no-create-forward", "-f")
    assert result.exit_code == 0, result.output
    assert "Deleted 3 nodes" in result.output
    assert remaining(graph, storage) == graph.all_nodes() - {"calc", "inner", "outer"}
    d = orm.load_node(graph.d)
    result = run(d.uuid[:13], str(graph.u), "--force")  # a UUID prefix and a pk
    assert result.exit_code == 0, result.output
    assert "Deleted 3 nodes" in result.output  # d takes its creator calc2
    assert remaining(graph, storage) == {"a", "s", "x", "failed"}


def test_call_flags(graph: RuleGraph, storage: StorageBackend) -> None:
    result = run(str(graph.outer), "--no-call-work-forward", "-f")
    assert result.exit_code == 0, result.output
    assert remaining(graph, storage) == graph.all_nodes() - {"outer"}
    result = run(str(graph.inner), "--no-call-calc-forward", "-f")
    assert result.exit_code == 0, result.output
    assert remaining(graph, storage) == graph.all_nodes() - {"outer", "inner"}


def test_dry_run_lists_and_changes_nothing(graph: RuleGraph, storage: StorageBackend) -> None:
    before = snapshot(storage)
    result = run(str(graph.calc), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "6 nodes will be deleted:" in result.output
    assert result.output.rstrip().endswith("Dry run: nothing was deleted.")
    assert snapshot(storage) == before


def test_says_how_many_more_than_listed(storage: StorageBackend) -> None:
    bulk = build_bulk_graph(storage, units=10)
    result = run(*map(str, bulk.inputs), "-n")
    assert result.exit_code == 0, result.output
    assert "40 nodes will be deleted:" in result.output
    assert "... and 20 more nodes, not listed." in result.output
    listed = [pk for pk in sorted(bulk.doomed) if str(pk) in listed_rows(result.output)]
    assert listed == sorted(bulk.doomed)[:20]


def test_bad_identifiers_are_one_line(graph: RuleGraph, storage: StorageBackend) -> None:
    before = snapshot(storage)
    assert_one_line_error(run("not-an-id", "-f"), "no Node with pk or uuid 'not-an-id'")
    assert_one_line_error(run("00000000-0000-4000-8000-00000000abcd", "-f"), "no Node with uuid")
    missing = run("987654", "-f")
    assert missing.exit_code == 0, missing.output
    assert missing.stderr.strip() == "Warning: 1 pk is not a node, skipped: 987654"
    assert missing.stdout.strip() == "Nothing to delete."
    assert snapshot(storage) == before
    mixed = run("987654", "987655", str(graph.u), "-f")
    assert mixed.exit_code == 0, mixed.output
    assert "Warning: 2 pks are not nodes, skipped: 987654, 987655" in mixed.stderr
    assert "Deleted 1 node," in mixed.stdout
    assert remaining(graph, storage) == graph.all_nodes() - {"u"}
    needs_nodes = run()
    assert needs_nodes.exit_code == 2
    assert "NODES..." in needs_nodes.output


def test_a_read_only_profile_refuses_in_one_line(tmp_path: Path) -> None:
    archive = Path(shutil.copy(SMALL_ARCHIVE, tmp_path / "small.aiida"))
    runner = CliRunner()
    setup = runner.invoke(
        cli, ["profile", "setup", "core.sqlite_zip", "--profile", "arch", "--filepath", str(archive)]
    )
    assert setup.exit_code == 0, setup.output
    refused = runner.invoke(cli, ["-p", "arch", "node", "delete", "1", "-f"])
    assert_one_line_error(refused, "cannot delete nodes", "read-only", "provgraph archive import")
    refused = runner.invoke(cli, ["-p", "arch", "node", "delete", "1"])  # before any listing or question
    assert_one_line_error(refused, "read-only")
    dry = runner.invoke(cli, ["-p", "arch", "node", "delete", "1", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: nothing was deleted." in dry.output
