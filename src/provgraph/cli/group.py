"""``provgraph group``: create, inspect, fill and delete groups of nodes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.delete import group_delete
from provgraph.cli.output import make_table, print_rich

if TYPE_CHECKING:
    from provgraph.orm.groups import Group
    from provgraph.orm.nodes.node import Node
    from provgraph.storage.abstract import StorageBackend

__all__ = ["group"]


@click.group(cls=ProvgraphGroup)
def group() -> None:
    """Create, inspect and change groups: named sets of nodes."""


group.add_command(group_delete)


def _load(storage: StorageBackend, identifier: str) -> Group:
    from provgraph.orm.groups import load_group

    return load_group(identifier, backend=storage)


def _load_nodes(storage: StorageBackend, identifiers: tuple[str, ...]) -> list[Node]:
    from provgraph.orm.loaders import load_node

    return [load_node(identifier, backend=storage) for identifier in identifiers]


@group.command("create")
@click.argument("label")
@click.option("-d", "--description", default="", help="A sentence saying what the group is for.")
@pass_provgraph
def create(ctx: ProvgraphContext, label: str, description: str) -> None:
    """Create an empty group labelled LABEL (of type 'core')."""
    from provgraph.orm.groups import Group

    created = Group(label, description=description, backend=ctx.get_storage()).store()
    click.echo(f"Created group {created.label!r} (pk {created.pk}).")


@group.command("list")
@click.option("-a", "--all-types", is_flag=True, help="Also list groups made by tools (any type string).")
@click.option("-T", "--type", "type_string", metavar="TYPE", help="Only groups of this type string.")
@pass_provgraph
def list_groups(ctx: ProvgraphContext, all_types: bool, type_string: str | None) -> None:
    """List groups with their owner and size; by default only user groups (type 'core')."""
    from provgraph.orm.groups import Group

    if all_types and type_string:
        raise click.UsageError("--all-types and --type exclude each other; give one.")
    storage = ctx.get_storage()
    filters = {} if all_types else {"type_string": type_string or "core"}
    found = Group.collection(storage).find(filters)
    if not found:
        click.echo("No groups found. Create one with `provgraph group create LABEL`.")
        return
    table = make_table("pk", "label", "type_string", "user", "nodes")
    for item in found:
        table.add_row(str(item.pk), item.label, item.type_string, item.user.email, str(item.count()))
    print_rich(table)


@group.command("show")
@click.argument("identifier", metavar="GROUP")
@click.option("--limit", type=click.IntRange(min=0), help="Show at most this many member nodes.")
@pass_provgraph
def show(ctx: ProvgraphContext, identifier: str, limit: int | None) -> None:
    """Show a group's details and its member nodes.

    GROUP is a pk, a uuid (or unique uuid prefix) or a label.
    """
    chosen = _load(ctx.get_storage(), identifier)
    details = make_table("property", "value")
    for name, value in (
        ("label", chosen.label),
        ("pk", str(chosen.pk)),
        ("uuid", chosen.uuid),
        ("type_string", chosen.type_string),
        ("description", chosen.description),
        ("user", chosen.user.email),
        ("created", chosen.time.isoformat(timespec="seconds")),
        ("nodes", str(chosen.count())),
    ):
        details.add_row(name, value)
    print_rich(details)
    members = chosen.nodes
    if not members:
        return
    shown = members[:limit] if limit is not None else members
    table = make_table("pk", "uuid", "type", "label")
    for node in shown:
        table.add_row(str(node.pk), node.uuid, type(node).__name__, node.label)
    click.echo()
    print_rich(table)
    hidden = len(members) - len(shown)
    if hidden:
        click.echo(f"... {hidden} more member{'s' if hidden > 1 else ''} not shown (raise --limit).")


@group.command("add-nodes")
@click.argument("identifier", metavar="GROUP")
@click.argument("nodes", metavar="NODE...", nargs=-1, required=True)
@pass_provgraph
def add_nodes(ctx: ProvgraphContext, identifier: str, nodes: tuple[str, ...]) -> None:
    """Add nodes to GROUP; nodes already in it stay in it once.

    GROUP is a pk, uuid or label; each NODE a pk, uuid or unique uuid prefix.
    """
    chosen, change, after = _change_members(ctx, identifier, nodes, add=True)
    click.echo(f"Added {change} nodes to group {chosen.label!r}; it has {after} now.")


@group.command("remove-nodes")
@click.argument("identifier", metavar="GROUP")
@click.argument("nodes", metavar="NODE...", nargs=-1, required=True)
@pass_provgraph
def remove_nodes(ctx: ProvgraphContext, identifier: str, nodes: tuple[str, ...]) -> None:
    """Remove nodes from GROUP (the nodes themselves are kept).

    GROUP is a pk, uuid or label; each NODE a pk, uuid or unique uuid prefix.
    """
    chosen, change, after = _change_members(ctx, identifier, nodes, add=False)
    click.echo(f"Removed {change} nodes from group {chosen.label!r}; it has {after} now.")


def _change_members(
    ctx: ProvgraphContext, identifier: str, nodes: tuple[str, ...], *, add: bool
) -> tuple[Group, int, int]:
    """(group, how many nodes joined or left it, its size now): the counts are what users check."""
    storage = ctx.get_storage()
    chosen = _load(storage, identifier)
    before = chosen.count()
    members = _load_nodes(storage, nodes)
    if add:
        chosen.add_nodes(members)
    else:
        chosen.remove_nodes(members)
    after = chosen.count()
    return chosen, abs(after - before), after


@group.command("relabel")
@click.argument("identifier", metavar="GROUP")
@click.argument("new_label")
@pass_provgraph
def relabel(ctx: ProvgraphContext, identifier: str, new_label: str) -> None:
    """Give GROUP the label NEW_LABEL (free among groups of its type).

    GROUP is a pk, a uuid (or unique uuid prefix) or a label.
    """
    chosen = _load(ctx.get_storage(), identifier)
    old = chosen.label
    chosen.label = new_label
    click.echo(f"Relabelled group {old!r} to {new_label!r}.")
