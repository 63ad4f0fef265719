"""``provgraph process kill`` on real storages of both SQL backends."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from tests.tools.integrity.stuck_workflow import kill_inside_a_workfunction

from provgraph import orm
from provgraph.cli import prompts
from provgraph.cli.process import process
from provgraph.config.profile import Profile
from provgraph.orm.nodes.process import WorkFunctionNode
from provgraph.provenance.runner_record import RUNNER_EXTRA_KEY, RunnerRecord


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(process, ["kill", *args], input=input)


@pytest.fixture
def registered(registered_profile: Profile) -> Profile:
    """The loaded test profile (see ``registered_profile`` in tests/conftest.py)."""
    return registered_profile


def _workflow(state: str, runner: RunnerRecord | None = None) -> WorkFunctionNode:
    node = WorkFunctionNode()
    node.set_process_state(state)
    if runner is not None:
        node.base.extras.set(RUNNER_EXTRA_KEY, runner.as_extra())
    return node.store()


def test_kill_a_process_whose_python_process_was_killed(registered: Profile) -> None:
    pk, _ = kill_inside_a_workfunction(registered.name)
    result = run(str(pk))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Killed 1 process: pk {pk}\n"
    node = orm.load_node(pk)
    assert (node.is_killed, node.is_sealed, node.process_status) == (
        True,
        True,
        "Killed through `provgraph process kill`",
    )
    again = run(node.uuid)
    assert again.exit_code == 1
    assert again.output == f"Error: process pk={pk} is killed already; there is nothing to kill\n"


def test_a_live_runner_needs_force(registered: Profile) -> None:
    alive = _workflow("waiting", RunnerRecord.current())
    unrecorded = _workflow("created")
    refused = run(str(unrecorded.pk), str(alive.pk))
    assert refused.exit_code == 1
    assert refused.output.startswith(f"Error: process pk={alive.pk} may still be running: its process (PID ")
    assert refused.output.endswith("is alive; pass --force (force=True) if you know it is gone\n")
    assert orm.load_node(unrecorded.pk).process_state.value == "created"  # nothing written
    forced = run("--force", str(unrecorded.pk), str(alive.pk))
    assert forced.exit_code == 0, forced.output
    assert forced.stdout == f"Killed 2 processes: pk {alive.pk}, {unrecorded.pk}\n"  # by pk
    assert forced.stderr.startswith(
        f"Warning: process pk={alive.pk} marked killed although its process (PID "
    )


@pytest.mark.parametrize("identifier", ["999999", "not-a-node"])
def test_unknown_nodes_are_one_line_errors(registered: Profile, identifier: str) -> None:
    result = run(identifier)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert len(result.output.splitlines()) == 1


def test_a_data_node_is_no_process(registered: Profile) -> None:
    data = orm.Int(4).store()
    result = run(str(data.pk))
    assert result.exit_code == 1
    assert result.output == f"Error: node pk={data.pk} is a 'data.core.int.Int.' node, not a process\n"


def test_an_identifier_or_all_is_required(registered: Profile) -> None:
    result = run()
    assert result.exit_code == 2
    assert "Missing argument 'PROCESS...' (or pass -a/--all" in result.output
    both = run("--all", "1")
    assert both.exit_code == 2
    assert "not both" in both.output


def _state(node: WorkFunctionNode) -> str:
    return orm.load_node(node.pk).process_state.value


def test_a_live_runner_is_confirmed_on_a_terminal(
    registered: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    alive = _workflow("running", RunnerRecord.current())
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    declined = run(str(alive.pk), input="n\n")
    assert declined.exit_code == 1
    assert f"process pk={alive.pk} may still be running" in declined.output
    assert "Mark it killed anyway?" in declined.output
    assert _state(alive) == "running"
    accepted = run(str(alive.pk), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout.endswith(f"Killed 1 process: pk {alive.pk}\n")
    assert _state(alive) == "killed"


def test_kill_all_stale(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("--all").output == "No stale processes to kill.\n"
    stale = [_workflow("created"), _workflow("waiting")]
    alive = _workflow("running", RunnerRecord.current())
    refused = run("--all")  # no terminal and no --force: a usage error, nothing written
    assert refused.exit_code == 2
    assert "Killing every stale process needs confirmation: pass --force" in refused.output
    assert [_state(node) for node in stale] == ["created", "waiting"]
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    declined = run("-a", input="n\n")
    assert declined.exit_code == 1
    assert f"Mark 2 stale processes killed (pk {stale[0].pk}, {stale[1].pk})?" in declined.output
    assert [_state(node) for node in stale] == ["created", "waiting"]
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: False)
    forced = run("--all", "--force")
    assert forced.exit_code == 0, forced.output
    assert forced.stdout == f"Killed 2 processes: pk {stale[0].pk}, {stale[1].pk}\n"
    assert [_state(node) for node in stale] == ["killed", "killed"]
    assert _state(alive) == "running"  # --all never takes a process whose runner may be alive
    third = _workflow("created")
    piped = run("--all", input="y\n")  # echo y | provgraph process kill --all
    assert piped.exit_code == 0, piped.output
    assert piped.stdout == f"Killed 1 process: pk {third.pk}\n"


def test_a_live_runner_is_confirmed_through_a_pipe(registered: Profile) -> None:
    alive = _workflow("running", RunnerRecord.current())
    declined = run(str(alive.pk), input="n\n")
    assert declined.exit_code == 1
    assert _state(alive) == "running"
    accepted = run(str(alive.pk), input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert accepted.stdout == f"Killed 1 process: pk {alive.pk}\n"
    assert _state(alive) == "killed"
