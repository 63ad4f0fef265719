"""``provgraph node label`` and ``provgraph node description``: read or set a field of several nodes.

Both follow ``verdi node label|description``: without a new value they list the field per node
(``-r/--raw``: the values alone, one per line, for scripts); with ``-L/--label LABEL`` (or
``-D/--description TEXT``) they set it on every NODE after a confirmation (``-f/--force`` skips it;
without a terminal ``--force`` is required). ``--set`` is another name for the value option.

    provgraph node label 12 13 -L relaxed -f
    provgraph node description 12 --raw
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.completion import complete_node_pks
from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, plural
from provgraph.cli.prompts import confirm_or_force

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["node_description", "node_label"]


def _nodes_argument(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.argument(
        "identifiers", metavar="NODES...", nargs=-1, required=True, shell_complete=complete_node_pks
    )(command)


def _raw_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("-r", "--raw", is_flag=True, help=f"Print only the {what}, one per line, no header.")


_FORCE = click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")


def _load_all(ctx: ProvgraphContext, identifiers: tuple[str, ...]) -> list[Node]:
    """Every NODE, each loaded once (a node named twice, by pk and by uuid, counts once)."""
    from provgraph.orm.loaders import load_node

    storage = ctx.get_storage()
    found: dict[int | None, Node] = {}
    for identifier in identifiers:
        item = load_node(identifier, backend=storage)
        found.setdefault(item.pk, item)
    return list(found.values())


def _show_or_set(
    field: str, *, nodes: list[Node], value: str | None, raw: bool, force: bool, style: OutputStyle
) -> None:
    if value is None:
        if raw:
            for item in nodes:
                click.echo(getattr(item, field))
            return
        emit_rows(["pk", field], ((item.pk, getattr(item, field)) for item in nodes), style)
        return
    what = plural(len(nodes), "node")
    confirm_or_force(force, f"Setting the {field} of nodes", f"Set the {field} of {what} to {value!r}?")
    for item in nodes:
        setattr(item, field, value)
    click.echo(f"Set the {field} of {what} to {value!r}.")


@click.command("label")
@_nodes_argument
@click.option(
    "-L",
    "--label",
    "--set",
    "label",
    metavar="LABEL",
    default=None,
    help="Set LABEL as the label of all NODES.",
)
@_raw_option("labels")
@_FORCE
@format_option
@pass_provgraph
def node_label(
    ctx: ProvgraphContext,
    *,
    identifiers: tuple[str, ...],
    label: str | None,
    raw: bool,
    force: bool,
    style: OutputStyle,
) -> None:
    """Show the labels of NODES, or set one label on all of them with -L.

    \b
    Example:
      provgraph node label 12 13              # pk and label of each
      provgraph node label 12 13 -L relaxed -f
    """
    _show_or_set("label", nodes=_load_all(ctx, identifiers), value=label, raw=raw, force=force, style=style)


@click.command("description")
@_nodes_argument
@click.option(
    "-D",
    "--description",
    "--set",
    "description",
    metavar="DESCRIPTION",
    default=None,
    help="Set DESCRIPTION as the description of all NODES.",
)
@_raw_option("descriptions")
@_FORCE
@format_option
@pass_provgraph
def node_description(
    ctx: ProvgraphContext,
    *,
    identifiers: tuple[str, ...],
    description: str | None,
    raw: bool,
    force: bool,
    style: OutputStyle,
) -> None:
    """Show the descriptions of NODES, or set one description on all of them with -D.

    \b
    Example:
      provgraph node description 12 --raw
      provgraph node description 12 13 -D "converged at 40 Ry" -f
    """
    _show_or_set(
        "description", nodes=_load_all(ctx, identifiers), value=description, raw=raw, force=force, style=style
    )
