"""The runner record of process nodes stored while they run (``_aiida_provgraph_runner``)."""

from __future__ import annotations

import doctest
import subprocess
import sys
from typing import Any

import pytest

from provgraph import orm
from provgraph.provenance import calcfunction, current_process, runner_record, workfunction
from provgraph.provenance.runner_record import RUNNER_EXTRA_KEY, RunnerRecord


@calcfunction
def double(x: Any) -> Any:
    return x * 2


@workfunction
def twice(x: Any) -> Any:
    node = current_process()
    assert node is not None
    seen.append(orm.load_node(node.pk).base.extras.get(RUNNER_EXTRA_KEY, None))
    return double(x)


seen: list[Any] = []


def test_a_workfunction_records_its_runner_while_it_runs() -> None:
    seen.clear()
    _, node = twice.run_get_node(orm.Int(3))
    assert seen == [RunnerRecord.current().as_extra()]  # in the stored node, as the function ran
    assert RunnerRecord.from_extra(node.base.extras.get(RUNNER_EXTRA_KEY)) == RunnerRecord.current()
    assert node.base.caching.get_hash() == node.base.caching.compute_hash()  # extras never hashed


def test_a_calcfunction_is_stored_finished_and_records_none() -> None:
    _, node = double.run_get_node(orm.Int(3))
    assert node.is_sealed
    assert RUNNER_EXTRA_KEY not in node.base.extras


@pytest.mark.parametrize(
    "value",
    [
        None,
        "pid 5",
        {},
        {"host": "h", "pid": "5", "started": 1.0},
        {"host": "h", "pid": True, "started": 1.0},
        {"host": 5, "pid": 5, "started": 1.0},
        {"host": "h", "pid": 5, "started": "yesterday"},
        {"host": "h", "pid": 5, "started": False},
    ],
)
def test_what_is_not_a_record(value: Any) -> None:
    assert RunnerRecord.from_extra(value) is None


def test_a_record_round_trips_with_an_int_start_time() -> None:
    assert RunnerRecord.from_extra({"host": "h", "pid": 5, "started": 7}) == RunnerRecord("h", 5, 7.0)


def test_liveness_of_records() -> None:
    current = RunnerRecord.current()
    assert current.is_local
    assert current.is_alive()
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True
    )
    dead = RunnerRecord(current.host, int(finished.stdout), current.started)
    assert not dead.is_alive()  # gone (its PID unused, or now another program's with another start)
    reused = RunnerRecord(current.host, current.pid, current.started - 3600)
    assert not reused.is_alive()  # this PID, but a process started an hour earlier: not the same one
    elsewhere = RunnerRecord(current.host + "-elsewhere", current.pid, current.started)
    assert not elsewhere.is_local
    assert not elsewhere.is_alive()
    assert elsewhere.describe() == f"PID {current.pid} on host {current.host}-elsewhere"


def test_module_examples_run() -> None:
    result = doctest.testmod(runner_record, report=False)
    assert result.attempted
    assert result.failed == 0
