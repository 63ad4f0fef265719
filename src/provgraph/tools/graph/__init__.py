"""The provenance graph as a whole: which nodes travel together when deleting or exporting.

:mod:`~provgraph.tools.graph.rules` holds aiida-core's traversal rulesets,
:mod:`~provgraph.tools.graph.traversal` expands a set of nodes along them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provgraph.common.lazy import lazy_exports

if TYPE_CHECKING:
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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "AppliedRules": ("provgraph.tools.graph.rules", "AppliedRules"),
        "GraphTraversalRule": ("provgraph.tools.graph.rules", "GraphTraversalRule"),
        "GraphTraversalRules": ("provgraph.tools.graph.rules", "GraphTraversalRules"),
        "LinkQuadruple": ("provgraph.tools.graph.traversal", "LinkQuadruple"),
        "RULE_NAMES": ("provgraph.tools.graph.rules", "RULE_NAMES"),
        "TraverseGraphOutput": ("provgraph.tools.graph.traversal", "TraverseGraphOutput"),
        "get_nodes_delete": ("provgraph.tools.graph.traversal", "get_nodes_delete"),
        "get_nodes_export": ("provgraph.tools.graph.traversal", "get_nodes_export"),
        "traverse_graph": ("provgraph.tools.graph.traversal", "traverse_graph"),
        "validate_traversal_rules": ("provgraph.tools.graph.rules", "validate_traversal_rules"),
    },
    globals(),
)
