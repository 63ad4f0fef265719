"""Run in a spawned process by test_calcfunction_store: calcfunction calls until the process is killed."""

from __future__ import annotations

from typing import Any


def call_forever(profile_name: str) -> None:
    """Call ``add(Int, Int)`` with fresh inputs in a loop; the parent kills us with SIGKILL."""
    from provgraph import orm
    from provgraph.manager import get_manager
    from provgraph.provenance import calcfunction

    @calcfunction
    def add(x: Any, y: Any) -> Any:
        return x + y

    get_manager().load_profile(profile_name)
    index = 0
    while True:
        add(orm.Int(index), orm.Int(index))
        index += 1
