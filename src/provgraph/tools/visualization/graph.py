"""Pictures of the provenance graph: aiida-core's ``Graph`` over provgraph's storage, plus folding.

A :class:`Graph` collects nodes and links (one at a time, a node's neighbours, or everything
within some depth up or down), remembers them, and draws them as a ``graphviz.Digraph`` on
demand. Recursions ask the storage for the whole neighbourhood at once
(``StorageBackend.walk_links``: a recursive query, then one read of the links) and load every
node it names in one more query, so a picture of thousands of nodes costs a handful of queries.

Beyond aiida-core: :meth:`Graph.fold_workflows` draws each workflow as one box that hides its
internal calls and the intermediate data they made, keeping the workflow's inputs, its returned
outputs and every link between the box and the rest of the picture; and ``max_nodes`` refuses a
recursion that would draw more nodes than anyone can read, saying how many it found.

    >>> from provgraph.tools.visualization import Graph
    >>> graph = Graph(graph_attr={"rankdir": "LR"})               # doctest: +SKIP
    >>> graph.recurse_ancestors(result.pk, depth=2, annotate_links="both")  # doctest: +SKIP
    >>> graph.fold_workflows()                                    # doctest: +SKIP
    >>> graph.graphviz.render("provenance", format="svg")         # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from provgraph.common.links import LinkType
from provgraph.exceptions import InputValidationError, NotExistent
from provgraph.orm.nodes.links import LinkPair
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.tools.visualization.styles import (
    FOLDED_WORKFLOW_STYLE,
    IGNORED_NODE_STYLE,
    ORIGIN_NODE_STYLE,
    IdentifierType,
    LinkStyleFunc,
    default_link_styles,
    default_node_styles,
    default_node_sublabels,
    node_kind,
    node_title,
)

if TYPE_CHECKING:
    from graphviz import Digraph

    from provgraph.storage.abstract import StorageBackend

__all__ = ["Graph", "LinkAnnotateType"]

LinkAnnotateType = Literal[None, False, "label", "type", "both"]
NodeLike = int | str | Node
LinkTypes = str | LinkType | Sequence[str] | Sequence[LinkType] | None

_ALL_LINK_TYPES = (
    LinkType.CREATE,
    LinkType.RETURN,
    LinkType.INPUT_CALC,
    LinkType.INPUT_WORK,
    LinkType.CALL_CALC,
    LinkType.CALL_WORK,
)
_CALLS = [LinkType.CALL_CALC.value, LinkType.CALL_WORK.value]
_CALL_TYPES = (LinkType.CALL_CALC, LinkType.CALL_WORK)


@dataclass(frozen=True)
class _Fold:
    """A workflow drawn as one box: the nodes it hides, what it returns, how many calls it holds."""

    hidden: frozenset[int]
    returned: frozenset[int]
    calls: int


class Graph:
    """A picture of part of the provenance graph, drawn with graphviz (aiida-core's API)."""

    def __init__(  # noqa: PLR0917 (aiida-core's signature: scripts pass these by position)
        self,
        engine: str | None = None,
        graph_attr: dict[str, Any] | None = None,
        global_node_style: dict[str, Any] | None = None,
        global_edge_style: dict[str, Any] | None = None,
        include_sublabels: bool = True,
        link_style_fn: LinkStyleFunc | None = None,
        node_style_fn: Callable[[Node], dict[str, Any]] | None = None,
        node_sublabel_fn: Callable[[Node], str] | None = None,
        node_id_type: IdentifierType | list[IdentifierType] = "pk",
        backend: StorageBackend | None = None,
    ) -> None:
        self._engine = engine
        self._graph_attr = dict(graph_attr or {})
        self._global_node_style = dict(global_node_style or {})
        self._global_edge_style = dict(global_edge_style or {})
        self._include_sublabels = include_sublabels
        self._link_styles: LinkStyleFunc = link_style_fn or default_link_styles
        self._node_styles = node_style_fn or default_node_styles
        self._node_sublabels = node_sublabel_fn or default_node_sublabels
        self._node_id_type = node_id_type
        self._backend = backend if backend is not None else QueryBuilder().backend
        self._nodes: dict[int, Node] = {}
        self._node_overrides: dict[int, dict[str, Any]] = {}
        self._edges: dict[tuple[int, int, LinkPair | None], dict[str, Any]] = {}
        self._folds: dict[int, _Fold] = {}
        self._inside_cache: dict[int, _Fold] | None = None
        self._clustered = False

    # -- what the picture holds -------------------------------------------------------------------

    @property
    def backend(self) -> StorageBackend:
        """The storage the nodes come from."""
        return self._backend

    @property
    def nodes(self) -> set[int]:
        """The pks of the nodes added (folded ones included)."""
        return set(self._nodes)

    @property
    def edges(self) -> set[tuple[int, int, LinkPair | None]]:
        """The edges added, as ``(input pk, output pk, LinkPair or None)``."""
        return set(self._edges)

    @property
    def graphviz(self) -> Digraph:
        """A new ``graphviz.Digraph`` of the picture as it is now (folds applied)."""
        from graphviz import Digraph

        digraph = Digraph(engine=self._engine, graph_attr={k: str(v) for k, v in self._graph_attr.items()})
        box_of = {pk: workflow for workflow, fold in self._folds.items() for pk in fold.hidden}
        frames = self._frames(box_of)
        frame_of = {pk: frame for frame, members in frames.items() for pk in members}
        self._draw_frame(digraph, None, frames, box_of)
        direct = {(source, target) for source, target, _ in self._edges}
        drawn: set[tuple[int, int, str, str]] = set()
        for (source, target, link_pair), style in self._edges.items():
            start, end = box_of.get(source, source), box_of.get(target, target)
            if start == end:
                continue  # inside one folded workflow
            if (start, end) != (source, target) and (
                (start, end) in direct  # the workflow's own link says it already (returned, given)
                or (end in self._folds and start in self._folds[end].returned)  # its output used inside
            ):
                continue
            if link_pair is not None and link_pair.link_type in _CALL_TYPES and frame_of.get(end) == start:
                continue  # the frame shows the call
            key = (start, end, *(link_pair or ("", "")))
            if key in drawn:
                continue
            drawn.add(key)
            digraph.edge(f"N{start}", f"N{end}", **{k: str(v) for k, v in style.items()})
        return digraph

    def _frames(self, box_of: dict[int, int]) -> dict[int | None, list[int]]:
        """The nodes drawn directly in each frame: a workflow's pk, or None for the picture itself.

        Without :meth:`cluster_workflows` everything is in the picture itself. With it, a drawn
        node goes into the innermost workflow frame whose inside holds it (a workflow itself into
        the frame it is inside of, as its own frame's parent).
        """
        drawn = [pk for pk in self._nodes if pk not in box_of]
        if not self._clustered:
            return {None: drawn}
        insides = {
            pk: fold for pk, fold in self._insides().items() if pk not in self._folds and pk not in box_of
        }
        frames: dict[int | None, list[int]] = {None: []}
        for pk in drawn:
            holders = [workflow for workflow, fold in insides.items() if pk in fold.hidden]
            innermost = min(holders, key=lambda workflow: len(insides[workflow].hidden), default=None)
            frames.setdefault(innermost, []).append(pk)
        return frames

    def _draw_frame(
        self, target: Digraph, frame: int | None, frames: dict[int | None, list[int]], box_of: dict[int, int]
    ) -> None:
        """Draw the nodes of ``frame`` into ``target``; a workflow with a frame is drawn inside it."""
        for pk in frames.get(frame, []):
            attributes = self._node_attributes(self._nodes[pk])
            if not frames.get(pk):
                target.node(f"N{pk}", **attributes)
                continue
            with target.subgraph(name=f"cluster_{pk}") as inner:
                inner.attr(style="rounded,dashed", color="#e38851", label="", penwidth="1.5")
                inner.node(f"N{pk}", **attributes)
                self._draw_frame(inner, pk, frames, box_of)

    def _node_attributes(self, node: Node) -> dict[str, str]:
        assert node.pk is not None
        style = dict(self._node_styles(node))
        lines = [node_title(node, self._node_id_type)]
        fold = self._folds.get(node.pk)
        if self._include_sublabels:
            sublabel = self._node_sublabels(node)
            if sublabel:
                lines.append(sublabel)
        if fold is not None:
            style.update(FOLDED_WORKFLOW_STYLE)
            lines.append(f"{fold.calls} call{'s' if fold.calls != 1 else ''} folded")
        style["label"] = "\n".join(lines)
        style.update(self._node_overrides.get(node.pk, {}))
        return {key: str(value) for key, value in style.items()}

    # -- adding nodes and edges ---------------------------------------------------------------------

    def _load_nodes(self, pks: Iterable[int]) -> dict[int, Node]:
        """The nodes of ``pks`` (those not loaded yet in one query); ``NotExistent`` for a missing one."""
        wanted = set(pks)
        missing = sorted(wanted - set(self._nodes))
        loaded = {pk: self._nodes[pk] for pk in wanted if pk in self._nodes}
        if missing:
            query = QueryBuilder(backend=self._backend).append(
                Node, filters={"id": {"in": missing}}, project=["id", "*"]
            )
            loaded.update({int(pk): node for pk, node in query.iterall()})
        absent = sorted(wanted - set(loaded))
        if absent:
            raise NotExistent(f"no node with pk {absent[0]}")
        return loaded

    def _load_node(self, node: NodeLike) -> Node:
        if isinstance(node, Node):
            return node
        if isinstance(node, bool) or not isinstance(node, int | str):
            raise InputValidationError(f"a node is given as a Node, a pk or a UUID, not {node!r}")
        key = "id" if isinstance(node, int) else "uuid"
        found = QueryBuilder(backend=self._backend).append(Node, filters={key: node}).first(flat=True)
        if found is None:
            raise NotExistent(f"no node with {'pk' if key == 'id' else 'UUID'} {node}")
        return found  # type: ignore[no-any-return]

    def add_node(
        self, node: NodeLike, style_override: dict[str, Any] | None = None, overwrite: bool = False
    ) -> Node:
        """Add one node (a Node, pk or UUID); ``style_override`` wins over the computed style."""
        loaded = self._load_node(node)
        if loaded.pk is None:
            raise InputValidationError("only stored nodes can be drawn")
        if loaded.pk not in self._nodes or overwrite:
            self._inside_cache = None if loaded.pk not in self._nodes else self._inside_cache
            self._nodes[loaded.pk] = loaded
            self._node_overrides[loaded.pk] = {**(style_override or {}), **self._global_node_style}
        return loaded

    def add_edge(
        self,
        in_node: NodeLike,
        out_node: NodeLike,
        link_pair: LinkPair | None = None,
        style: dict[str, Any] | None = None,
        overwrite: bool = False,
    ) -> None:
        """Add an edge between two nodes already added (``AssertionError`` otherwise, as aiida-core)."""
        source, target = self._load_node(in_node).pk, self._load_node(out_node).pk
        for end, pk in (("in_node", source), ("out_node", target)):
            if pk not in self._nodes:
                raise AssertionError(f"{end} pk={pk} must have already been added to the graph")
        assert source is not None
        assert target is not None
        key = (source, target, link_pair)
        if key not in self._edges or overwrite:
            self._edges[key] = {**(style or {}), **self._global_edge_style}

    def add_incoming(
        self,
        node: NodeLike,
        link_types: LinkTypes = None,
        annotate_links: LinkAnnotateType = None,
        return_pks: bool = True,
    ) -> list[int] | list[Node]:
        """Add the node's direct inputs along ``link_types`` (all by default) and their links."""
        return self._add_neighbours(node, link_types, annotate_links, return_pks, backward=True)

    def add_outgoing(
        self,
        node: NodeLike,
        link_types: LinkTypes = None,
        annotate_links: LinkAnnotateType = None,
        return_pks: bool = True,
    ) -> list[int] | list[Node]:
        """Add the node's direct outputs along ``link_types`` (all by default) and their links."""
        return self._add_neighbours(node, link_types, annotate_links, return_pks, backward=False)

    def _add_neighbours(
        self,
        node: NodeLike,
        link_types: LinkTypes,
        annotate: LinkAnnotateType,
        return_pks: bool,
        backward: bool,
    ) -> list[int] | list[Node]:
        _check_annotation(annotate)
        origin = self.add_node(node)
        assert origin.pk is not None
        walk = self._backend.walk_links(
            [origin.pk], _link_type_values(link_types), backward=backward, depth=1
        )
        found = self._load_nodes(walk.distances)
        for neighbour in found.values():
            self.add_node(neighbour)
        self._add_links(walk.links, annotate)
        return list(found) if return_pks else list(found.values())

    def recurse_descendants(  # noqa: PLR0917 (aiida-core's signature)
        self,
        origin: NodeLike,
        depth: int | None = None,
        link_types: LinkTypes = None,
        annotate_links: LinkAnnotateType = None,
        origin_style: dict[str, Any] | None = None,
        include_process_inputs: bool = False,
        highlight_classes: Sequence[str] | None = None,
        max_nodes: int | None = None,
    ) -> None:
        """Add everything ``depth`` links (all) downstream of ``origin``, with the links followed.

        ``include_process_inputs`` also adds the inputs of every process reached;
        ``highlight_classes`` greys out nodes whose class is not named; more than ``max_nodes``
        nodes is refused (``InputValidationError`` with the count; draw less: a smaller depth,
        fewer link types) before any is loaded.
        """
        extra = [LinkType.INPUT_CALC.value, LinkType.INPUT_WORK.value] if include_process_inputs else []
        self._recurse(
            origin,
            depth,
            link_types,
            annotate_links,
            origin_style,
            highlight_classes,
            max_nodes,
            False,
            extra,
        )

    def recurse_ancestors(  # noqa: PLR0917 (aiida-core's signature)
        self,
        origin: NodeLike,
        depth: int | None = None,
        link_types: LinkTypes = None,
        annotate_links: LinkAnnotateType = None,
        origin_style: dict[str, Any] | None = None,
        include_process_outputs: bool = False,
        highlight_classes: Sequence[str] | None = None,
        max_nodes: int | None = None,
    ) -> None:
        """Add everything ``depth`` links (all) upstream of ``origin``, with the links followed.

        ``include_process_outputs`` also adds the outputs (create, return) of every node
        reached; otherwise as :meth:`recurse_descendants`.
        """
        extra = [LinkType.CREATE.value, LinkType.RETURN.value] if include_process_outputs else []
        self._recurse(
            origin, depth, link_types, annotate_links, origin_style, highlight_classes, max_nodes, True, extra
        )

    def _recurse(  # noqa: PLR0917 (the public methods' parameters, passed on)
        self,
        origin: NodeLike,
        depth: int | None,
        link_types: LinkTypes,
        annotate: LinkAnnotateType,
        origin_style: dict[str, Any] | None,
        highlight_classes: Sequence[str] | None,
        max_nodes: int | None,
        backward: bool,
        extra_types: list[str],
    ) -> None:
        _check_annotation(annotate)
        start = self._load_node(origin)
        assert start.pk is not None
        walk = self._backend.walk_links(
            [start.pk], _link_type_values(link_types), backward=backward, depth=depth, limit=max_nodes
        )
        reached = set(walk.distances) | {start.pk}
        links = list(walk.links)
        if not walk.exceeded and extra_types:
            around = self._backend.walk_links(sorted(reached), extra_types, backward=not backward, depth=1)
            reached |= set(around.distances)
            links += around.links
        if walk.exceeded or (max_nodes is not None and len(reached) > max_nodes):
            raise InputValidationError(
                f"the graph {'upstream' if backward else 'downstream'} of node {start.pk} has more than "
                f"{max_nodes} nodes ({len(reached)}{'+' if walk.exceeded else ''} found)"
            )
        found = self._load_nodes(reached)
        self.add_node(found[start.pk], style_override=origin_style or ORIGIN_NODE_STYLE)
        for pk, node in found.items():
            if pk == start.pk:
                continue
            ignored = highlight_classes and node_title(node).split()[0] not in highlight_classes
            self.add_node(node, style_override=IGNORED_NODE_STYLE if ignored else None)
        self._add_links(links, annotate)

    def _add_links(self, links: Iterable[tuple[int, int, str, str]], annotate: LinkAnnotateType) -> None:
        for source, target, kind, label in links:
            if source not in self._nodes or target not in self._nodes:
                continue  # an extra link type reached a node outside the picture's walk
            pair = LinkPair(LinkType(kind), label)
            style = self._link_styles(
                pair, add_label=annotate in ("label", "both"), add_type=annotate in ("type", "both")
            )
            self.add_edge(self._nodes[source], self._nodes[target], pair, style=style)

    # -- folding ----------------------------------------------------------------------------------------

    def _insides(self) -> dict[int, _Fold]:
        """Every workflow of the picture with its inside (see :meth:`fold_workflows`); cached."""
        if self._inside_cache is not None:
            return self._inside_cache
        insides: dict[int, _Fold] = {}
        for pk in sorted(pk for pk, node in self._nodes.items() if node_kind(node) == "workflow"):
            processes = set(self._backend.walk_links([pk], _CALLS, backward=False).distances)
            created = self._backend.walk_links(
                sorted(processes), [LinkType.CREATE.value], backward=False, depth=1
            )
            returned = self._backend.walk_links([pk], [LinkType.RETURN.value], backward=False, depth=1)
            outputs = frozenset(returned.distances)
            hidden = (processes | set(created.distances)) - outputs - {pk}
            insides[pk] = _Fold(frozenset(hidden), outputs, len(processes))
        self._inside_cache = insides
        return insides

    def fold_workflows(self) -> list[int]:
        """Draw every outermost workflow in the picture as one box; returns their pks.

        A workflow's inside is every process it calls (at any depth) and the data those create,
        except what the workflow returns. Inside nodes already in the picture disappear into the
        box; their links to the outside are drawn to and from the box (once per link label) unless
        the workflow's own link between the same nodes says it already, and links inside the box
        (also from a returned output to an inside call) are not drawn. Three walks per workflow.
        """
        insides = self._insides()
        nested = set().union(*(fold.hidden for fold in insides.values())) if insides else set()
        outermost = [pk for pk in insides if pk not in nested]
        for pk in outermost:
            self._folds[pk] = insides[pk]
        return outermost

    def cluster_workflows(self) -> list[int]:
        """Draw every workflow that is not folded as a frame around its inside; returns their pks.

        The frame (a graphviz cluster, nested for nested workflows) shows what a workflow called
        instead of its call links, which are then not drawn: a workflow of 200 calls has 200
        call links reaching across the whole picture, and laying those out takes graphviz's dot
        minutes (more than 300 s for a 200-step chain), the frame a fraction of a second.
        """
        self._clustered = True
        return [pk for pk in self._insides() if pk not in self._folds]

    @property
    def folded(self) -> dict[int, frozenset[int]]:
        """Each folded workflow's pk and the pks its box hides."""
        return {pk: fold.hidden for pk, fold in self._folds.items()}


def _check_annotation(annotate: object) -> None:
    if annotate not in (None, False, "label", "type", "both"):
        raise ValueError(f'annotate_links must be one of False, "label", "type" or "both", not {annotate!r}')


def _link_type_values(link_types: LinkTypes) -> list[str]:
    """Link types as their stored values; every type when none are given."""
    if not link_types:
        return [kind.value for kind in _ALL_LINK_TYPES]
    given = [link_types] if isinstance(link_types, str | LinkType) else list(link_types)
    values: list[str] = []
    for kind in given:
        if isinstance(kind, LinkType):
            values.append(kind.value)
            continue
        name = str(kind).lower()
        if name not in {member.value for member in LinkType}:
            raise InputValidationError(
                f"unknown link type {kind!r}; use {', '.join(member.value for member in LinkType)}"
            )
        values.append(name)
    return values
