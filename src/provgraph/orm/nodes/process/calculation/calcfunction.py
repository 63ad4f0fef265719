"""aiida-core's module path of ``CalcFunctionNode`` (`aiida.orm.nodes.process.calculation.calcfunction`)."""

from __future__ import annotations

from provgraph.orm.nodes.process.calculation import CalcFunctionNode

__all__ = ["CalcFunctionNode"]
