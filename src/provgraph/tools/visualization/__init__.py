"""Pictures of the provenance graph (aiida-core's ``aiida.tools.visualization``).

>>> from provgraph.tools.visualization import Graph
>>> graph = Graph()                                 # doctest: +SKIP
>>> graph.recurse_descendants(node.pk, depth=3)    # doctest: +SKIP
>>> print(graph.graphviz.source)                   # doctest: +SKIP
"""

from __future__ import annotations

from provgraph.tools.visualization.graph import Graph, LinkAnnotateType
from provgraph.tools.visualization.render import RENDER_FORMATS, render
from provgraph.tools.visualization.styles import (
    default_link_styles,
    default_node_styles,
    default_node_sublabels,
    pstate_node_styles,
)

__all__ = [
    "RENDER_FORMATS",
    "Graph",
    "LinkAnnotateType",
    "default_link_styles",
    "default_node_styles",
    "default_node_sublabels",
    "pstate_node_styles",
    "render",
]
