"""aiida-core's module path `aiida.orm.nodes.process.workflow.workflow`: re-exports ``WorkflowNode``."""

from __future__ import annotations

from provgraph.orm.nodes.process.workflow import WorkflowNode

__all__ = ["WorkflowNode"]
