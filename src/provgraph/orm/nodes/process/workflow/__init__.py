"""Workflow nodes: processes that call other processes and return (never create) data."""

from __future__ import annotations

from typing import ClassVar

from provgraph.exceptions import LinkValidationError
from provgraph.orm.nodes.link_rules import Role
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.function import FunctionNodeMixin
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.utils.managers import NodeLinksManager

__all__ = ["WorkChainNode", "WorkFunctionNode", "WorkflowNode"]


class WorkflowNode(ProcessNode, node_type="process.workflow.WorkflowNode."):
    """A workflow: takes Data in (INPUT_WORK), calls processes (CALL_*), returns Data (RETURN)."""

    _storable: ClassVar[bool] = True
    _link_role: ClassVar[Role | None] = Role.WORKFLOW

    @property
    def inputs(self) -> NodeLinksManager:
        """The input nodes by link label: ``workflow.inputs.x``, nested namespaces as attributes."""
        return NodeLinksManager(self, LinkType.INPUT_WORK, incoming=True)

    @property
    def outputs(self) -> NodeLinksManager:
        """The returned nodes by link label: ``workflow.outputs.result``."""
        return NodeLinksManager(self, LinkType.RETURN, incoming=False)

    def _validate_outgoing(self, target: Node, link_type: LinkType, link_label: str) -> None:
        super()._validate_outgoing(target, link_type, link_label)
        if link_type is LinkType.RETURN and not target.is_stored:
            raise LinkValidationError(
                f"a workflow can only return stored data (workflows do not create data): store node "
                f"{target.uuid} first"
            )


class WorkFunctionNode(
    FunctionNodeMixin, WorkflowNode, node_type="process.workflow.workfunction.WorkFunctionNode."
):
    """The run of a workfunction (a Python function recorded as a workflow)."""


class WorkChainNode(WorkflowNode, node_type="process.workflow.workchain.WorkChainNode."):
    """The run of a work chain."""

    _updatable_attributes: ClassVar[frozenset[str]] = ProcessNode._updatable_attributes | {
        "stepper_state_info"
    }
