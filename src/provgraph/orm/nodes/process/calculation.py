"""Calculation nodes: processes that create data (and never return existing data)."""

from __future__ import annotations

from typing import ClassVar

from provgraph.exceptions import LinkValidationError
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.process import ProcessNode

__all__ = ["CalcFunctionNode", "CalcJobNode", "CalculationNode"]


class CalculationNode(ProcessNode, node_type="process.calculation.CalculationNode."):
    """A calculation: takes Data in (INPUT_CALC) and creates new Data (CREATE)."""

    _storable: ClassVar[bool] = True
    _cachable: ClassVar[bool] = True


class CalcFunctionNode(CalculationNode, node_type="process.calculation.calcfunction.CalcFunctionNode."):
    """The run of a calcfunction (a Python function recorded as a calculation)."""

    def _validate_outgoing(self, target: Node, link_type: LinkType, link_label: str) -> None:
        super()._validate_outgoing(target, link_type, link_label)
        if link_type is LinkType.CREATE and target.is_stored:
            raise LinkValidationError(
                f"a calcfunction must create new data: cannot add a create link to stored node pk={target.pk}"
            )


class CalcJobNode(CalculationNode, node_type="process.calculation.calcjob.CalcJobNode."):
    """The run of a calculation job (an external code, usually through a scheduler)."""

    _updatable_attributes: ClassVar[frozenset[str]] = ProcessNode._updatable_attributes | {
        "state",
        "imported",
        "remote_workdir",
        "retrieve_list",
        "retrieve_temporary_list",
        "job_id",
        "scheduler_state",
        "scheduler_lastchecktime",
        "last_job_info",
        "detailed_job_info",
    }
