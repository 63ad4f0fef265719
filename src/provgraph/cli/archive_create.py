"""``provgraph archive create``: write an AiiDA archive of the profile, or of chosen entities.

The options and their defaults are ``verdi archive create``'s, so instructions written for
AiiDA work here: ``-a/--all`` or ``-N/-G/-X/-Y`` to choose, the toggleable EXPORT traversal
rules as ``--create-backward/--no-create-backward`` and friends, comments and logs in by
default, authinfos out. NODE, GROUP, CODE and COMPUTER values are read as everywhere in the CLI
(pk, UUID or UUID prefix; groups, codes and computers also by label).

    provgraph archive create --all everything.aiida
    provgraph archive create results.aiida -G results -N 12 15 --exclude-logs
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.options import MultipleValueOption
from provgraph.cli.selection import chosen_entities, entity_options

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from provgraph.tools.archive.summary import ArchiveSummary

__all__ = ["create"]


@click.command("create")
@click.argument("output_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@entity_options(
    "archive",
    extra=(
        click.option(
            "-X",
            "--codes",
            cls=MultipleValueOption,
            metavar="CODE...",
            help="Codes to archive (pk, UUID, label).",
        ),
        click.option(
            "-Y", "--computers", cls=MultipleValueOption, metavar="COMPUTER...", help="Computers to archive."
        ),
    ),
)
@click.option(
    "--include-comments/--exclude-comments",
    default=True,
    show_default=True,
    help="Include the comments of the archived nodes (and the users who wrote them).",
)
@click.option(
    "--include-logs/--exclude-logs",
    default=True,
    show_default=True,
    help="Include the logs of the archived nodes.",
)
@click.option(
    "--include-authinfos/--exclude-authinfos",
    default=False,
    show_default=True,
    help="Include the authentication settings of the archived computers.",
)
@click.option(
    "--compress",
    "compression",
    type=click.IntRange(0, 9),
    default=6,
    show_default=True,
    help="zlib level of the archive's members: 0 stores, 9 compresses most.",
)
@click.option(
    "-b", "--batch-size", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows per query."
)
@click.option(
    "-n", "--dry-run", "dry_run", is_flag=True, help="Only count what would be archived; write nothing."
)
@click.option("-f", "--force", is_flag=True, help="Overwrite FILE if it exists.")
@pass_provgraph
def create(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    /,
    output_file: Path,
    all_entities: bool,
    nodes: tuple[str, ...],
    groups: tuple[str, ...],
    codes: tuple[str, ...],
    computers: tuple[str, ...],
    include_comments: bool,
    include_logs: bool,
    include_authinfos: bool,
    compression: int,
    batch_size: int,
    dry_run: bool,
    force: bool,
    **traversal_rules: bool,
) -> None:
    """Write an AiiDA archive (.aiida) to FILE: the whole profile (--all) or chosen entities.

    Chosen nodes come with their provenance as the traversal rules say: by default the
    calculations that created them, their inputs and the workflows that called them.
    """
    from provgraph.tools.archive.create import create_archive

    storage = ctx.get_storage()
    entities = chosen_entities(
        storage,
        "archive",
        all_entities=all_entities,
        nodes=nodes,
        groups=groups,
        codes=codes,
        computers=computers,
    )
    rules: dict[str, Any] = dict(traversal_rules)
    with _reporter() as reporter:
        create_archive(
            entities,
            output_file,
            overwrite=force,
            include_comments=include_comments,
            include_logs=include_logs,
            include_authinfos=include_authinfos,
            compression=compression,
            batch_size=batch_size,
            test_run=dry_run,
            backend=storage,
            reporter=reporter,
            **rules,
        )
    if reporter.summary is not None:
        _print_summary(reporter.summary)


class _Reporter:
    """Progress bars on standard error (when it is a terminal); keeps the summary."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: TaskID | None = None
        self.summary: ArchiveSummary | None = None

    def start(self, description: str, total: int | None) -> None:
        if self._progress is None:
            return
        if self._task is not None:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, count: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, count)

    def finish(self, summary: ArchiveSummary) -> None:
        self.summary = summary


@contextmanager
def _reporter() -> Iterator[_Reporter]:
    """Progress bars only for a person watching: never in a log file or a pipe."""
    from provgraph.cli.output import progress_bars

    with progress_bars() as bars:
        yield _Reporter(bars)


def _print_summary(summary: ArchiveSummary) -> None:
    from provgraph.cli.output import make_table, print_rich

    table = make_table("entity", "count")
    for name, value in summary.table():
        table.add_row(name, value)
    print_rich(table)
    if summary.test_run:
        click.echo(f"Dry run: nothing written; the archive would be {summary.path}")
    else:
        click.echo(f"Success: wrote {summary.path}")
