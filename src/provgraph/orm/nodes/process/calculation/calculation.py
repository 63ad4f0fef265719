"""aiida-core's module path of ``CalculationNode`` (`aiida.orm.nodes.process.calculation.calculation`)."""

from __future__ import annotations

from provgraph.orm.nodes.process.calculation import CalculationNode

__all__ = ["CalculationNode"]
