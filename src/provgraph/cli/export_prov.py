"""``provgraph export prov``: write the provenance graph as W3C PROV (PROV-JSON, PROV-N, PROV-XML, PROV-O).

Nodes are chosen as ``archive create`` chooses them: ``-a/--all``, or ``-N/-G`` expanded by the
EXPORT traversal rules (the same ``--create-backward/--no-create-backward`` flags). The format
comes from ``--format`` or FILE's suffix (``.json``, ``.provn``, ``.xml``, ``.trig``/``.ttl``/
``.rdf``), else PROV-JSON. The mapping is in ``docs/prov.md``.

    provgraph export prov --all everything.provn
    provgraph export prov result.json -N 1234 --no-call-calc-backward
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.selection import chosen_entities, entity_options

if TYPE_CHECKING:
    from provgraph.orm.entities import Entity
    from provgraph.tools.prov.export import ProvSummary

__all__ = ["prov"]

# The formats of provgraph.tools.prov.export.PROV_FORMATS (kept here so --help imports no prov).
_FORMATS = ("json", "provn", "xml", "rdf")


@click.command("prov")
@click.argument("output_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-F",
    "--format",
    "prov_format",
    metavar="[" + "|".join(_FORMATS) + "]",
    default=None,
    help="PROV-JSON, PROV-N, PROV-XML or PROV-O (RDF).  [default: from FILE's suffix, else json]",
)
@entity_options("export")
@click.option(
    "-b", "--batch-size", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows per query."
)
@click.option("-f", "--force", is_flag=True, help="Overwrite FILE if it exists.")
@pass_provgraph
def prov(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    /,
    output_file: Path,
    prov_format: str | None,
    all_entities: bool,
    nodes: tuple[str, ...],
    groups: tuple[str, ...],
    batch_size: int,
    force: bool,
    **traversal_rules: bool,
) -> None:
    """Write the provenance of the whole profile (--all) or of chosen nodes as W3C PROV to FILE.

    Chosen nodes come with their provenance as the traversal rules say: by default the
    calculations that created them, their inputs and the workflows that called them.
    """
    from provgraph.cli.output import stage_progress
    from provgraph.tools.prov.export import export_prov

    storage = ctx.get_storage()
    entities = chosen_entities(storage, "export", all_entities=all_entities, nodes=nodes, groups=groups)
    if entities is not None:
        _check_not_empty(entities)
    rules: dict[str, Any] = dict(traversal_rules)
    with stage_progress() as progress:
        summary = export_prov(
            entities,
            output_file,
            format=prov_format,
            overwrite=force,
            backend=storage,
            batch_size=batch_size,
            progress=progress,
            **rules,
        )
    _print_summary(summary)


def _check_not_empty(entities: list[Entity]) -> None:
    """Refuse a choice of nothing but empty groups: the file would hold no node."""
    from provgraph.exceptions import InputValidationError
    from provgraph.orm.groups import Group

    if all(isinstance(entity, Group) and entity.is_empty for entity in entities):
        labels = ", ".join(repr(entity.label) for entity in entities if isinstance(entity, Group))
        raise InputValidationError(f"nothing to export: the groups {labels} hold no nodes")


def _print_summary(summary: ProvSummary) -> None:
    from provgraph.cli.output import make_table, print_rich

    table = make_table("record", "count")
    for name, value in summary.table():
        table.add_row(name, value)
    print_rich(table)
    click.echo(f"Success: wrote {summary.path} ({summary.format})")
