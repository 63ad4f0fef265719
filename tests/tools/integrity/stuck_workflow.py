"""Run in a spawned process by the stale-process tests: a workfunction that never returns.

It calls one calcfunction (finished and sealed, as calcfunctions are stored), says so through
``started``, and sleeps until the parent SIGKILLs the process: its own node stays ``running``.
"""

from __future__ import annotations

import time
from typing import Any

from provgraph.provenance import calcfunction, workfunction

_START_TIMEOUT = 60.0  # spawning imports provgraph afresh


@calcfunction
def increment(x: Any) -> Any:
    return x + 1


_started: list[Any] = []  # the parent's Event, set once the workfunction is under way


@workfunction
def wait_forever(x: Any) -> Any:
    increment(x)
    _started[0].set()
    time.sleep(600)
    return None


def run_until_killed(profile_name: str, started: Any) -> None:
    """Load the profile and run the workfunction; never returns on its own."""
    from provgraph import orm
    from provgraph.manager import get_manager

    _started.append(started)
    get_manager().load_profile(profile_name)
    wait_forever(orm.Int(1))


def kill_inside_a_workfunction(profile_name: str) -> tuple[int, int]:
    """Start :func:`run_until_killed` in a spawned child, SIGKILL it inside the workfunction, and
    return ``(pk of the node left running, the child's PID)``."""
    import multiprocessing

    from tests.child_processes import kill_child, spawn_child

    from provgraph import orm
    from provgraph.orm.nodes.process import WorkFunctionNode

    started = multiprocessing.get_context("spawn").Event()
    child = spawn_child(run_until_killed, profile_name, started)
    try:
        assert started.wait(_START_TIMEOUT), "the child did not start its workfunction in time"
    finally:
        kill_child(child)
    assert child.pid is not None
    query = orm.QueryBuilder().append(
        WorkFunctionNode, filters={"attributes.process_state": "running"}, project="id"
    )
    (pk,) = query.all(flat=True)
    return pk, child.pid
