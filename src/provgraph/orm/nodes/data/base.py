"""aiida-core's module path ``aiida.orm.nodes.data.base``: ``BaseType`` and ``to_aiida_type``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.base import BaseType
from provgraph.orm.nodes.data.to_node import to_node

to_aiida_type = to_node  # aiida-core's name of provgraph's to_node

__all__ = ["BaseType", "to_aiida_type"]
