"""Stale processes on both SQL backends: the rule that judges them, the fix, and ``kill_processes``,
down to a real workfunction whose Python process is SIGKILLed."""

from __future__ import annotations

import subprocess
import sys

import pytest
from tests.child_processes import profile_in_use
from tests.tools.integrity.stuck_workflow import kill_inside_a_workfunction

from provgraph import orm
from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError, InvalidOperation, NotExistent
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.process import CalcFunctionNode, ProcessNode, WorkFunctionNode
from provgraph.provenance.runner_record import RUNNER_EXTRA_KEY, RunnerRecord
from provgraph.storage.abstract import StorageBackend
from provgraph.tools.integrity import KillResult, Liveness, ProblemKind, check_integrity, kill_processes
from provgraph.tools.integrity.processes import KILLED_BY_HAND, find_stale_processes


def _dead_pid() -> int:
    """The PID of a process that has ended (whatever may hold it now started later)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    return int(done.stdout)


def _active(
    state: str = "running", runner: RunnerRecord | None = None, *, caller: ProcessNode | None = None
) -> ProcessNode:
    node: ProcessNode = WorkFunctionNode() if caller is None else CalcFunctionNode()
    node.set_process_state(state)
    node.base.attributes.set("checkpoints", "a checkpoint")
    if runner is not None:
        node.base.extras.set(RUNNER_EXTRA_KEY, runner.as_extra())
    if caller is not None:
        node.base.links.add_incoming(caller, LinkType.CALL_CALC, "CALL")
    return node.store()


def _here(pid: int | None = None) -> RunnerRecord:
    current = RunnerRecord.current()
    return current if pid is None else RunnerRecord(current.host, pid, current.started)


def _verdicts(backend: StorageBackend) -> dict[int, Liveness]:
    _, stale, _ = find_stale_processes(backend)
    return {found.pk: found.liveness for found in stale}


def test_the_rule_per_kind_of_runner(loaded_profile: Profile, backend: StorageBackend) -> None:
    alive = _active("running", _here())
    gone = _active("waiting", _here(_dead_pid()))
    _active("created", RunnerRecord("elsewhere.invalid", 1, 1.0))  # not judged: only noted
    unrecorded = _active("running")
    finding, stale, notes = find_stale_processes(backend)
    assert {found.pk: found.liveness for found in stale} == {
        gone.pk: Liveness.GONE,
        unrecorded.pk: Liveness.IDLE,
    }
    assert finding.count == 2
    assert finding.examples[0].startswith(f"pk={gone.pk} waiting: its process (PID ")
    assert (
        finding.examples[1]
        == f"pk={unrecorded.pk} running: it records no process, and no process uses the profile"
    )
    assert notes == (
        "not judged: 1 active process that ran on another host; "
        "`provgraph process kill --force` marks one killed",
    )
    with profile_in_use(loaded_profile):  # another process holds access: an unrecorded node may be its
        assert _verdicts(backend) == {gone.pk: Liveness.GONE}
        _, _, notes = find_stale_processes(backend)
        assert notes[1].startswith(
            "not judged: 1 active process recording no runner while other processes use"
        )
    assert alive.pk not in _verdicts(backend)


def test_the_fix_marks_stale_processes_killed_and_sealed(
    loaded_profile: Profile, backend: StorageBackend
) -> None:
    gone = _active("running", _here(_dead_pid()))
    alive = _active("running", _here())
    report = check_integrity(backend, fix=True)
    assert report[ProblemKind.STALE_PROCESSES].fixed == 1
    assert report.is_clean
    node = orm.load_node(gone.pk)
    assert (node.process_state.value, node.is_sealed, node.checkpoint) == ("killed", True, None)
    assert node.process_status.startswith("Killed: found stale by the integrity check (its process (PID ")
    assert orm.load_node(alive.pk).process_state.value == "running"  # left alone
    assert orm.load_node(alive.pk).checkpoint == "a checkpoint"


def test_kill_processes_refusals(loaded_profile: Profile, backend: StorageBackend) -> None:
    data = orm.Int(1).store()
    finished = WorkFunctionNode()
    finished.set_process_state("finished")
    finished.store().seal()
    alive = _active("running", _here())
    elsewhere = _active("running", RunnerRecord("elsewhere.invalid", 1, 1.0))
    gone = _active("running", _here(_dead_pid()))
    with pytest.raises(NotExistent, match="no node with pk 999999"):
        kill_processes(backend, [gone.pk, 999_999])
    with pytest.raises(
        InputValidationError, match=f"node pk={data.pk} is a 'data.core.int.Int.' node, not a process"
    ):
        kill_processes(backend, [data.pk])
    with pytest.raises(
        InvalidOperation, match=f"process pk={finished.pk} is finished already; there is nothing"
    ):
        kill_processes(backend, [finished.pk])
    with pytest.raises(
        InvalidOperation, match=rf"process pk={alive.pk} may still be running: its process \(PID"
    ):
        kill_processes(backend, [gone.pk, alive.pk])
    with pytest.raises(InvalidOperation, match="ran on another host, where this cannot look; pass --force"):
        kill_processes(backend, [elsewhere.pk])
    assert orm.load_node(gone.pk).process_state.value == "running"  # every refusal before any write
    forced = kill_processes(backend, [alive.pk, elsewhere.pk], force=True)
    assert forced.killed == (alive.pk, elsewhere.pk)
    assert [warning.split(" marked")[0] for warning in forced.warnings] == [
        f"process pk={alive.pk}",
        f"process pk={elsewhere.pk}",
    ]
    assert kill_processes(backend, [gone.pk]) == KillResult((gone.pk,))
    for pk in (alive.pk, elsewhere.pk, gone.pk):
        node = orm.load_node(pk)
        assert (node.process_state.value, node.process_status, node.is_sealed) == (
            "killed",
            KILLED_BY_HAND,
            True,
        )


def test_killing_a_workflow_kills_what_it_called(loaded_profile: Profile, backend: StorageBackend) -> None:
    workflow = _active("running", _here(_dead_pid()))
    called = _active("running", _here(_dead_pid()), caller=workflow)
    done = CalcFunctionNode()
    done.set_process_state("finished")
    done.base.links.add_incoming(workflow, LinkType.CALL_CALC, "CALL_2")
    done.store().seal()
    assert kill_processes(backend, [workflow.pk]).killed == (workflow.pk, called.pk)
    assert orm.load_node(called.pk).is_killed
    assert orm.load_node(done.pk).is_finished  # terminated already: left as it was


# -- a real process, killed ----------------------------------------------------------------------


@pytest.fixture
def killed_workflow(loaded_profile: Profile) -> int:
    """A workfunction run by a spawned process that is SIGKILLed inside it; its node's pk."""
    pk, pid = kill_inside_a_workfunction(loaded_profile.name)
    record = RunnerRecord.from_extra(orm.load_node(pk).base.extras.get(RUNNER_EXTRA_KEY))
    assert record == RunnerRecord(RunnerRecord.current().host, pid, record.started if record else 0.0)
    return pk


def test_a_killed_workfunction_is_found_and_fixed(killed_workflow: int, backend: StorageBackend) -> None:
    report = check_integrity(backend)
    assert {finding.kind: finding.count for finding in report.findings if finding.count} == {
        ProblemKind.STALE_PROCESSES: 1
    }
    (example,) = report[ProblemKind.STALE_PROCESSES].examples
    assert example.startswith(f"pk={killed_workflow} running: its process (PID ")
    assert example.endswith(") is gone")
    fixed = check_integrity(backend, fix=True)
    assert (fixed[ProblemKind.STALE_PROCESSES].fixed, fixed.is_clean) == (1, True)
    node = orm.load_node(killed_workflow)
    assert (node.is_killed, node.is_sealed) == (True, True)
    called = node.called
    assert [(process.is_finished_ok, process.is_sealed) for process in called] == [(True, True)]
    assert check_integrity(backend).is_clean


def test_a_killed_workfunction_is_killed_by_hand(killed_workflow: int, backend: StorageBackend) -> None:
    assert kill_processes(backend, [killed_workflow]) == KillResult((killed_workflow,))
    node = orm.load_node(killed_workflow)
    assert (node.is_killed, node.process_status, node.is_sealed) == (True, KILLED_BY_HAND, True)
    assert check_integrity(backend).is_clean
    with pytest.raises(InvalidOperation, match="is killed already"):
        kill_processes(backend, [killed_workflow])
