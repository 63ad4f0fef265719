"""``provgraph data core.array show|export``: the named arrays of ArrayData nodes (and subclasses)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.data.common import (
    data_arguments,
    datum_argument,
    dict_format_option,
    load_data,
    open_export,
    output_options,
    refuse_existing,
    write_export,
)
from provgraph.cli.listing import OutputStyle, plural
from provgraph.cli.options import MultipleValueOption
from provgraph.exceptions import InvalidOperation, NotExistent

if TYPE_CHECKING:
    from provgraph.orm import ArrayData

__all__ = ["array"]

ARRAY_FORMATS = ("npy", "txt", "json")
_SUFFIX = {"npy": ".npy", "txt": ".txt", "json": ".json"}


@click.group("core.array", cls=ProvgraphGroup)
def array() -> None:
    """Inspect ArrayData nodes (named numpy arrays) and export their arrays."""


@array.command("show")
@data_arguments
@dict_format_option
@pass_provgraph
def show(ctx: ProvgraphContext, identifiers: tuple[str, ...], style: OutputStyle) -> None:
    """Print the arrays of ArrayData nodes as {name: nested list} (json by default).

    \b
    Example:
      provgraph data core.array show 42 --format yaml
    """
    from provgraph.cli.data.dictionary import print_contents
    from provgraph.orm import ArrayData

    nodes = load_data(ctx, identifiers, ArrayData)
    print_contents([(node.pk, _as_lists(node, node.get_arraynames())) for node in nodes], style)


def _as_lists(node: ArrayData, names: list[str]) -> dict[str, Any]:
    return {name: node.get_array(name).tolist() for name in names}


@array.command("export")
@datum_argument
@click.option(
    "-F",
    "--format",
    "fmt",
    type=click.Choice(ARRAY_FORMATS),
    default="npy",
    show_default=True,
    help="npy: numpy's file (as stored, lossless); txt: numpy.savetxt text (1-D and 2-D arrays); "
    "json: one document {name: nested list}.",
)
@click.option(
    "-a",
    "--array",
    "names",
    cls=MultipleValueOption,
    metavar="NAME...",
    help="Only these arrays (default: all of them).",
)
@output_options
@pass_provgraph
def export(
    ctx: ProvgraphContext,
    *,
    identifier: str,
    fmt: str,
    names: tuple[str, ...],
    output: Path | None,
    force: bool,
) -> None:
    """Export the arrays of an ArrayData node.

    json writes one file (or standard output) holding every array. npy and txt write one file per
    array: with one array, OUTPUT is that file (default: standard output) or an existing folder;
    with several, OUTPUT is a folder (made if missing) that receives NAME.npy or NAME.txt for
    each. Existing files are replaced only with -f/--force.

    \b
    Examples:
      provgraph data core.array export 42 -a forces -F txt > forces.txt
      provgraph data core.array export 42 -o arrays/          (arrays/NAME.npy for each array)
      provgraph data core.array export 42 -F json -o arrays.json
    """
    from provgraph.orm import ArrayData

    (node,) = load_data(ctx, [identifier], ArrayData)
    available = node.get_arraynames()
    unknown = [name for name in names if name not in available]
    if unknown:
        raise NotExistent(f"ArrayData pk {node.pk} has no array {unknown[0]!r}; it has {available}")
    chosen = list(dict.fromkeys(names)) or available
    if not chosen:
        raise InvalidOperation(f"ArrayData pk {node.pk} holds no arrays: there is nothing to export")
    if fmt == "json":
        write_export(_json_bytes(_as_lists(node, chosen)), output, force)
    elif len(chosen) == 1 and not (output is not None and output.is_dir()):
        write_export(_content(node, chosen[0], fmt), output, force, binary=fmt == "npy")
    else:
        if output is None:
            raise click.UsageError(
                f"ArrayData pk {node.pk} has {len(chosen)} arrays: give -o FOLDER to receive one file each, "
                "or choose one with -a NAME."
            )
        _export_to_folder(node, chosen, fmt, output, force)


def _export_to_folder(node: ArrayData, names: list[str], fmt: str, folder: Path, force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise InvalidOperation(f"{folder} is a file; several arrays need a folder to receive one file each")
    targets = [folder / f"{name}{_SUFFIX[fmt]}" for name in names]
    for target in targets:  # refuse before writing anything
        refuse_existing(target, force)
    folder.mkdir(parents=True, exist_ok=True)
    for name, target in zip(names, targets, strict=True):
        with open_export(target, force) as handle:
            handle.write(_content(node, name, fmt))
    click.echo(f"Wrote {plural(len(targets), 'file')} to {folder}.", err=True)


def _content(node: ArrayData, name: str, fmt: str) -> bytes:
    """One array as a file's bytes: the stored .npy file itself, or numpy.savetxt's text."""
    if fmt == "npy":
        return node.base.repository.get_object_content(f"{name}.npy", "rb")
    import io

    import numpy

    values = node.get_array(name)
    if values.ndim > 2:
        raise InvalidOperation(
            f"array {name!r} has {values.ndim} dimensions; txt holds 1-D and 2-D arrays: use npy or json"
        )
    buffer = io.BytesIO()
    try:
        numpy.savetxt(buffer, numpy.atleast_1d(values), fmt=_text_format(values))
    except (TypeError, ValueError) as error:
        raise InvalidOperation(
            f"array {name!r} (dtype {values.dtype}) cannot be written as txt: {error}"
        ) from None
    return buffer.getvalue()


def _text_format(values: Any) -> str:
    """Lossless text: integers as integers, floats with repr's 17 significant digits, others as str."""
    kind = values.dtype.kind
    if kind in "iub":
        return "%d"
    if kind == "f":
        return "%.17g"
    return "%s"


def _json_bytes(value: object) -> bytes:
    import json

    return (json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")
