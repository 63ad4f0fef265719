"""aiida-core's ``aiida.engine.processes.process``: ``Process.current()`` and ``ProcessState``."""

from __future__ import annotations

from provgraph.orm.nodes.process.process import ProcessState
from provgraph.provenance.process import Process

__all__ = ["Process", "ProcessState"]
