"""``provgraph sync push|pull`` through click, between two real profiles on both backends."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from tests.cli_assertions import assert_one_line_error
from tests.tools.archive.archive_graph import build_graph
from tests.tools.sync.conftest import SyncPair, signature

from provgraph import orm
from provgraph.cli.main import cli
from provgraph.storage.abstract import EntityTypes


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")


def test_push_then_push_again_says_nothing_new(pair: SyncPair) -> None:
    build_graph()
    nodes = pair.source.count_rows(EntityTypes.NODE)
    dry = run("sync", "push", "server", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"Dry run (laptop -> server): {nodes} new node(s), 0 already there" in dry.output
    assert "nothing written" in dry.output
    assert pair.target.count_rows(EntityTypes.NODE) == 0

    first = run("sync", "push", "server")
    assert first.exit_code == 0, first.output
    assert "Nodes" in first.output
    assert "Success: synced laptop -> server" in first.output
    assert "(compared every node)" in first.output
    assert signature(pair.target) == signature(pair.source)

    second = run("sync", "push", "server")
    assert second.exit_code == 0, second.output
    assert "Nothing to sync (laptop -> server): server has everything already" in second.output


def test_pull_a_group_from_the_other_profile(pair: SyncPair) -> None:
    graph = build_graph()
    run("sync", "push", "server")
    # now work the other way: a new profile state on the server is pulled back by group
    pulled = run("sync", "pull", "server", "-G", str(graph.results.uuid))
    assert pulled.exit_code == 0, pulled.output
    assert "Nothing to sync (server -> laptop)" in pulled.output


def test_unknown_profile_and_self_sync_are_one_line_errors(pair: SyncPair) -> None:
    assert_one_line_error(run("sync", "push", "nowhere"), "nowhere")
    assert_one_line_error(run("sync", "push", "laptop"), "is the loaded profile")


def test_conflict_is_one_line_and_writes_nothing(pair: SyncPair) -> None:
    graph = build_graph()
    user = pair.target.bulk_insert(
        EntityTypes.USER,
        [{"email": "x@provgraph.test", "first_name": "", "last_name": "", "institution": ""}],
    )[0]
    row = pair.source.get_rows(EntityTypes.NODE, {"id": graph.x.pk})[0]
    impostor = {key: value for key, value in row.items() if key != "id"}
    impostor.update(attributes={"value": -1}, user_id=user, dbcomputer_id=None)
    pair.target.bulk_insert(EntityTypes.NODE, [impostor])
    result = run("sync", "push", "server")
    assert_one_line_error(result, "different content", graph.x.uuid, "nothing was written")
    assert pair.target.count_rows(EntityTypes.NODE) == 1


def test_pull_moves_what_the_loaded_profile_lacks(pair: SyncPair) -> None:
    build_graph()
    run("sync", "push", "server")
    colleague = orm.User("colleague@provgraph.test", backend=pair.target).store()
    made_there = orm.Int(2024, backend=pair.target, user=colleague).store()
    result = run("sync", "pull", "server")
    assert result.exit_code == 0, result.output
    assert "Success: synced server -> laptop" in result.output
    assert pair.source.count_rows(EntityTypes.NODE, {"uuid": made_there.uuid}) == 1
    assert signature(pair.target) == signature(pair.source)
    again = run("sync", "pull", "server", "--full")
    assert again.exit_code == 0, again.output
    assert "Nothing to sync (server -> laptop)" in again.output
