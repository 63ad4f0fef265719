"""Process nodes: the records of calculations and workflows that ran."""

from provgraph.orm.nodes.process.calculation import CalcFunctionNode, CalcJobNode, CalculationNode
from provgraph.orm.nodes.process.process import ProcessNode, ProcessState
from provgraph.orm.nodes.process.workflow import WorkChainNode, WorkflowNode, WorkFunctionNode

__all__ = [
    "CalcFunctionNode",
    "CalcJobNode",
    "CalculationNode",
    "ProcessNode",
    "ProcessState",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
]
