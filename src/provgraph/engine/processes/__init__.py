"""aiida-core's ``aiida.engine.processes``: process functions, exit codes, the running process."""

from __future__ import annotations

from provgraph.engine.processes.exit_code import ExitCode, ExitCodesNamespace
from provgraph.engine.processes.functions import FunctionProcess, calcfunction, workfunction
from provgraph.engine.processes.process import Process, ProcessState

__all__ = [
    "ExitCode",
    "ExitCodesNamespace",
    "FunctionProcess",
    "Process",
    "ProcessState",
    "calcfunction",
    "workfunction",
]
