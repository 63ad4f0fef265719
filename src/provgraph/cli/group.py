"""``provgraph group``: create, list, inspect, fill, copy, move between and delete groups of nodes.

Commands and options follow ``verdi group``. GROUP arguments take a pk, a uuid (or unique uuid
prefix) or a label; NODE arguments a pk, a uuid or a unique uuid prefix. Member listings come
straight from one query and stream, so ``group show`` of a group of a million nodes prints its
first rows at once.

    provgraph group list -C -s run_
    provgraph group show results --limit 20
    provgraph group copy results results-backup
    provgraph group move-nodes -s inbox -t done 12 13
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.completion import complete_group_labels, complete_node_pks
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.delete import group_delete
from provgraph.cli.group_path import group_path
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note, plural, print_mapping
from provgraph.cli.options import days_ago, order_options, past_days_option
from provgraph.cli.prompts import confirm_or_force
from provgraph.exceptions import InputValidationError, NotExistent

if TYPE_CHECKING:
    from provgraph.orm.groups import Group
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.querybuilder import QueryBuilder
    from provgraph.storage.abstract import StorageBackend

__all__ = ["group"]


@click.group(cls=ProvgraphGroup)
def group() -> None:
    """Create, inspect and change groups: named sets of nodes."""


group.add_command(group_delete)
group.add_command(group_path)


def _load(storage: StorageBackend, identifier: str) -> Group:
    from provgraph.orm.groups import load_group

    return load_group(identifier, backend=storage)


def _load_nodes(storage: StorageBackend, identifiers: tuple[str, ...]) -> list[Node]:
    from provgraph.orm.loaders import load_node

    return [load_node(identifier, backend=storage) for identifier in identifiers]


def _type_name(node_type: str) -> str:
    """The class part of a node_type: ``data.core.int.Int.`` -> ``Int`` (as verdi shows it)."""
    return node_type.rstrip(".").rsplit(".", 1)[-1] or node_type


def _member_ids(storage: StorageBackend, group_pk: int) -> list[int]:
    """The pks of a group's members, in pk order, without building a node object."""
    from provgraph.orm.groups import Group
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.querybuilder import QueryBuilder

    query = QueryBuilder(backend=storage)
    query.append(Group, filters={"id": group_pk}, tag="group")
    query.append(Node, with_group="group", project="id", tag="member")
    query.order_by({"member": "id"})
    return [int(pk) for (pk,) in query.iterall(batch_size=10_000)]


@group.command("create")
@click.argument("label")
@click.option("-d", "--description", default="", help="A sentence saying what the group is for.")
@pass_provgraph
def create(ctx: ProvgraphContext, label: str, description: str) -> None:
    """Create an empty group labelled LABEL (of type 'core').

    \b
    Example:
      provgraph group create relaxations -d "the relaxed structures of the study"
    """
    from provgraph.orm.groups import Group

    created = Group(label, description=description, backend=ctx.get_storage()).store()
    click.echo(f"Created group {created.label!r} (pk {created.pk}).")


# -- list -----------------------------------------------------------------------------------------

_ORDER_FIELDS = {"id": "id", "label": "label", "ctime": "time"}


@group.command("list")
@click.option("-A", "--all-users", is_flag=True, help="Show the groups of every user, not only yours.")
@click.option(
    "-u", "--user", "user_email", metavar="EMAIL", help="Show only the groups of the user with this email."
)
@click.option(
    "-a", "--all", "--all-types", "all_types", is_flag=True, help="Show groups of every type string."
)
@click.option(
    "-T",
    "--type-string",
    "--type",
    "type_string",
    metavar="TYPE",
    help="Only groups of this type string (default 'core'); '%' and '_' are wildcards, as in SQL LIKE.",
)
@click.option("-d", "--with-description", is_flag=True, help="Show the description of each group too.")
@click.option(
    "-C",
    "--count",
    is_flag=True,
    help="Show the number of nodes of each group (always shown; kept for verdi).",
)
@past_days_option("groups")
@click.option("-s", "--startswith", metavar="TEXT", help="Only groups whose label starts with TEXT.")
@click.option("-e", "--endswith", metavar="TEXT", help="Only groups whose label ends with TEXT.")
@click.option("-c", "--contains", metavar="TEXT", help="Only groups whose label contains TEXT.")
@order_options(sorted(_ORDER_FIELDS), "label", "groups")
@click.option(
    "-N",
    "--node",
    "node_identifier",
    metavar="NODE",
    shell_complete=complete_node_pks,
    help="Only the groups that hold this node (pk, uuid or uuid prefix).",
)
@format_option
@pass_provgraph
def list_groups(
    ctx: ProvgraphContext,
    *,
    all_users: bool,
    user_email: str | None,
    all_types: bool,
    type_string: str | None,
    with_description: bool,
    count: bool,
    past_days: int | None,
    startswith: str | None,
    endswith: str | None,
    contains: str | None,
    order_by: str,
    order_direction: str,
    node_identifier: str | None,
    style: OutputStyle,
) -> None:
    """List groups with their owner and size; by default only your groups of type 'core'.

    The label filters -s, -e and -c combine with OR, as in verdi.

    \b
    Example:
      provgraph group list -s relax -d
      provgraph group list -a -A -O ctime -D desc --json
    """
    from provgraph.orm.groups import Group
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.querybuilder import QueryBuilder
    from provgraph.orm.users import User
    from provgraph.storage.query_schema import escape_like

    del count  # the node count is always a column
    if all_types and type_string is not None:
        raise click.UsageError("--all and --type-string exclude each other; give one.")
    if all_users and user_email is not None:
        raise click.UsageError("--all-users and --user exclude each other; give one.")
    storage = ctx.get_storage()
    filters: dict[str, Any] = {}
    if not all_types:
        wanted = "core" if type_string is None else type_string
        filters["type_string"] = {"like": wanted} if ("%" in wanted or "_" in wanted) else wanted
    if past_days is not None:
        filters["time"] = {">": days_ago(past_days)}
    label_filters = [
        {"label": {"like": pattern}}
        for text, pattern in (
            (startswith, f"{escape_like(startswith or '')}%"),
            (endswith, f"%{escape_like(endswith or '')}"),
            (contains, f"%{escape_like(contains or '')}%"),
        )
        if text is not None
    ]
    if label_filters:
        filters["or"] = label_filters
    query = QueryBuilder(backend=storage)
    query.append(Group, filters=filters, tag="group", project=["id", "label", "type_string", "description"])
    user_filters: dict[str, Any] = {}
    if not all_users:
        email = User.collection(storage).get_default().email if user_email is None else user_email
        if user_email is not None and not User.collection(storage).find({"email": email}, limit=1):
            raise NotExistent(f"no user with email {email!r}")
        user_filters = {"email": email}
    query.append(User, with_group="group", filters=user_filters, project="email", tag="user")
    if node_identifier is not None:
        held = _load_nodes(storage, (node_identifier,))[0]
        query.append(Node, with_group="group", filters={"id": held.pk}, tag="node")
    query.order_by({"group": {_ORDER_FIELDS[order_by]: order_direction}})

    columns = ["pk", "label", "type_string", "user", "nodes"] + (["description"] if with_description else [])

    def rows() -> Iterator[tuple[Any, ...]]:
        from provgraph.storage import EntityTypes

        for pk, label, kind, description, email in query.iterall():
            row = (pk, label, kind, email, storage.count_rows(EntityTypes.GROUP_NODE, {"dbgroup_id": pk}))
            yield (*row, description) if with_description else row

    shown = emit_rows(columns, rows(), style)
    if not shown:
        note("No groups found. Create one with `provgraph group create LABEL`.", style)
    elif not all_types and style.format == "table":
        note(f"{plural(shown, 'group')}; -a shows groups of every type, -A those of every user.", style)


# -- show -----------------------------------------------------------------------------------------

_MEMBER_COLUMNS = ["pk", "uuid", "type", "label", "ctime"]


@group.command("show")
@click.argument("identifier", metavar="GROUP", shell_complete=complete_group_labels)
@click.option("-l", "--limit", type=click.IntRange(min=0), help="Show at most this many member nodes.")
@click.option("-a", "--all", "show_all", is_flag=True, help="Show every member node (cancels --limit).")
@click.option(
    "-r",
    "--raw",
    is_flag=True,
    help="Print only the members' pks (uuids with -u), space-separated, as verdi.",
)
@click.option("-u", "--uuid", "raw_uuid", is_flag=True, help="With --raw: print uuids instead of pks.")
@format_option
@pass_provgraph
def show(
    ctx: ProvgraphContext,
    *,
    identifier: str,
    limit: int | None,
    show_all: bool,
    raw: bool,
    raw_uuid: bool,
    style: OutputStyle,
) -> None:
    """Show a group's details and its member nodes in pk order, streamed as they are read.

    GROUP is a pk, a uuid (or unique uuid prefix) or a label. With --json the output is one
    object: {"group": {...}, "nodes": [...]}; with --format tsv only the members are printed.

    \b
    Example:
      provgraph group show results --limit 10
      provgraph group show results -F tsv | cut -f1
    """
    if show_all:
        limit = None
    storage = ctx.get_storage()
    chosen = _load(storage, identifier)
    members = _member_query(storage, chosen, limit, project=["id", "uuid"] if raw else None)
    if raw:
        _print_raw(members.iterall(batch_size=1000), 1 if raw_uuid else 0)
        return
    rows = _member_rows(members)
    if style.format == "tsv":  # the members only: no count needed before the first row
        shown = emit_rows(_MEMBER_COLUMNS, rows, style)
        _note_hidden(chosen, shown, limit, style)
        return
    total = chosen.count()
    details: dict[str, Any] = {
        "label": chosen.label,
        "pk": chosen.pk,
        "uuid": chosen.uuid,
        "type_string": chosen.type_string,
        "description": chosen.description,
        "user": chosen.user.email,
        "created": chosen.time,
        "nodes": total,
    }
    if style.format in ("json", "yaml"):
        _print_group_document(details, rows, style)
        return
    print_mapping(details, style)
    if total:
        click.echo()
        _note_hidden(chosen, emit_rows(_MEMBER_COLUMNS, rows, style), limit, style, total)


def _note_hidden(
    chosen: Group, shown: int, limit: int | None, style: OutputStyle, total: int | None = None
) -> None:
    """Say how many members --limit left out (counted only when the limit was reached)."""
    if limit is None or shown < limit:
        return
    hidden = (chosen.count() if total is None else total) - shown
    if hidden > 0:
        note(
            f"... {plural(hidden, 'more member', 'more members')} not shown (raise --limit, or -a for all).",
            style,
        )


def _member_query(
    storage: StorageBackend, chosen: Group, limit: int | None, project: list[str] | None = None
) -> QueryBuilder:
    from provgraph.orm.groups import Group
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.querybuilder import QueryBuilder

    query = QueryBuilder(backend=storage)
    query.append(Group, filters={"id": chosen.pk}, tag="group")
    columns = project or ["id", "uuid", "node_type", "label", "ctime"]
    query.append(Node, with_group="group", project=columns, tag="member")
    query.order_by({"member": "id"})
    if limit is not None:
        query.limit(limit)
    return query


def _member_rows(query: QueryBuilder) -> Iterator[tuple[Any, ...]]:
    for pk, uuid, node_type, label, ctime in query.iterall(batch_size=1000):
        yield pk, uuid, _type_name(node_type), label, ctime


def _print_raw(rows: Iterator[list[Any]], column: int) -> None:
    """verdi's ``--raw``: the values on one line, space-separated, written as they come."""
    first = True
    for row in rows:
        sys.stdout.write(("" if first else " ") + str(row[column]))
        first = False
    sys.stdout.write("\n")
    sys.stdout.flush()


def _print_group_document(
    details: dict[str, Any], rows: Iterator[tuple[Any, ...]], style: OutputStyle
) -> None:
    """One json or yaml document ``{group: ..., nodes: [...]}`` whose members still stream."""
    first = next(rows, None)
    plain = {
        key: value.isoformat() if isinstance(value, datetime) else value for key, value in details.items()
    }
    if style.format == "json":
        head = json.dumps(plain, indent=2, ensure_ascii=False, default=str)
        sys.stdout.write('{\n"group": ' + head + ',\n"nodes": ')
        emit_rows(_MEMBER_COLUMNS, _prepend(first, rows), style)
        sys.stdout.write("}\n")
    else:
        import yaml

        sys.stdout.write(yaml.safe_dump({"group": plain}, sort_keys=False, allow_unicode=True))
        if first is None:
            sys.stdout.write("nodes: []\n")
        else:
            sys.stdout.write("nodes:\n")
            emit_rows(_MEMBER_COLUMNS, _prepend(first, rows), style)
    sys.stdout.flush()


def _prepend(first: tuple[Any, ...] | None, rest: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    if first is not None:
        yield first
        yield from rest


# -- membership -----------------------------------------------------------------------------------


@group.command("add-nodes")
@click.argument("identifier", metavar="GROUP", shell_complete=complete_group_labels)
@click.argument("nodes", metavar="NODE...", nargs=-1, required=True, shell_complete=complete_node_pks)
@pass_provgraph
def add_nodes(ctx: ProvgraphContext, identifier: str, nodes: tuple[str, ...]) -> None:
    """Add nodes to GROUP; nodes already in it stay in it once.

    GROUP is a pk, uuid or label; each NODE a pk, uuid or unique uuid prefix.

    \b
    Example:
      provgraph group add-nodes results 12 13 3f2a9c1e
    """
    chosen, change, after = _change_members(ctx, identifier, nodes, add=True)
    click.echo(f"Added {plural(change, 'node')} to group {chosen.label!r}; it has {after} now.")


@group.command("remove-nodes")
@click.argument("identifier", metavar="GROUP", shell_complete=complete_group_labels)
@click.argument("nodes", metavar="NODE...", nargs=-1, required=True, shell_complete=complete_node_pks)
@pass_provgraph
def remove_nodes(ctx: ProvgraphContext, identifier: str, nodes: tuple[str, ...]) -> None:
    """Remove nodes from GROUP (the nodes themselves are kept).

    GROUP is a pk, uuid or label; each NODE a pk, uuid or unique uuid prefix.

    \b
    Example:
      provgraph group remove-nodes results 12
    """
    chosen, change, after = _change_members(ctx, identifier, nodes, add=False)
    click.echo(f"Removed {plural(change, 'node')} from group {chosen.label!r}; it has {after} now.")


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


@group.command("copy")
@click.argument("source", metavar="SOURCE", shell_complete=complete_group_labels)
@click.argument("destination", metavar="DESTINATION", shell_complete=complete_group_labels)
@click.option(
    "-f", "--force", is_flag=True, help="Do not ask before adding to a destination that is not empty."
)
@pass_provgraph
def copy(ctx: ProvgraphContext, source: str, destination: str, force: bool) -> None:
    """Add every node of the group SOURCE to the group labelled DESTINATION.

    DESTINATION is created (type 'core') if no such group exists. A destination that already
    holds nodes keeps them and gains SOURCE's; that needs a confirmation (or --force).

    \b
    Example:
      provgraph group copy results results-2026
    """
    from provgraph.orm.groups import Group

    storage = ctx.get_storage()
    origin = _load(storage, source)
    target, created = Group.collection(storage).get_or_create(label=destination)
    if target.pk == origin.pk:
        raise InputValidationError(f"source and destination are the same group, {origin.label!r}")
    if not created and not target.is_empty:
        confirm_or_force(
            force,
            "Copying into a group that is not empty",
            f"Group {target.label!r} already holds {plural(target.count(), 'node')}; add those of "
            f"{origin.label!r} to them?",
        )
    ids = _member_ids(storage, origin.pk or 0)
    if ids:
        storage.add_group_nodes(target.pk or 0, ids)
    made = " (created)" if created else ""
    click.echo(
        f"Copied {plural(len(ids), 'node')} from group {origin.label!r} to group {target.label!r}{made}; "
        f"it has {target.count()} now."
    )


@group.command("move-nodes")
@click.argument("nodes", metavar="[NODES]...", nargs=-1, shell_complete=complete_node_pks)
@click.option(
    "-s",
    "--source-group",
    "source",
    required=True,
    metavar="GROUP",
    shell_complete=complete_group_labels,
    help="The group the nodes leave.",
)
@click.option(
    "-t",
    "--target-group",
    "target",
    required=True,
    metavar="GROUP",
    shell_complete=complete_group_labels,
    help="The group the nodes join.",
)
@click.option("-a", "--all", "move_all", is_flag=True, help="Move every node of the source group.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@pass_provgraph
def move_nodes(
    ctx: ProvgraphContext, *, nodes: tuple[str, ...], source: str, target: str, move_all: bool, force: bool
) -> None:
    """Move NODES (or, with --all, every node) from the source group to the target group.

    Nodes that are not in the source group are skipped with a warning; nodes already in the
    target group still leave the source. Both changes happen in one transaction.

    \b
    Example:
      provgraph group move-nodes -s inbox -t checked 12 13
      provgraph group move-nodes -s inbox -t checked --all -f
    """
    storage = ctx.get_storage()
    origin, destination = _load(storage, source), _load(storage, target)
    if origin.pk == destination.pk:
        raise InputValidationError(f"source and target are the same group, {origin.label!r}")
    if nodes and move_all:
        raise click.UsageError("Give NODES or --all, not both.")
    in_source = set(_member_ids(storage, origin.pk or 0))
    if move_all:
        ids = sorted(in_source)
    elif not nodes:
        raise click.UsageError("Give the NODES to move, or --all to move every node of the source group.")
    else:
        wanted = list(dict.fromkeys(int(item.pk or 0) for item in _load_nodes(storage, nodes)))
        ids = [pk for pk in wanted if pk in in_source]
        absent = [pk for pk in wanted if pk not in in_source]
        if not ids:
            raise InputValidationError(f"none of the given nodes is in group {origin.label!r}")
        if absent:
            listed = ", ".join(str(pk) for pk in absent)
            click.echo(
                f"Warning: {plural(len(absent), 'node')} not in {origin.label!r}, skipped: {listed}", err=True
            )
    if not ids:
        click.echo(f"Group {origin.label!r} is empty: nothing to move.")
        return
    already = set(_member_ids(storage, destination.pk or 0)).intersection(ids)
    if already:
        click.echo(
            f"Warning: {plural(len(already), 'node')} already in {destination.label!r}; "
            f"they still leave {origin.label!r}.",
            err=True,
        )
    what = plural(len(ids), "node")
    confirm_or_force(
        force, "Moving nodes", f"Move {what} from group {origin.label!r} to group {destination.label!r}?"
    )
    with storage.transaction():
        storage.remove_group_nodes(origin.pk or 0, ids)
        storage.add_group_nodes(destination.pk or 0, ids)
    click.echo(f"Moved {what} from group {origin.label!r} to group {destination.label!r}.")


@group.command("relabel")
@click.argument("identifier", metavar="GROUP", shell_complete=complete_group_labels)
@click.argument("new_label")
@pass_provgraph
def relabel(ctx: ProvgraphContext, identifier: str, new_label: str) -> None:
    """Give GROUP the label NEW_LABEL (free among groups of its type).

    GROUP is a pk, a uuid (or unique uuid prefix) or a label.

    \b
    Example:
      provgraph group relabel results results-final
    """
    chosen = _load(ctx.get_storage(), identifier)
    old = chosen.label
    chosen.label = new_label
    click.echo(f"Relabelled group {old!r} to {new_label!r}.")
