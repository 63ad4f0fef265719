"""Recording Python functions as processes of the provenance graph (calcfunction, workfunction)."""

from provgraph.orm.nodes.process.exit_code import ExitCode
from provgraph.provenance.functions import ProcessFunction, calcfunction, workfunction
from provgraph.provenance.process import Process, current_process

__all__ = ["ExitCode", "Process", "ProcessFunction", "calcfunction", "current_process", "workfunction"]
