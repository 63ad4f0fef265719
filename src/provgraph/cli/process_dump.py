"""``provgraph process dump``: one process as a folder, in the layout of ``verdi process dump``.

    provgraph process dump 42                  # into ./<label>-42
    provgraph process dump 42 run-42 -o        # into ./run-42, replacing a former dump there

The folder holds what :meth:`ProcessNode.dump` writes (:mod:`provgraph.orm.dumping.process`:
metadata, the repository files of the process and of its input and output data, one folder per
called process) plus ``process_report.txt``, the log report that ``provgraph process report``
prints, at every level, of the process and of the processes it called.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from provgraph.cli.completion import complete_node_pks
from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.exceptions import InputValidationError

if TYPE_CHECKING:
    from provgraph.orm.nodes.process import ProcessNode

__all__ = ["REPORT_FILE_NAME", "dump"]

REPORT_FILE_NAME = "process_report.txt"


@click.command("dump")
@click.argument("identifier", metavar="PROCESS", shell_complete=complete_node_pks)
@click.argument("destination", metavar="[DEST]", required=False, type=click.Path(path_type=Path))
@click.option(
    "-p",
    "--path",
    type=click.Path(path_type=Path),
    help="The folder to write (verdi's spelling of DEST). Default: ./<label>-<pk> of the process.",
)
@click.option("-n", "--dry-run", is_flag=True, help="Only say where the dump would go; write nothing.")
@click.option(
    "-o",
    "--overwrite",
    is_flag=True,
    help="Replace the folder if it holds a former dump (never a folder that is not a dump).",
)
@click.option(
    "--include-inputs/--exclude-inputs",
    default=True,
    show_default=True,
    help="Write the files of the calculations' input data nodes (node_inputs/).",
)
@click.option(
    "--include-outputs/--exclude-outputs",
    default=False,
    show_default=True,
    help="Write the files of the calculations' output data nodes (node_outputs/).",
)
@click.option(
    "--include-attributes/--exclude-attributes",
    default=True,
    show_default=True,
    help="Put the attributes into each aiida_node_metadata.yaml.",
)
@click.option(
    "--include-extras/--exclude-extras",
    default=False,
    show_default=True,
    help="Put the extras into each aiida_node_metadata.yaml.",
)
@click.option(
    "-f", "--flat", is_flag=True, help="Write each calculation's files into one folder, no subfolders."
)
@click.option(
    "--dump-unsealed/--no-dump-unsealed",
    default=False,
    show_default=True,
    help="Also dump a process that is not sealed (it may still be running).",
)
@pass_provgraph
def dump(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    identifier: str,
    destination: Path | None,
    path: Path | None,
    dry_run: bool,
    overwrite: bool,
    include_inputs: bool,
    include_outputs: bool,
    include_attributes: bool,
    include_extras: bool,
    flat: bool,
    dump_unsealed: bool,
) -> None:
    """Write PROCESS to the folder DEST: its files, inputs, outputs, metadata and log report.

    A workflow's folder holds one folder per called process, in the order they ran
    (`provgraph process status` shows the same tree). An existing non-empty DEST is refused
    unless it holds a former dump and -o/--overwrite is given.

    \b
    Examples:
      provgraph process dump 42 run-42
      provgraph process dump 42 --path run-42 --include-outputs --overwrite
    """
    from provgraph.cli.process import load_process
    from provgraph.orm.dumping.process import default_process_path

    if destination is not None and path is not None:
        raise click.UsageError("Give the folder as DEST or as --path, not both.")
    found = load_process(ctx.get_storage(), identifier)
    chosen = destination if destination is not None else path
    target = (chosen if chosen is not None else default_process_path(found)).resolve()
    if not dump_unsealed and not found.is_sealed:
        raise InputValidationError(
            f"Process {found.pk} is not sealed (it may still be running); "
            "pass --dump-unsealed to dump it anyway."
        )
    _check_target(target, overwrite)
    if dry_run:
        click.echo(f"Would dump process {found.pk} to {target} (dry run: nothing written).")
        return
    written = found.dump(
        output_path=target,
        overwrite=overwrite,
        include_inputs=include_inputs,
        include_outputs=include_outputs,
        include_attributes=include_attributes,
        include_extras=include_extras,
        flat=flat,
        dump_unsealed=dump_unsealed,
    )
    _write_report(found, written / REPORT_FILE_NAME)
    click.echo(f"Dumped process {found.pk} to {written}")


def _check_target(target: Path, overwrite: bool) -> None:
    """Refuse a file, and a non-empty folder unless ``overwrite`` (the library guards non-dumps)."""
    if target.is_file():
        raise InputValidationError(f"Cannot dump to {target}: it is a file.")
    if target.is_dir() and not overwrite and any(target.iterdir()):
        raise InputValidationError(
            f"Cannot dump to {target}: the folder is not empty; pass -o/--overwrite to replace a former dump."
        )


def _write_report(found: ProcessNode, destination: Path) -> None:
    """The report of ``provgraph process report --levelname DEBUG``, to a file."""
    from provgraph.cli.process import LEVELS, report_lines

    lines = ["  " * depth + line for depth, line in report_lines(found, LEVELS["DEBUG"], None)]
    text = "\n".join(lines) + "\n" if lines else f"No log messages recorded for process {found.pk}\n"
    destination.write_text(text, encoding="utf-8")
