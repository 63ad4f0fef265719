"""aiida-core's module path of ``WorkFunctionNode`` (`aiida.orm.nodes.process.workflow.workfunction`)."""

from __future__ import annotations

from provgraph.orm.nodes.process.workflow import WorkFunctionNode

__all__ = ["WorkFunctionNode"]
