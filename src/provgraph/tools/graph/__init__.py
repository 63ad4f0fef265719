"""The provenance graph as a whole: which nodes travel together when deleting or exporting.

:mod:`~provgraph.tools.graph.rules` holds aiida-core's traversal rulesets,
:mod:`~provgraph.tools.graph.traversal` expands a set of nodes along them.
"""

from __future__ import annotations

from provgraph.tools.graph.rules import (
    RULE_NAMES,
    AppliedRules,
    GraphTraversalRule,
    GraphTraversalRules,
    validate_traversal_rules,
)
from provgraph.tools.graph.traversal import (
    LinkQuadruple,
    TraverseGraphOutput,
    get_nodes_delete,
    get_nodes_export,
    traverse_graph,
)

__all__ = [
    "RULE_NAMES",
    "AppliedRules",
    "GraphTraversalRule",
    "GraphTraversalRules",
    "LinkQuadruple",
    "TraverseGraphOutput",
    "get_nodes_delete",
    "get_nodes_export",
    "traverse_graph",
    "validate_traversal_rules",
]
