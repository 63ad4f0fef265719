"""``provgraph data core.singlefile|core.cif``: the one file such a node holds, streamed out as it is."""

from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.data.common import (
    data_arguments,
    datum_argument,
    emit_raw,
    list_options,
    list_query,
    load_data,
    open_export,
    unique_rows,
)
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note, plural

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["cif", "singlefile"]

_CHUNK = 1 << 20


@click.group("core.singlefile", cls=ProvgraphGroup)
def singlefile() -> None:
    """Read the file of SinglefileData nodes."""


@click.group("core.cif", cls=ProvgraphGroup)
def cif() -> None:
    """Read CifData nodes (crystal structures kept as CIF files)."""


def _stream(node: Node, target: IO[bytes] | None) -> None:
    """Copy the node's file in chunks to ``target``, or to standard output (as bytes) for None."""
    with node.base.repository.open(_filename(node), "rb") as handle:
        if target is not None:
            shutil.copyfileobj(handle, target, _CHUNK)
            return
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            click.echo(chunk, nl=False)


def _filename(node: Node) -> str:
    return str(node.base.attributes.get("filename"))


def _content(ctx: ProvgraphContext, identifiers: tuple[str, ...], class_name: str) -> None:
    from provgraph import orm

    nodes = load_data(ctx, identifiers, getattr(orm, class_name))
    for node in nodes:
        _stream(node, None)


def _export(
    ctx: ProvgraphContext, identifier: str, output: Path | None, force: bool, class_name: str
) -> None:
    from provgraph import orm

    (node,) = load_data(ctx, [identifier], getattr(orm, class_name))
    name = PurePosixPath(_filename(node)).name or "file"  # never a path out of the folder
    target = Path(name) if output is None else (output / name if output.is_dir() else output)
    with open_export(target, force) as handle:
        _stream(node, handle)
    click.echo(f"Wrote {target}.", err=True)


def _export_options(func: Any) -> Any:
    func = click.option(
        "-f", "--force", "--overwrite", "force", is_flag=True, help="Replace the output file if it exists."
    )(func)
    return click.option(
        "-o",
        "--output",
        type=click.Path(path_type=Path),
        default=None,
        help="File to write, or a folder to write the node's file name into (default: the file name, here).",
    )(func)


@singlefile.command("content")
@data_arguments
@pass_provgraph
def singlefile_content(ctx: ProvgraphContext, identifiers: tuple[str, ...]) -> None:
    """Print the file of SinglefileData nodes to standard output, byte for byte.

    \b
    Example:
      provgraph data core.singlefile content 23 > notes.txt
    """
    _content(ctx, identifiers, "SinglefileData")


@singlefile.command("export")
@datum_argument
@_export_options
@pass_provgraph
def singlefile_export(ctx: ProvgraphContext, identifier: str, output: Path | None, force: bool) -> None:
    """Write the file of a SinglefileData node to a file (default: its own name, here).

    \b
    Examples:
      provgraph data core.singlefile export 23                 (./notes.txt)
      provgraph data core.singlefile export 23 -o results/ -f  (results/notes.txt, replaced)
    """
    _export(ctx, identifier, output, force, "SinglefileData")


@cif.command("content")
@data_arguments
@pass_provgraph
def cif_content(ctx: ProvgraphContext, identifiers: tuple[str, ...]) -> None:
    """Print the CIF file of CifData nodes to standard output.

    \b
    Example:
      provgraph data core.cif content 31 | grep _cell_length
    """
    _content(ctx, identifiers, "CifData")


@cif.command("export")
@datum_argument
@click.option(
    "-F", "--format", "fmt", type=click.Choice(["cif"]), default="cif", show_default=True, help="File format."
)
@_export_options
@pass_provgraph
def cif_export(ctx: ProvgraphContext, identifier: str, fmt: str, output: Path | None, force: bool) -> None:
    """Write the CIF file of a CifData node to a file (default: its own name, here).

    \b
    Example:
      provgraph data core.cif export 31 -o quartz.cif
    """
    del fmt  # the only format: the file as stored
    _export(ctx, identifier, output, force, "CifData")


@cif.command("list")
@list_options
@format_option
@pass_provgraph
def cif_list(
    ctx: ProvgraphContext,
    *,
    groups: tuple[str, ...],
    past_days: int | None,
    all_users: bool,
    raw: bool,
    style: OutputStyle,
) -> None:
    """List CifData nodes, oldest first (by default only the default user's).

    \b
    Example:
      provgraph data core.cif list -p 7 -G imported
    """
    from provgraph.orm import CifData

    project = ["id", "label", "attributes.filename", "attributes.formulae", "attributes.source"]
    query = list_query(ctx, CifData, project, groups=groups, past_days=past_days, all_users=all_users)
    rows = (
        (pk, label, filename, _formulae(formulae), _uri(source))
        for pk, label, filename, formulae, source in unique_rows(query)
    )
    if raw:
        emit_raw(rows)
        return
    count = emit_rows(["pk", "label", "filename", "formulae", "source_uri"], rows, style)
    note(f"Total: {plural(count, 'CifData node')}", style)


def _formulae(value: Any) -> str:
    if isinstance(value, list):
        return ",".join("" if item is None else str(item) for item in value)
    return "" if value is None else str(value)


def _uri(source: Any) -> str:
    return str(source.get("uri") or "") if isinstance(source, dict) else ""
