"""``provgraph process kill``: mark process nodes killed whose OS process died without saying so.

    provgraph process kill 42            # a workfunction whose Python process was SIGKILLed
    provgraph process kill --force 42    # even though its runner still seems to be alive

PROCESS arguments take a pk, a UUID or a unique UUID prefix.
"""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph

__all__ = ["kill"]


@click.command("kill")
@click.argument("identifiers", metavar="PROCESS...", nargs=-1, required=True)
@click.option(
    "-f",
    "--force",
    is_flag=True,
    help="Also mark killed a process whose runner may still be alive (on this host, on another "
    "host, or not recorded while other processes use the profile).",
)
@pass_provgraph
def kill(ctx: ProvgraphContext, identifiers: tuple[str, ...], force: bool) -> None:
    """Mark stale PROCESS nodes killed and seal them, with the active processes they called.

    For process nodes left created, waiting or running by a Python process that is gone
    (`provgraph storage integrity` lists them). This changes the graph only: it stops no
    operating-system process. Refuses terminated processes, and without --force processes
    whose runner may still be working.
    """
    from provgraph.orm.loaders import load_node
    from provgraph.tools.integrity import kill_processes

    storage = ctx.get_storage()
    pks = [load_node(identifier, backend=storage).pk for identifier in identifiers]
    result = kill_processes(storage, [pk for pk in pks if pk is not None], force=force)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    listed = ", ".join(str(pk) for pk in result.killed)
    click.echo(f"Killed {len(result.killed)} process{'es' if len(result.killed) != 1 else ''}: pk {listed}")
