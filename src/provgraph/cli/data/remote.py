"""``provgraph data core.remote show``: where a RemoteData's folder is (its computer and path).

verdi's ``ls``, ``cat`` and ``size`` read the remote folder through a transport; provgraph has no
transports, so only what the node records is shown.
"""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.data.common import data_arguments, load_data
from provgraph.cli.listing import OutputStyle, emit_rows, format_option

__all__ = ["remote"]


@click.group("core.remote", cls=ProvgraphGroup)
def remote() -> None:
    """Inspect RemoteData nodes (folders on a computer, outside the repository)."""


@remote.command("show")
@data_arguments
@format_option
@pass_provgraph
def show(ctx: ProvgraphContext, identifiers: tuple[str, ...], style: OutputStyle) -> None:
    """Show the computer and the folder of RemoteData nodes.

    \b
    Example:
      provgraph data core.remote show 88
    """
    from provgraph.orm import RemoteData

    nodes = load_data(ctx, identifiers, RemoteData)
    rows = []
    for node in nodes:
        computer = node.computer
        rows.append(
            (node.pk, computer.label if computer is not None else "", node.get_remote_path(), node.is_cleaned)
        )
    emit_rows(["pk", "computer", "remote_path", "cleaned"], rows, style)
