"""Run in a spawned process by the stale-process tests: a workfunction that never returns.

It calls one calcfunction (finished and sealed, as calcfunctions are stored), says so through
``started``, and sleeps until the parent SIGKILLs the process: its own node stays ``running``.
"""

from __future__ import annotations

import time
from typing import Any

from provgraph.provenance import calcfunction, workfunction


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
