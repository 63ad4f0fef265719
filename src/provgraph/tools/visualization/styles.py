"""How a provenance picture looks: the style of each node and link, and the text in each node.

Every function maps one node (or one link) to graphviz attributes, so that a picture can be
restyled by passing other functions to :class:`~provgraph.tools.visualization.graph.Graph`
(aiida-core's names and signatures). The default styles tell the three kinds apart at a glance:
data are ellipses, calculations rectangles, workflows rectangles with rounded corners; a process
that failed, excepted or was killed gets a red fill, so that a failure shows in a large picture.

    >>> from provgraph.common.links import LinkType
    >>> from provgraph.orm.nodes.links import LinkPair
    >>> default_link_styles(LinkPair(LinkType.CREATE, "result"), add_label=True, add_type=True)["label"]
    'CREATE\\nresult'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Protocol

from provgraph.common.links import LinkType
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.links import LinkPair
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.process import ProcessNode

__all__ = [
    "FOLDED_WORKFLOW_STYLE",
    "IGNORED_NODE_STYLE",
    "ORIGIN_NODE_STYLE",
    "IdentifierType",
    "LinkStyleFunc",
    "default_link_styles",
    "default_node_styles",
    "default_node_sublabels",
    "node_id_label",
    "node_title",
    "pstate_node_styles",
]

IdentifierType = Literal["pk", "uuid", "label"]

_GREEN, _RED, _ORANGE, _BLUE, _GREY = "#8cd499", "#de707f", "#e38851", "#4ca4b9", "#d9d9d9"

ORIGIN_NODE_STYLE: dict[str, Any] = {"color": "red", "penwidth": 6}
"""Added to the node a recursion starts from."""

IGNORED_NODE_STYLE: dict[str, Any] = {"color": "lightgray", "fillcolor": "white", "penwidth": 2}
"""Added to nodes outside ``highlight_classes``."""

FOLDED_WORKFLOW_STYLE: dict[str, Any] = {
    "shape": "box3d",
    "style": "filled",
    "fillcolor": _ORANGE,
    "penwidth": 1,
}
"""A workflow drawn as one box with its internal calls and intermediate data folded in."""

_LINK_STYLES: dict[LinkType, dict[str, str]] = {
    LinkType.INPUT_CALC: {"style": "solid", "color": "#000000"},
    LinkType.INPUT_WORK: {"style": "dashed", "color": "#000000"},
    LinkType.CALL_CALC: {"style": "dotted", "color": "#000000"},
    LinkType.CALL_WORK: {"style": "dotted", "color": "#000000"},
    LinkType.CREATE: {"style": "solid", "color": "#000000"},
    LinkType.RETURN: {"style": "dashed", "color": "#000000"},
}


class LinkStyleFunc(Protocol):
    """The style of a link: ``(link_pair, add_label, add_type) -> graphviz attributes``."""

    def __call__(self, link_pair: LinkPair, add_label: bool, add_type: bool) -> dict[str, Any]: ...


def default_link_styles(link_pair: LinkPair, add_label: bool, add_type: bool) -> dict[str, Any]:
    """Solid for data flow (create, input_calc), dashed for a workflow's own (input_work,
    return), dotted for calls; the label shows the link's label, its type, or both."""
    style: dict[str, Any] = dict(_LINK_STYLES[LinkType(link_pair.link_type)])
    kind = LinkType(link_pair.link_type).name
    if add_label and add_type:
        style["label"] = f"{kind}\n{link_pair.link_label}"
    elif add_label:
        style["label"] = link_pair.link_label
    elif add_type:
        style["label"] = kind
    return style


_KIND_STYLES: dict[str, dict[str, Any]] = {
    "data": {"shape": "ellipse", "style": "filled", "fillcolor": _GREEN, "penwidth": 0},
    "code": {"shape": "ellipse", "style": "filled", "fillcolor": _BLUE, "penwidth": 0},
    "calculation": {"shape": "rectangle", "style": "filled", "fillcolor": _GREY, "penwidth": 0},
    "workflow": {"shape": "rectangle", "style": "filled,rounded", "fillcolor": _ORANGE, "penwidth": 0},
}


def node_kind(node: Node) -> str:
    """``data``, ``code``, ``calculation``, ``workflow`` (or ``process`` for another process)."""
    node_type = node.node_type
    if node_type.startswith("data.core.code."):
        return "code"
    if node_type.startswith("process.calculation."):
        return "calculation"
    if node_type.startswith("process.workflow."):
        return "workflow"
    return "process" if node_type.startswith("process.") else "data"


def _failed(node: Node) -> bool:
    return isinstance(node, ProcessNode) and (node.is_failed or node.is_excepted or node.is_killed)


def default_node_styles(node: Node) -> dict[str, Any]:
    """By kind (data ellipses, calculation rectangles, workflow rounded rectangles), red when failed."""
    style = dict(_KIND_STYLES.get(node_kind(node), _KIND_STYLES["calculation"]))
    if _failed(node):
        style["fillcolor"] = _RED
    return style


def pstate_node_styles(node: Node) -> dict[str, Any]:
    """Processes coloured by state: green finished ok, red failed / excepted / killed, orange
    still running; data as plain rectangles (aiida-core's alternative style)."""
    if not isinstance(node, ProcessNode):
        return {"shape": "rectangle", "pencolor": "black"}
    shape = {"shape": "polygon", "sides": "6"} if node_kind(node) == "workflow" else {"shape": "ellipse"}
    fill = _RED if _failed(node) else _GREEN if node.is_finished_ok else _ORANGE
    return {**shape, "style": "filled", "penwidth": 0, "fillcolor": fill}


_VALUE_TYPES = ("data.core.int.", "data.core.float.", "data.core.str.", "data.core.bool.")
_SHORT_VALUE = 40


def default_node_sublabels(node: Node) -> str:
    """The value of a small base type, a file's name, a process's state and exit status."""
    attributes = node.base.attributes
    if node.node_type.startswith(_VALUE_TYPES):
        text = str(attributes.get("value", ""))
        return text if len(text) <= _SHORT_VALUE else text[: _SHORT_VALUE - 3] + "..."
    if node.node_type.startswith("data.core.singlefile."):
        return str(attributes.get("filename", ""))
    if isinstance(node, ProcessNode):
        lines = []
        if node.process_state is not None:
            lines.append(f"State: {node.process_state.value}")
        if node.exit_status is not None:
            lines.append(f"Exit Code: {node.exit_status}")
        return "\n".join(lines)
    return ""


_IDENTIFIERS: dict[str, Callable[[Node], str]] = {
    "pk": lambda node: str(node.pk),
    "uuid": lambda node: node.uuid.split("-")[0],
    "label": lambda node: node.label,
}


def node_id_label(node: Node, id_type: IdentifierType | list[IdentifierType] = "pk") -> str:
    """The node's identifiers joined with ``|`` (``pk``, the first block of the uuid, ``label``)."""
    kinds = id_type if isinstance(id_type, list | tuple) else [id_type]
    unknown = [kind for kind in kinds if kind not in _IDENTIFIERS]
    if unknown:
        raise ValueError(f"{unknown[0]!r} is not a valid node_id_type; choose from pk, uuid, label")
    return "|".join(_IDENTIFIERS[kind](node) for kind in kinds)


def node_title(node: Node, id_type: IdentifierType | list[IdentifierType] = "pk") -> str:
    """The first line of a node's text: its class (a process: its process label) and identifier."""
    if isinstance(node, ProcessNode) and node.process_label:
        name = node.process_label
    elif isinstance(node, Data | ProcessNode):
        name = type(node).__name__
    else:
        raise TypeError(f"cannot draw {type(node).__name__}: a provenance graph holds data and processes")
    return f"{name} ({node_id_label(node, id_type)})"
