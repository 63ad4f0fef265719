"""aiida-core's ``aiida.tools.graph.deletions`` path: deleting nodes with what the rules drag along.

The implementation is :mod:`provgraph.tools.delete`; this module only gives it aiida's name.
"""

from __future__ import annotations

from provgraph.tools.delete import delete_group_nodes, delete_nodes

__all__ = ["delete_group_nodes", "delete_nodes"]
