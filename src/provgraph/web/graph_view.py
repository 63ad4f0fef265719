"""The graph around a node as inline SVG whose nodes link to their pages (graphviz's URL attribute)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException

from provgraph.exceptions import InputValidationError, InvalidOperation
from provgraph.orm import Node
from provgraph.storage.abstract import StorageBackend
from provgraph.tools.visualization import Graph, default_node_styles, render

__all__ = ["MAX_DEPTH", "MAX_NODES", "GraphRequest", "draw_graph", "parse_graph_request"]

MAX_NODES = 500
MAX_DEPTH = 50
_XML_PROLOGUE = re.compile(r"^\s*<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.DOTALL)


@dataclass(frozen=True, slots=True)
class GraphRequest:
    """The checked controls of ``/node/<id>/graph``."""

    ancestors: int = 1
    descendants: int = 1
    fold: bool = False


def parse_graph_request(params: Mapping[str, str]) -> GraphRequest:
    """``ancestors`` and ``descendants`` (0 to 50, default 1) and ``fold`` (1 or absent)."""
    depths = {}
    for name in ("ancestors", "descendants"):
        raw = params.get(name, "1").strip() or "1"
        if not raw.isdigit() or int(raw) > MAX_DEPTH:
            raise HTTPException(400, f"{name} must be a whole number from 0 to {MAX_DEPTH}, not {raw!r}.")
        depths[name] = int(raw)
    fold = params.get("fold", "").strip()
    if fold not in {"", "0", "1"}:
        raise HTTPException(400, f"fold must be 1 (fold workflows) or 0, not {fold!r}.")
    return GraphRequest(depths["ancestors"], depths["descendants"], fold == "1")


def _linked_styles(node: Node) -> dict[str, Any]:
    """The default style plus a link to the node's page (graphviz writes it as an SVG ``<a>``)."""
    return {**default_node_styles(node), "URL": f"/node/{node.pk}", "target": "_top"}


def draw_graph(storage: StorageBackend, node: Node, request: GraphRequest) -> dict[str, Any]:
    """``{"svg": markup or None, "dot": text or None, "error": sentence or None, "nodes": n}``.

    Past :data:`MAX_NODES` nothing is drawn and ``error`` says so; without graphviz's ``dot``
    program the DOT text is returned with the reason.
    """
    graph = Graph(graph_attr={"rankdir": "TB"}, node_style_fn=_linked_styles, backend=storage)
    graph.add_node(node)
    try:
        if request.ancestors:
            graph.recurse_ancestors(node, request.ancestors, max_nodes=MAX_NODES)
        if request.descendants:
            graph.recurse_descendants(
                node, request.descendants, include_process_inputs=True, max_nodes=MAX_NODES
            )
    except InputValidationError as error:
        return _refused(f"The graph is too large to draw ({error}); choose smaller depths.")
    if len(graph.nodes) > MAX_NODES:
        return _refused(
            f"The graph holds {len(graph.nodes)} nodes, more than {MAX_NODES}; choose smaller depths."
        )
    if request.fold:
        graph.fold_workflows()
    graph.cluster_workflows()  # frames, not call links: a 200-call workflow in 0.2 s, not minutes
    try:
        svg = render(graph, "svg").decode("utf-8")
    except InvalidOperation as error:
        dot = render(graph, "dot").decode("utf-8")
        return {"svg": None, "dot": dot, "error": f"No picture: {error}.", "nodes": len(graph.nodes)}
    return {"svg": _XML_PROLOGUE.sub("", svg), "dot": None, "error": None, "nodes": len(graph.nodes)}


def _refused(sentence: str) -> dict[str, Any]:
    return {"svg": None, "dot": None, "error": sentence, "nodes": None}
