"""``provgraph storage maintain``: keep a profile's storage small and fast, safely.

The quick mode runs beside other processes using the profile; the full mode takes the profile's
exclusive lock here, in the command (the storage layer leaves locking to its callers), and is
refused with the PIDs of the processes in the way.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph

if TYPE_CHECKING:
    from provgraph.common.maintenance import MaintenanceReport

__all__ = ["maintain"]


@click.command("maintain")
@click.option(
    "--full",
    is_flag=True,
    help="Also delete files no node refers to, repack and vacuum. Needs the profile to itself: "
    "refused while any other process uses it.",
)
@click.option("--no-repack", is_flag=True, help="With --full: skip rewriting the pack files.")
@click.option("--compress", is_flag=True, help="Compress objects as they are packed (zlib, where it helps).")
@click.option("--dry-run", is_flag=True, help="Report what would be done; change nothing.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@pass_provgraph
def maintain(
    ctx: ProvgraphContext, *, full: bool, no_repack: bool, compress: bool, dry_run: bool, force: bool
) -> None:
    """Pack the repository's loose files and refresh the database's statistics (quick, the default:
    safe while other processes work), or with --full also free the space of deleted nodes.

    \b
    Quick: loose files packed, loose copies of packed files removed, planner statistics
           refreshed, the SQLite write-ahead log checkpointed.
    Full:  first the files no node refers to are deleted (left by `node delete`), then the
           packs are rewritten without them and the database is vacuumed.
    """
    from provgraph.access import ProfileAccessManager
    from provgraph.cli.output import stage_progress
    from provgraph.cli.prompts import confirm_or_force

    if no_repack and not full:
        raise click.UsageError("--no-repack only applies to a full maintenance (--full)")
    storage = ctx.get_storage()
    profile = storage.profile
    if storage.read_only:
        raise click.ClickException(
            f"the storage of profile {profile.name!r} is a read-only archive: nothing to maintain"
        )
    kind = "full" if full else "quick"
    if not dry_run:
        note = " (no other process may use the profile meanwhile)" if full else ""
        confirm_or_force(force, "Maintenance", f"Run a {kind} maintenance of profile {profile.name!r}{note}?")
    options: dict[str, bool] = {"compress": compress}
    if no_repack:
        options["do_repack"] = False
    access = ProfileAccessManager(profile)
    with access.lock() if full else contextlib.nullcontext(), stage_progress() as progress:
        report = storage.maintain(full=full, dry_run=dry_run, progress=progress, **options)
    _print_report(profile.name, report)


def _print_report(profile_name: str, report: MaintenanceReport) -> None:
    from provgraph.cli.output import make_table, print_rich

    table = make_table("step", "what", "freed", no_wrap=("step", "freed"))
    for step in report.steps:
        table.add_row(step.name, step.detail, "" if step.bytes_freed is None else _size(step.bytes_freed))
    print_rich(table)
    kind = "full" if report.full else "quick"
    if report.dry_run:
        click.echo(f"Dry run of a {kind} maintenance of {profile_name!r}: nothing was changed.")
    else:
        click.echo(
            f"Success: {kind} maintenance of {profile_name!r} done, {_size(report.bytes_freed)} freed."
        )
    if report.unreferenced_left:
        click.echo(
            f"{report.unreferenced_left:,} files no node refers to ({_size(report.unreferenced_left_bytes)}) "
            "are kept; `provgraph storage maintain --full` deletes them."
        )


def _size(count: int) -> str:
    """Bytes for people: 0 B, 512 B, 3.2 KiB, 41.0 MiB (negative: space the step took)."""
    sign, value = ("-" if count < 0 else ""), float(abs(count))
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{sign}{value:.0f} {unit}" if unit == "B" else f"{sign}{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover
