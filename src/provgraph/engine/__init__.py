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

from provgraph.common.object_loader import ObjectLoader, get_object_loader
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
from provgraph.provenance.ports import InputPort, PortNamespace, ProcessSpec

PORT_NAMESPACE_SEPARATOR = "__"

__all__ = [
    "PORT_NAMESPACE_SEPARATOR",
    "ExitCode",
    "ExitCodesNamespace",
    "InputPort",
    "ObjectLoader",
    "PortNamespace",
    "Process",
    "ProcessSpec",
    "ProcessState",
    "calcfunction",
    "get_object_loader",
    "is_process_function",
    "run",
    "run_get_node",
    "run_get_pk",
    "workfunction",
]
