"""``provgraph storage index``: declare, list and drop attribute indexes of a profile's storage.

A declared index makes filters on one attribute (or extra) path an index lookup instead of a
scan of every node of the selected types; ``node list --explain`` shows whether a query uses one
and suggests the ``index add`` that would help. The storage does the work
(``StorageBackend.indexes``); this module only parses, shows progress and prints.
"""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note
from provgraph.common.indexes import INDEX_KINDS, INDEX_TYPE_ALIASES, INDEX_VALUE_TYPES

__all__ = ["index"]


@click.group("index", cls=ProvgraphGroup)
def index() -> None:
    """Declare attribute indexes: make filters on attributes.X or extras.X fast on large profiles.

    \b
    Examples:
      provgraph storage index add attributes.energy --type float
      provgraph storage index add extras.tag --type str --node-type data.core.dict.
      provgraph storage index list
      provgraph storage index drop attributes.energy
    """


@index.command("add")
@click.argument("path")
@click.option(
    "--type",
    "value_type",
    type=click.Choice([*INDEX_VALUE_TYPES, *INDEX_TYPE_ALIASES]),
    default=None,
    help="What the values are. PostgreSQL: str builds a text index (equality, ranges and prefixes "
    "of strings); the others index the JSON value (equality of any value, ranges of numbers). "
    "SQLite indexes every type alike.",
)
@click.option(
    "--node-type",
    default=None,
    metavar="NODE_TYPE",
    help="Index only nodes whose node_type starts with this (e.g. data.core.dict.): a smaller "
    "index, used by queries for that type or its subtypes.",
)
@click.option(
    "--kind",
    type=click.Choice(INDEX_KINDS),
    default="btree",
    show_default=True,
    help="gin (PostgreSQL only): containment, for filters with 'contains'.",
)
@pass_provgraph
def add(ctx: ProvgraphContext, path: str, value_type: str | None, node_type: str | None, kind: str) -> None:
    """Declare and build an index on PATH (attributes.KEY[.KEY...] or extras.KEY[.KEY...]).

    PostgreSQL builds it concurrently: other processes keep writing meanwhile. SQLite builds it
    in one transaction: other writers wait until it is done. Either way a failure or Ctrl-C
    leaves no half-built index. The declaration is kept in the storage, so backups, restores and
    migrations keep the index.

    \b
    Examples:
      provgraph storage index add attributes.energy --type float
      provgraph storage index add attributes.tags --kind gin
    """
    from provgraph.cli.output import progress_bars

    storage = ctx.get_storage()
    with progress_bars() as bars:
        task = None if bars is None else bars.add_task(f"indexing {path}", total=100)

        def advance(share: float) -> None:
            if bars is not None and task is not None:
                bars.update(task, completed=round(100 * share))

        declaration = storage.indexes.add(
            path, value_type=value_type, node_type=node_type, kind=kind, progress=advance
        )
    click.echo(f"Success: index {declaration.name} on {declaration.describe()} built and declared.")


@index.command("list")
@format_option
@pass_provgraph
def list_indexes(ctx: ProvgraphContext, style: OutputStyle) -> None:
    """List the declared indexes with their size and how often the planner used them.

    "used" is PostgreSQL's count since its statistics were last reset; SQLite does not count.
    An index marked missing is declared but absent (a restore of an older backup):
    `provgraph storage maintain` builds it.
    """
    storage = ctx.get_storage()
    statuses = storage.indexes.status()
    rows = [
        (
            status.name,
            status.declaration.dotted,
            status.declaration.value_type or "",
            status.declaration.node_type or "",
            status.declaration.kind,
            "yes" if status.present else "missing",
            "" if status.size_bytes is None else status.size_bytes,
            "" if status.scans is None else status.scans,
        )
        for status in statuses
    ]
    columns = ("name", "path", "type", "node_type", "kind", "present", "bytes", "used")
    if not rows and not style.structured:
        click.echo(
            "No declared indexes. `provgraph storage index add attributes.KEY` declares one; "
            "`provgraph node list --where ... --explain` shows which would help."
        )
        return
    emit_rows(columns, rows, style)
    if not style.structured:
        note(f"{len(rows)} declared index{'es' if len(rows) != 1 else ''}.", style)


@index.command("drop")
@click.argument("name")
@pass_provgraph
def drop(ctx: ProvgraphContext, name: str) -> None:
    """Drop the index NAME (as `index list` shows it, or the path it was declared on) and forget it.

    \b
    Examples:
      provgraph storage index drop attributes.energy
    """
    storage = ctx.get_storage()
    declaration = storage.indexes.drop(name)
    click.echo(f"Success: index {declaration.name} on {declaration.describe()} dropped.")
