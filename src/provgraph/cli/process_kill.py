"""``provgraph process kill``: mark process nodes killed whose OS process died without saying so.

    provgraph process kill 42            # a workfunction whose Python process was SIGKILLed
    provgraph process kill --force 42    # even though its runner still seems to be alive
    provgraph process kill --all         # every stale process (asks first; --force does not)

PROCESS arguments take a pk, a UUID or a unique UUID prefix. This is the one implementation of
killing by hand (also what ``provgraph storage integrity`` points to); the work is done by
:func:`provgraph.tools.integrity.kill_processes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from provgraph.cli import prompts
from provgraph.cli.completion import complete_node_pks
from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.listing import plural
from provgraph.exceptions import InvalidOperation

if TYPE_CHECKING:
    from provgraph.storage.abstract import StorageBackend
    from provgraph.tools.integrity import KillResult

__all__ = ["kill"]

#: How :func:`kill_processes` says that a runner may still be alive (the case --force is for).
_MAY_BE_RUNNING = "may still be running"


@click.command("kill")
@click.argument("identifiers", metavar="PROCESS...", nargs=-1, shell_complete=complete_node_pks)
@click.option(
    "-a",
    "--all",
    "all_entries",
    is_flag=True,
    help="Kill every stale process (the ones `provgraph storage integrity` lists), after confirmation.",
)
@click.option(
    "-f",
    "--force",
    is_flag=True,
    help="Do not ask. For named processes also mark killed one whose runner may still be alive (on this "
    "host, on another host, or not recorded while other processes use the profile).",
)
@pass_provgraph
def kill(ctx: ProvgraphContext, identifiers: tuple[str, ...], all_entries: bool, force: bool) -> None:
    """Mark stale PROCESS nodes killed and seal them, with the active processes they called.

    For process nodes left created, waiting or running by a Python process that is gone
    (`provgraph storage integrity` lists them). This changes the graph only: it stops no
    operating-system process. Terminated processes are refused. A process whose runner may
    still be working is refused too, unless confirmed (on a terminal, or `echo y |`) or --force.

    \b
    Examples:
      provgraph process kill 42 43
      provgraph process kill --all --force      # in a script: no question
    """
    if identifiers and all_entries:
        raise click.BadOptionUsage("all_entries", "Give PROCESS arguments or -a/--all, not both.")
    if not identifiers and not all_entries:
        raise click.UsageError("Missing argument 'PROCESS...' (or pass -a/--all for every stale process).")
    storage = ctx.get_storage()
    result = _kill_all_stale(storage, force) if all_entries else _kill_named(storage, identifiers, force)
    if result is None:
        return
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    listed = ", ".join(str(pk) for pk in result.killed)
    click.echo(f"Killed {plural(len(result.killed), 'process', 'processes')}: pk {listed}")


def _kill_named(storage: StorageBackend, identifiers: tuple[str, ...], force: bool) -> KillResult:
    """Kill the named processes; one whose runner may be alive needs --force or a yes (typed or piped)."""
    from provgraph.orm.loaders import load_node
    from provgraph.tools.integrity import kill_processes

    pks = [pk for pk in (load_node(identifier, backend=storage).pk for identifier in identifiers) if pk]
    if force:
        return kill_processes(storage, pks, force=True)
    try:
        return kill_processes(storage, pks)
    except InvalidOperation as error:
        if _MAY_BE_RUNNING not in str(error):
            raise
        question = f"{str(error).partition('; pass --force')[0]}. Mark it killed anyway?"
        try:
            prompts.confirm_or_force(False, "Killing a process that may still be running", question)
        except click.UsageError:
            raise error from None  # nobody to ask: the reason, and that --force is the way
    return kill_processes(storage, pks, force=True)


def _kill_all_stale(storage: StorageBackend, force: bool) -> KillResult | None:
    """Kill every stale process after one confirmation; processes that may be alive are left alone."""
    from provgraph.tools.integrity import kill_processes
    from provgraph.tools.integrity.processes import find_stale_processes

    _, stale, notes = find_stale_processes(storage)
    for line in notes:
        click.echo(f"Note: {line[:1].upper()}{line[1:]}", err=True)
    if not stale:
        click.echo("No stale processes to kill.")
        return None
    pks = [found.pk for found in stale]
    listed = ", ".join(str(pk) for pk in pks[:20]) + (", ..." if len(pks) > 20 else "")
    what = plural(len(pks), "stale process", "stale processes")
    prompts.confirm_or_force(force, "Killing every stale process", f"Mark {what} killed (pk {listed})?")
    return kill_processes(storage, pks)
