"""aiida-core's ``aiida.engine``, for what provgraph runs: process functions.

``calcfunction`` and ``workfunction`` record Python functions in the graph; ``run``,
``run_get_node`` and ``run_get_pk`` launch them; ``Process.current()`` is the one running now.
provgraph has no engine for CalcJobs, WorkChains, the daemon or a broker.

Example::

    from provgraph.engine import calcfunction, run_get_node

    @calcfunction
    def add(x, y):
        return x + y

    result, node = run_get_node(add, x=1, y=2)
"""

from __future__ import annotations

from provgraph.engine.launch import run, run_get_node, run_get_pk
from provgraph.engine.processes import (
    ExitCode,
    ExitCodesNamespace,
    Process,
    ProcessState,
    calcfunction,
    workfunction,
)
from provgraph.engine.utils import is_process_function

__all__ = [
    "ExitCode",
    "ExitCodesNamespace",
    "Process",
    "ProcessState",
    "calcfunction",
    "is_process_function",
    "run",
    "run_get_node",
    "run_get_pk",
    "workfunction",
]
