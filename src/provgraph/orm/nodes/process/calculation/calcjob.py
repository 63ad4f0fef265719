"""aiida-core's module path `aiida.orm.nodes.process.calculation.calcjob`: re-exports ``CalcJobNode``."""

from __future__ import annotations

from provgraph.orm.nodes.process.calculation import CalcJobNode

__all__ = ["CalcJobNode"]
