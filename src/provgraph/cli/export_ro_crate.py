"""``provgraph export ro-crate``: write chosen nodes (and their provenance) as an RO-Crate folder or zip.

Nodes are chosen as ``archive create`` chooses them (``-a/--all`` or ``-N/-G``, then the
toggleable EXPORT traversal rules); a DESTINATION ending in ``.zip`` becomes a zipped crate,
anything else a folder. Files above ``--max-file-size`` are described by size and sha256 only.

    provgraph export ro-crate --all everything-crate
    provgraph export ro-crate run.crate.zip -N 42 --max-file-size 100MB --license CC-BY-4.0
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.selection import chosen_entities, entity_options

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


__all__ = ["ByteSize", "ro_crate"]

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


class ByteSize(click.ParamType[int]):
    """A size in bytes, with an optional binary unit: ``500``, ``512k``, ``10MB``, ``1GiB`` (k = 1024)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        match = _SIZE.match(str(value))
        if match is None:
            self.fail(f"{value!r} is not a size such as 500, 512k, 10MB or 1GiB", param, ctx)
        return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


@click.command("ro-crate")
@click.argument("destination", metavar="DIR_OR_ZIP", type=click.Path(path_type=Path))
@entity_options("export", all_help="Export every node: other choices are ignored.")
@click.option(
    "--max-file-size",
    type=ByteSize(),
    default="10MB",
    show_default=True,
    help="Copy repository files up to this size; describe larger ones by size and sha256 only.",
)
@click.option("--license", "license_", metavar="URL_OR_TEXT", help="The crate's license (a URL or SPDX id).")
@click.option(
    "-b", "--batch-size", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows per query."
)
@click.option("-f", "--force", is_flag=True, help="Replace DIR_OR_ZIP if it exists.")
@pass_provgraph
def ro_crate(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    /,
    destination: Path,
    all_entities: bool,
    nodes: tuple[str, ...],
    groups: tuple[str, ...],
    max_file_size: int,
    license_: str | None,
    batch_size: int,
    force: bool,
    **traversal_rules: bool,
) -> None:
    """Write a Provenance Run Crate to DIR_OR_ZIP: every node (--all) or chosen ones.

    Chosen nodes come with their provenance as the traversal rules say: by default the
    calculations that created them, their inputs and the workflows that called them.
    """
    from provgraph.cli.output import make_table, print_rich, progress_bars
    from provgraph.tools.prov.rocrate import export_ro_crate

    storage = ctx.get_storage()
    entities = chosen_entities(storage, "export", all_entities=all_entities, nodes=nodes, groups=groups)
    rules: dict[str, Any] = dict(traversal_rules)
    with progress_bars() as bars:
        summary = export_ro_crate(
            entities,
            destination,
            backend=storage,
            max_file_size=max_file_size,
            overwrite=force,
            license=license_,
            batch_size=batch_size,
            reporter=_Reporter(bars),
            **rules,
        )
    table = make_table("entity", "count")
    for name, value in summary.table():
        table.add_row(name, value)
    print_rich(table)
    click.echo(f"Success: wrote {summary.path}")


class _Reporter:
    """Progress bars on standard error (when it is a terminal): one bar per phase."""

    def __init__(self, progress: Progress | None) -> None:
        self._progress = progress
        self._task: TaskID | None = None

    def start(self, description: str, total: int | None) -> None:
        if self._progress is None:
            return
        if self._task is not None:
            self._progress.update(self._task, visible=False)
        self._task = self._progress.add_task(description, total=total)

    def advance(self, count: int) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.advance(self._task, count)
