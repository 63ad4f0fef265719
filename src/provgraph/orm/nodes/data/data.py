"""``Data``: the base of every node that holds a value (inputs and outputs of processes)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, ClassVar, cast
from uuid import uuid4

from provgraph.orm.json import copy_value
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node

if TYPE_CHECKING:
    from typing_extensions import Self

    from provgraph.orm.nodes.process.calculation import CalculationNode

__all__ = ["Data"]


class Data(Node, node_type="data.Data."):
    """A node holding data; storable as it is, and the parent of the data types (Int, Dict, ...)."""

    _storable: ClassVar[bool] = True

    @property
    def creator(self) -> CalculationNode | None:
        """The calculation that created this node (its incoming CREATE link), or None."""
        triple = self.base.links.get_incoming(link_type=LinkType.CREATE).first()
        return None if triple is None else cast("CalculationNode", triple.node)

    def clone(self) -> Self:
        """An unstored copy with the same attributes, files, label and description (as AiiDA).

        Extras and links are not copied: the clone is a new node with no history.
        """
        clone = type(self)._from_row(self._backend, dict(self._row))
        now = datetime.now(timezone.utc)
        clone._row = {
            **{key: value for key, value in self._row.items() if key != "id"},
            "uuid": str(uuid4()),
            "ctime": now,
            "mtime": now,
            "attributes": copy_value(self._row["attributes"] or {}),
            "extras": {},
            "repository_metadata": {},
        }
        if self.repository_metadata or self._repository_state is not None:
            clone.base.repository._clone(self.base.repository)
        return clone
