"""aiida-core's module path `aiida.orm.nodes.process.workflow.workchain`: re-exports ``WorkChainNode``."""

from __future__ import annotations

from provgraph.orm.nodes.process.workflow import WorkChainNode

__all__ = ["WorkChainNode"]
