"""``provgraph storage integrity``: check the storage for broken rows, files and processes; fix the safe ones.

    provgraph storage integrity               # quick: every check but reading the objects
    provgraph storage integrity --fix         # also repair what is safe (asks before deleting links)
    provgraph storage integrity --full        # also read every object and recompute every hash

The exit status is 1 while problems remain (after ``--fix``, the ones it could not repair), so a
script or a cron job can act on it.
"""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph

__all__ = ["integrity"]

_DEFAULT_HASH_SAMPLE = (
    1000  # provgraph.tools.integrity.DEFAULT_HASH_SAMPLE (not imported: --help stays light)
)


@click.command("integrity")
@click.option(
    "--fix",
    is_flag=True,
    help="Repair what is safe: mark stale processes killed and seal them, seal terminated processes, "
    "rehash nodes with stale hashes, delete links to missing nodes (after asking).",
)
@click.option("-f", "--force", is_flag=True, help="With --fix, delete links to missing nodes without asking.")
@click.option(
    "--objects",
    "read_objects",
    is_flag=True,
    help="Also read every object and check that it hashes to its key.",
)
@click.option(
    "--hash-sample",
    type=click.IntRange(min=0),
    default=_DEFAULT_HASH_SAMPLE,
    show_default=True,
    help="Recompute the stored hashes of this many random nodes (0: none).",
)
@click.option("--full", is_flag=True, help="Read every object and recompute the hash of every node (slow).")
@pass_provgraph
def integrity(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext, fix: bool, force: bool, read_objects: bool, hash_sample: int, full: bool
) -> None:
    """Check the profile's storage: links, link rules, cycles, UUIDs, files, hashes, processes.

    Problems that need a person (cycles, bad links, duplicate UUIDs, missing or corrupt objects)
    are reported, never changed. An archive profile (core.sqlite_zip) can be checked, not fixed.
    Exits with status 1 while problems remain.
    """
    from provgraph.cli.output import stage_progress
    from provgraph.cli.prompts import stdin_is_tty
    from provgraph.tools.integrity import ProblemKind, check_integrity

    storage = ctx.get_storage()

    def confirm(question: str) -> bool:
        if force:
            return True
        if not stdin_is_tty():
            return False
        return click.confirm(question, default=False)

    with stage_progress() as progress:
        report = check_integrity(
            storage,
            fix=fix,
            read_objects=read_objects or full,
            hash_sample=None if full else hash_sample,
            confirm=confirm,
            progress=progress,
        )
    click.echo(report.summary())
    if report.is_clean:
        return
    fixable = [finding for finding in report.findings if finding.remaining and finding.kind.fixable]
    if fixable and not fix:
        click.echo("Run again with --fix to repair the fixable problems.")
    elif fix and any(finding.kind is ProblemKind.DANGLING_LINKS for finding in fixable):
        click.echo("Links to missing nodes were kept: confirm, or pass --force, to delete them.")
    click.get_current_context().exit(1)
