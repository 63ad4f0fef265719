"""``ProcessNode``: the record of a process run; not storable itself (use a concrete subclass).

Only what the graph core needs is here (node_type strings, link rules, the attributes that stay
updatable while a process runs); the process behaviour (states, sealing) comes with the engine.
"""

from __future__ import annotations

from typing import ClassVar

from provgraph.exceptions import LinkValidationError
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node

__all__ = ["ProcessNode"]


class ProcessNode(Node, node_type="process.ProcessNode."):
    """A process run: its inputs come in before it is stored, its outputs go out afterwards."""

    _unstorable_message: ClassVar[str] = "store a CalculationNode or WorkflowNode subclass instead"
    _updatable_attributes: ClassVar[frozenset[str]] = frozenset(
        {
            "sealed",
            "paused",
            "checkpoints",
            "exception",
            "exit_message",
            "exit_status",
            "process_label",
            "process_state",
            "process_status",
        }
    )

    def _validate_incoming(self, source: Node, link_type: LinkType, link_label: str) -> None:
        if self.is_stored:
            raise LinkValidationError(
                f"cannot add a {getattr(link_type, 'value', link_type)} link into stored process node "
                f"pk={self.pk}: the inputs of a process are attached before it is stored"
            )
        super()._validate_incoming(source, link_type, link_label)
