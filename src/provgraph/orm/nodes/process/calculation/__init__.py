"""Calculation nodes: processes that create data (and never return existing data)."""

from __future__ import annotations

from typing import Any, ClassVar

from provgraph.common.node_hash import CALCJOB_UPDATABLE_ATTRIBUTES
from provgraph.exceptions import LinkValidationError
from provgraph.orm.nodes.link_rules import Role
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.function import FunctionNodeMixin
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.utils.managers import NodeLinksManager

__all__ = ["CalcFunctionNode", "CalcJobNode", "CalculationNode"]


class CalculationNode(ProcessNode, node_type="process.calculation.CalculationNode."):
    """A calculation: takes Data in (INPUT_CALC) and creates new Data (CREATE)."""

    _storable: ClassVar[bool] = True
    _cachable: ClassVar[bool] = True
    _link_role: ClassVar[Role | None] = Role.CALCULATION

    @property
    def inputs(self) -> NodeLinksManager:
        """The input nodes by link label: ``calc.inputs.x``, ``calc.inputs["x"]``, nested namespaces."""
        return NodeLinksManager(self, LinkType.INPUT_CALC, incoming=True)

    @property
    def outputs(self) -> NodeLinksManager:
        """The created nodes by link label: ``calc.outputs.result``."""
        return NodeLinksManager(self, LinkType.CREATE, incoming=False)


class CalcFunctionNode(
    FunctionNodeMixin, CalculationNode, node_type="process.calculation.calcfunction.CalcFunctionNode."
):
    """The run of a calcfunction (a Python function recorded as a calculation)."""

    def _validate_outgoing(self, target: Node, link_type: LinkType, link_label: str) -> None:
        super()._validate_outgoing(target, link_type, link_label)
        if link_type is LinkType.CREATE and target.is_stored:
            raise LinkValidationError(
                f"a calcfunction must create new data: cannot add a create link to stored node pk={target.pk}"
            )


class CalcJobNode(CalculationNode, node_type="process.calculation.calcjob.CalcJobNode."):
    """The run of a calculation job (an external code, usually through a scheduler)."""

    _updatable_attributes: ClassVar[frozenset[str]] = (
        ProcessNode._updatable_attributes | CALCJOB_UPDATABLE_ATTRIBUTES
    )

    REMOTE_WORKDIR_KEY: ClassVar[str] = "remote_workdir"
    SCHEDULER_STATE_KEY: ClassVar[str] = "scheduler_state"
    JOB_ID_KEY: ClassVar[str] = "job_id"
    CALC_JOB_STATE_KEY: ClassVar[str] = "state"

    def _get(self, key: str) -> Any:
        return self.base.attributes.get(key, None)

    @property
    def remote_workdir(self) -> str | None:
        """The directory on the computer where the job ran."""
        value = self._get(self.REMOTE_WORKDIR_KEY)
        return None if value is None else str(value)

    def set_remote_workdir(self, remote_workdir: str) -> None:
        self.base.attributes.set(self.REMOTE_WORKDIR_KEY, remote_workdir)

    @property
    def scheduler_state(self) -> str | None:
        """The job's state as the scheduler last reported it (AiiDA's ``JobState`` value)."""
        value = self._get(self.SCHEDULER_STATE_KEY)
        return None if value is None else str(value)

    def set_scheduler_state(self, state: str) -> None:
        self.base.attributes.set(self.SCHEDULER_STATE_KEY, getattr(state, "value", state))

    @property
    def job_id(self) -> str | None:
        value = self._get(self.JOB_ID_KEY)
        return None if value is None else str(value)

    def set_job_id(self, job_id: str | int) -> None:
        self.base.attributes.set(self.JOB_ID_KEY, str(job_id))

    def get_state(self) -> str | None:
        """The engine's calculation-job state (``state`` attribute), e.g. ``'retrieving'``."""
        value = self._get(self.CALC_JOB_STATE_KEY)
        return None if value is None else str(value)
