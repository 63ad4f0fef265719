"""aiida-core's ``aiida.engine.processes.exit_code``."""

from __future__ import annotations

from provgraph.orm.nodes.process.exit_code import ExitCode, ExitCodesNamespace

__all__ = ["ExitCode", "ExitCodesNamespace"]
