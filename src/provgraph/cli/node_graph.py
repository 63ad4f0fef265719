"""``provgraph node graph``: a picture of the provenance around some nodes (verdi's ``node graph generate``).

The graph of every NODE, ``--ancestors`` links up and ``--descendants`` links down (all by
default), drawn by graphviz as SVG (default), PNG, PDF, or written as DOT text (no graphviz
program needed). A workflow is drawn with a frame around what it called (``--call-links``: with
its call links instead, as aiida-core draws it, which graphviz needs minutes to lay out for
hundreds of calls); ``--fold-workflows`` draws each as one box; ``--max-nodes`` refuses a
picture larger than that with the count, before any node is loaded.

    provgraph node graph 12 --ancestors 2 --descendants 0 -o result.svg
    provgraph node graph 12 --fold-workflows --format png -o overview.png
    provgraph node graph 12 --format dot | dot -Tpdf > graph.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from provgraph.cli.completion import complete_node_pks
from provgraph.cli.context import ProvgraphContext, pass_provgraph

if TYPE_CHECKING:
    from provgraph.tools.visualization import LinkAnnotateType

__all__ = ["node_graph"]

_FORMATS = (
    "svg",
    "png",
    "pdf",
    "dot",
)  # provgraph.tools.visualization.RENDER_FORMATS (not imported for --help)
_LINK_TYPES = ("create", "return", "input_calc", "input_work", "call_calc", "call_work")
_ANNOTATIONS: dict[str, LinkAnnotateType] = {"none": None, "label": "label", "type": "type", "both": "both"}


@click.command("graph")
@click.argument("identifiers", metavar="NODES...", nargs=-1, required=True, shell_complete=complete_node_pks)
@click.option(
    "-a",
    "--ancestors",
    type=click.IntRange(min=0),
    default=None,
    help="Links to follow upwards (inputs, creators, callers); 0 for none. Default: all.",
)
@click.option(
    "-d",
    "--descendants",
    type=click.IntRange(min=0),
    default=None,
    help="Links to follow downwards (outputs, calls); 0 for none. Default: all.",
)
@click.option(
    "--link-types",
    type=click.Choice(_LINK_TYPES),
    multiple=True,
    help="Follow only these link types (repeat the option). Default: all.",
)
@click.option(
    "--fold-workflows", is_flag=True, help="Draw each workflow as one box hiding its calls and their data."
)
@click.option(
    "--process-inputs/--no-process-inputs",
    default=True,
    show_default=True,
    help="Also draw the inputs of every process found downstream (verdi's --process-in).",
)
@click.option(
    "--call-links",
    is_flag=True,
    help="Draw a workflow's call links instead of a frame around what it called (slow to lay out "
    "for workflows of many calls).",
)
@click.option(
    "--annotate-links",
    type=click.Choice(list(_ANNOTATIONS)),
    default="both",
    show_default=True,
    help="What each link is labelled with.",
)
@click.option(
    "--max-nodes",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Refuse a picture of more nodes than this (a hint says how to make it smaller).",
)
@click.option(
    "-F",
    "--format",
    "output_format",
    type=click.Choice(_FORMATS),
    default="svg",
    show_default=True,
    help="svg, png and pdf need graphviz's dot program; dot (the graph as text) needs nothing.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write. Default: NODE.FORMAT in the current folder; '-' for standard output.",
)
@pass_provgraph
def node_graph(  # noqa: PLR0917 (one per option of the command)
    ctx: ProvgraphContext,
    identifiers: tuple[str, ...],
    ancestors: int | None,
    descendants: int | None,
    link_types: tuple[str, ...],
    fold_workflows: bool,
    process_inputs: bool,
    call_links: bool,
    annotate_links: str,
    max_nodes: int,
    output_format: str,
    output: Path | None,
) -> None:
    """Draw the provenance graph around NODES (pks or UUIDs).

    \b
    Examples:
      provgraph node graph 12 --ancestors 2 --descendants 0 -o result.svg
      provgraph node graph 12 --fold-workflows -F png -o overview.png
      provgraph node graph 12 -F dot -o - | dot -Tpdf > graph.pdf
    """
    if output is not None and str(output) != "-" and output.is_dir():
        raise click.BadParameter(
            f"{str(output)!r} is a folder; give a file name, or - for standard output",
            param_hint="'-o' / '--output'",
        )
    from provgraph.exceptions import InputValidationError
    from provgraph.orm.loaders import load_node
    from provgraph.tools.visualization import Graph, render

    storage = ctx.get_storage()
    origins = [load_node(identifier, backend=storage) for identifier in identifiers]
    graph = Graph(graph_attr={"rankdir": "TB"}, backend=storage)
    annotate = _ANNOTATIONS[annotate_links]
    types = list(link_types) or None
    hint = "lower --ancestors / --descendants, choose --link-types, or raise --max-nodes"
    try:
        for origin in origins:
            graph.add_node(origin)
            if ancestors != 0:
                graph.recurse_ancestors(origin, ancestors, types, annotate, max_nodes=max_nodes)
            if descendants != 0:
                graph.recurse_descendants(
                    origin,
                    descendants,
                    types,
                    annotate,
                    include_process_inputs=process_inputs,
                    max_nodes=max_nodes,
                )
    except InputValidationError as error:
        raise click.ClickException(f"{error}; {hint}") from error
    if len(graph.nodes) > max_nodes:
        raise click.ClickException(
            f"the picture holds {len(graph.nodes)} nodes, more than --max-nodes {max_nodes}; {hint}"
        )
    if fold_workflows:
        graph.fold_workflows()
    if not call_links:
        graph.cluster_workflows()
    picture = render(graph, output_format)
    if output is not None and str(output) == "-":
        sys.stdout.buffer.write(picture)
        sys.stdout.flush()
        return
    target = output or Path(f"{origins[0].pk}.{output_format}")
    target.write_bytes(picture)
    click.echo(f"Wrote {target} ({len(graph.nodes)} nodes, {len(graph.edges)} links).", err=True)
