"""``provgraph data core.structure show|export|list``: atomic structures (StructureData)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.data.common import (
    data_arguments,
    datum_argument,
    emit_raw,
    list_options,
    list_query,
    load_data,
    output_options,
    unique_rows,
    write_export,
)
from provgraph.cli.data.formats import STRUCTURE_FORMATS
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note, plural, print_mapping
from provgraph.cli.options import MultipleValueOption

if TYPE_CHECKING:
    from provgraph.orm import StructureData

__all__ = ["FORMULA_MODES", "structure"]

#: The formula modes of StructureData.get_formula (kept equal to it by a test; listed here so that
#: `--help` does not import the ORM).
FORMULA_MODES = ("hill", "hill_compact", "count", "count_compact", "reduce")


@click.group("core.structure", cls=ProvgraphGroup)
def structure() -> None:
    """Inspect StructureData nodes (crystal structures and molecules) and export them."""


@structure.command("show")
@data_arguments
@format_option
@pass_provgraph
def show(ctx: ProvgraphContext, identifiers: tuple[str, ...], style: OutputStyle) -> None:
    """Show the cell, periodicity, kinds and sites of StructureData nodes.

    \b
    Examples:
      provgraph data core.structure show 17
      provgraph data core.structure show 17 --json | jq .sites
    """
    from provgraph.orm import StructureData

    nodes = load_data(ctx, identifiers, StructureData)
    for index, node in enumerate(nodes):
        if style.structured:
            print_mapping(_record(node), style)
            continue
        if index:
            click.echo("")
        _print_for_people(node, style)


def _record(node: StructureData) -> dict[str, Any]:
    return {
        "pk": node.pk,
        "uuid": node.uuid,
        "label": node.label,
        "formula": node.get_formula(),
        "cell": node.cell,
        "pbc": list(node.pbc),
        "kinds": list(node.base.attributes.get("kinds", [])),
        "sites": list(node.base.attributes.get("sites", [])),
    }


def _print_for_people(node: StructureData, style: OutputStyle) -> None:
    summary: dict[str, Any] = {
        "pk": node.pk,
        "uuid": node.uuid,
        "label": node.label,
        "formula": node.get_formula(),
        "pbc": " ".join("T" if flag else "F" for flag in node.pbc),
    }
    if any(node.pbc):
        summary["volume"] = f"{node.get_cell_volume():.6f} A^3"
    print_mapping(summary, style)
    click.echo("cell (A):")
    for vector in node.cell:
        click.echo("  " + "  ".join(f"{value:14.8f}" for value in vector))
    kinds = {kind.name: kind for kind in node.kinds}
    click.echo("")
    rows = (
        (
            site.kind_name,
            kinds[site.kind_name].get_symbols_string() if site.kind_name in kinds else "?",
            *(f"{value:.8f}" for value in site.position),
        )
        for site in node.sites
    )
    emit_rows(["kind", "symbols", "x", "y", "z"], rows, style)


@structure.command("export")
@datum_argument
@click.option(
    "-F",
    "--format",
    "fmt",
    type=click.Choice(STRUCTURE_FORMATS),
    default="xyz",
    show_default=True,
    help="xyz: extended XYZ (lattice and pbc on the comment line); cif: P1 cell, fractional "
    "coordinates; xsf: XCrySDen.",
)
@output_options
@pass_provgraph
def export(ctx: ProvgraphContext, identifier: str, fmt: str, output: Path | None, force: bool) -> None:
    """Export a StructureData node as an xyz, cif or xsf file (to standard output without -o).

    Alloys and vacancies need cif (partial occupancies); xyz and xsf refuse them.

    \b
    Examples:
      provgraph data core.structure export 17 > quartz.xyz
      provgraph data core.structure export 17 -F cif -o quartz.cif
    """
    from provgraph.cli.data import formats
    from provgraph.orm import StructureData

    (node,) = load_data(ctx, [identifier], StructureData)
    attributes = node.base.attributes
    cell, pbc = node.cell, node.pbc
    kinds, sites = attributes.get("kinds", []), attributes.get("sites", [])
    if fmt == "cif":
        text = formats.to_cif(
            cell, pbc, kinds, sites, name=node.label or node.get_formula() or f"pk{node.pk}"
        )
    elif fmt == "xsf":
        text = formats.to_xsf(cell, pbc, kinds, sites)
    else:
        text = formats.to_xyz(cell, pbc, kinds, sites)
    write_export(text.encode("utf-8"), output, force)


@structure.command("list")
@click.option(
    "-f",
    "--formula-mode",
    type=click.Choice(FORMULA_MODES),
    default="hill",
    show_default=True,
    help="How to write the chemical formula.",
)
@click.option(
    "-e",
    "--with-elements",
    "elements",
    cls=MultipleValueOption,
    metavar="SYMBOL...",
    help="Only structures containing at least one of these elements.",
)
@list_options
@format_option
@pass_provgraph
def structure_list(
    ctx: ProvgraphContext,
    *,
    formula_mode: str,
    elements: tuple[str, ...],
    groups: tuple[str, ...],
    past_days: int | None,
    all_users: bool,
    raw: bool,
    style: OutputStyle,
) -> None:
    """List StructureData nodes with their formula, oldest first (by default only the default user's).

    \b
    Examples:
      provgraph data core.structure list -e Si O
      provgraph data core.structure list -f hill_compact -p 30 --format tsv
    """
    from provgraph.orm import StructureData

    project = ["id", "label", "attributes.kinds", "attributes.sites"]
    query = list_query(ctx, StructureData, project, groups=groups, past_days=past_days, all_users=all_users)
    wanted = set(elements)
    rows = (
        (pk, label, _formula(kinds, sites, formula_mode))
        for pk, label, kinds, sites in unique_rows(query)
        if not wanted or wanted & _elements(kinds)
    )
    if raw:
        emit_raw(rows)
        return
    count = emit_rows(["pk", "label", "formula"], rows, style)
    note(f"Total: {plural(count, 'StructureData node')}", style)


def _elements(kinds: Any) -> set[str]:
    return {str(symbol) for kind in kinds or () for symbol in kind.get("symbols", ())}


def _formula(kinds: Any, sites: Any, mode: str) -> str:
    """The formula from the raw attributes (``<<UNKNOWN>>`` for a site of a missing kind, as verdi)."""
    from provgraph.orm.nodes.data.core.formula import get_formula
    from provgraph.orm.nodes.data.core.sites import symbols_string

    strings = {kind["name"]: symbols_string(kind["symbols"], kind["weights"]) for kind in kinds or ()}
    try:
        return get_formula([strings[site["kind_name"]] for site in sites or ()], mode=mode)
    except KeyError:
        return "<<UNKNOWN>>"
