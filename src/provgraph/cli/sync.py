"""``provgraph sync push|pull OTHER``: send to another profile (or fetch from it) what it lacks.

    provgraph sync push group-server            # everything new on this profile goes to the server
    provgraph sync pull group-server -G relax   # the server's group "relax" and its provenance
    provgraph sync push group-server --dry-run  # what would move: nodes, files, bytes

The rules are archive import's (entities matched by UUID, extras and comments merged by the same
modes, AiiDA's link rules checked), the selection archive create's (``-N/-G`` with the traversal
flags). A cursor kept by both profiles makes the next sync read only what changed; a killed sync
resumes where it stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.completion import complete_profile_names
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.selection import entity_options, load_entities

if TYPE_CHECKING:
    from provgraph.tools.sync import SyncSummary

__all__ = ["sync"]

_EXTRAS_MODES = ("keep_existing", "update_existing", "mirror", "none")
_COMMENT_MODES = ("leave", "newest", "overwrite")


@click.group(cls=ProvgraphGroup)
def sync() -> None:
    """Sync with another profile: push what it lacks, or pull what this one lacks."""


def _sync_options(direction: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
            click.argument("other", metavar="OTHER_PROFILE", shell_complete=complete_profile_names),
            entity_options(direction, all_help="Everything (the default when nothing is chosen)."),
            click.option(
                "--include-comments/--exclude-comments",
                default=True,
                show_default=True,
                help="Sync the nodes' comments.",
            ),
            click.option(
                "--include-logs/--exclude-logs", default=True, show_default=True, help="Sync the nodes' logs."
            ),
            click.option(
                "-e",
                "--extras-mode-existing",
                "extras_mode",
                type=click.Choice(_EXTRAS_MODES),
                default="none",
                show_default=True,
                help="How the extras of nodes both sides have combine: keep_existing (add new keys), "
                "update_existing (add and overwrite), mirror (take the sender's), "
                "none (leave the receiver's).",
            ),
            click.option(
                "--comment-mode",
                type=click.Choice(_COMMENT_MODES),
                default="leave",
                show_default=True,
                help="What happens to comments both sides have: keep the receiver's, take the newest, "
                "or overwrite.",
            ),
            click.option(
                "--full", is_flag=True, help="Ignore the last sync's cursor and compare every node by UUID."
            ),
            click.option(
                "-b",
                "--batch-size",
                type=click.IntRange(min=1),
                default=2000,
                show_default=True,
                help="New nodes per committed batch.",
            ),
            click.option(
                "-n", "--dry-run", is_flag=True, help="Only count what would move (nodes, files, bytes)."
            ),
        ]
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@sync.command("push")
@_sync_options("push")
@pass_provgraph
def push(ctx: ProvgraphContext, /, other: str, **options: Any) -> None:
    """Send OTHER_PROFILE what this profile has and it lacks.

    Without -N/-G everything travels. Run it again at any time: only what changed moves, and
    a sync that was interrupted goes on where it stopped.

    \b
    provgraph sync push group-server --dry-run   # what would move
    provgraph sync push group-server -G relax    # a group and its provenance
    """
    _run(ctx, other, pushing=True, **options)


@sync.command("pull")
@_sync_options("pull")
@pass_provgraph
def pull(ctx: ProvgraphContext, /, other: str, **options: Any) -> None:
    """Fetch from OTHER_PROFILE what it has and this profile lacks.

    -N and -G name OTHER_PROFILE's nodes and groups. Without them everything travels.

    \b
    provgraph sync pull group-server             # everything new on the server
    provgraph sync pull group-server -N 1234     # a node of the server's, with its provenance
    """
    _run(ctx, other, pushing=False, **options)


def _run(
    ctx: ProvgraphContext,
    other: str,
    *,
    pushing: bool,
    all_entities: bool,
    nodes: tuple[str, ...],
    groups: tuple[str, ...],
    include_comments: bool,
    include_logs: bool,
    extras_mode: str,
    comment_mode: str,
    full: bool,
    batch_size: int,
    dry_run: bool,
    **traversal_rules: bool,
) -> None:
    from provgraph.cli.output import stage_progress
    from provgraph.exceptions import SyncError
    from provgraph.tools.sync import open_profile_storage, sync_storages

    here = ctx.get_storage()
    if other == here.profile.name:
        raise SyncError(f"profile {other!r} is the loaded profile; name another profile to sync with")
    with open_profile_storage(other) as there, stage_progress() as report:
        source, target = (here, there) if pushing else (there, here)
        entities = None
        if not all_entities and (nodes or groups):
            entities = load_entities(source, nodes=nodes, groups=groups)
        summary = sync_storages(
            source,
            target,
            entities=entities,
            include_comments=include_comments,
            include_logs=include_logs,
            merge_extras=extras_mode,
            merge_comments=comment_mode,
            dry_run=dry_run,
            full=full,
            batch_size=batch_size,
            progress=report,
            **traversal_rules,
        )
    _print_summary(summary)


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"  # pragma: no cover (the loop returns)


def _print_summary(summary: SyncSummary) -> None:
    from provgraph.cli.output import make_table, print_rich

    direction = f"{summary.source} -> {summary.target}"
    if summary.dry_run:
        click.echo(
            f"Dry run ({direction}): {summary.new.get('Nodes', 0)} new node(s), "
            f"{summary.present.get('Nodes', 0)} already there, {summary.objects} file(s) to copy "
            f"({_size(summary.object_bytes)}); nothing written"
        )
        return
    if summary.nothing_new:
        click.echo(
            f"Nothing to sync ({direction}): {summary.target} has everything already "
            f"({summary.seconds:.2f} s)"
        )
    else:
        table = make_table("entity", "new", "already there")
        for name, new, present in summary.table():
            table.add_row(name, str(new), str(present))
        print_rich(table)
        click.echo(f"Files copied: {summary.objects} ({_size(summary.object_bytes)})")
    for what, label in summary.relabelled.items():
        click.echo(f"Relabelled {what} to {label!r} (the label was taken)")
    if summary.unsealed:
        click.echo(
            f"Waiting: {summary.unsealed} process node(s) not sealed yet (running or interrupted) stay "
            "behind until they are; `provgraph process list` shows them"
        )
    if not summary.nothing_new:
        how = "changes since the last sync" if summary.incremental else "compared every node"
        click.echo(f"Success: synced {direction} in {summary.seconds:.2f} s ({how})")
