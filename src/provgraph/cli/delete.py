"""``provgraph node delete`` and ``provgraph group delete``: list what goes, ask, delete in one transaction.

Both follow ``verdi``: the toggleable DELETE traversal rules are flags
(``--create-forward/--no-create-forward`` and so on, on by default), ``-n/--dry-run`` only lists,
``-f/--force`` skips the question. Before asking, the command lists what will go (counts per
node type, the first nodes by pk); without a terminal it refuses unless ``--force`` is given.

    provgraph node delete 12 3f2a9c1e --no-create-forward
    provgraph group delete old-runs --delete-nodes --dry-run

Each command is registered by its group with one line (``node.add_command(node_delete)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import click

from provgraph.cli.completion import complete_group_labels, complete_node_pks
from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.output import make_table, print_rich
from provgraph.cli.prompts import confirm_or_force
from provgraph.tools.graph.rules import GraphTraversalRules

if TYPE_CHECKING:
    from provgraph.storage.abstract import StorageBackend
    from provgraph.tools.delete import DeletionPlan

__all__ = ["delete_rule_options", "group_delete", "node_delete"]

#: Nodes listed by pk before the question; the rest are counted.
LISTED = 20
_SHORT_UUID = 8

_RULE_HELP = {
    "create_forward": "the data a deleted calculation created (CREATE links forward)",
    "call_calc_forward": "the calculations a deleted workflow called (CALL_CALC links forward)",
    "call_work_forward": "the workflows a deleted workflow called (CALL_WORK links forward)",
}

_FILES_HINT = (
    "Their file contents stay in the repository, unreferenced, until "
    "`provgraph storage maintain --full` frees them."
)


def delete_rule_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """One ``--RULE/--no-RULE`` flag per toggleable DELETE rule, with aiida-core's default."""
    for name, rule in reversed(list(GraphTraversalRules.DELETE.rules.items())):
        if not rule.toggleable:
            continue
        flag = name.replace("_", "-")
        what = _RULE_HELP.get(name, f"what {rule.link_type.name} links lead to ({rule.direction})")
        command = click.option(
            f"--{flag}/--no-{flag}",
            name,
            default=rule.default,
            show_default=True,
            help=f"Also delete {what}.",
        )(command)
    return command


@click.command("delete")
@click.argument("identifiers", metavar="NODES...", nargs=-1, required=True, shell_complete=complete_node_pks)
@delete_rule_options
@click.option("-n", "--dry-run", is_flag=True, help="List what would be deleted; delete nothing.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@pass_provgraph
def node_delete(
    ctx: ProvgraphContext,
    /,
    identifiers: tuple[str, ...],
    dry_run: bool,
    force: bool,
    **traversal_rules: bool,
) -> None:
    """Delete NODES and every node that would be meaningless without them.

    NODES are pks, UUIDs or unique UUID prefixes; pks that are not nodes are skipped with a
    warning. The deletion takes along what the DELETE rules say: the processes that used a
    deleted node, the outputs of a deleted calculation (--create-forward), the workflows that
    called it, and what a deleted workflow called (--call-calc-forward, --call-work-forward).
    Links, group memberships, comments and logs of the deleted nodes go too, all in one
    transaction; their file contents stay until `provgraph storage maintain --full`.
    """
    from provgraph.tools.delete import ensure_deletable, plan_deletion

    storage = ctx.get_storage()
    if not dry_run:
        ensure_deletable(storage)
    pks = _node_pks(storage, identifiers)
    plan = plan_deletion(pks, groups=(), backend=storage, **traversal_rules)
    if plan.missing:
        noun = "pk is not a node" if len(plan.missing) == 1 else "pks are not nodes"
        click.echo(f"Warning: {len(plan.missing)} {noun}, skipped: {_pk_list(plan.missing)}", err=True)
    if not plan.pks:
        click.echo("Nothing to delete.")
        return
    click.echo(f"{_count(len(plan.pks))} will be deleted:")
    _print_listing(storage, plan)
    if dry_run:
        click.echo("Dry run: nothing was deleted.")
        return
    confirm_or_force(force, "Deleting nodes", f"Delete these {_count(len(plan.pks))}? This cannot be undone.")
    deleted = _run(storage, plan)
    click.echo(f"Deleted {_count(len(deleted))}, with their links, group memberships, comments and logs.")
    click.echo(_FILES_HINT)


@click.command("delete")
@click.argument("identifier", metavar="GROUP", shell_complete=complete_group_labels)
@click.option(
    "--delete-nodes",
    is_flag=True,
    help="Also delete the group's nodes, with what the deletion rules take along (listed first).",
)
@delete_rule_options
@click.option("-n", "--dry-run", is_flag=True, help="Show what would be deleted; delete nothing.")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@pass_provgraph
def group_delete(
    ctx: ProvgraphContext,
    /,
    identifier: str,
    delete_nodes: bool,
    dry_run: bool,
    force: bool,
    **traversal_rules: bool,
) -> None:
    """Delete GROUP; its member nodes are kept unless --delete-nodes is given.

    GROUP is a pk, a uuid (or unique uuid prefix) or a label. With --delete-nodes the group's
    nodes go too, with every node the DELETE rules take along (as `provgraph node delete`;
    the rule flags apply only then), in the same transaction as the group.
    """
    from provgraph.orm.groups import Group, load_group
    from provgraph.tools.delete import ensure_deletable

    storage = ctx.get_storage()
    chosen = load_group(identifier, backend=storage)
    pk = cast(int, chosen.pk)  # loaded groups are stored
    if not dry_run:
        ensure_deletable(storage, f"group {chosen.label!r}")
    if delete_nodes:
        _delete_group_with_nodes(
            storage, pk, chosen.label, dry_run=dry_run, force=force, rules=traversal_rules
        )
        return
    count = chosen.count()
    if dry_run:
        click.echo(f"Dry run: group {chosen.label!r} (pk {pk}) would be deleted; its {count} nodes kept.")
        return
    confirm_or_force(force, "Deleting a group", f"Delete group {chosen.label!r} (pk {pk}, {count} nodes)?")
    Group.collection(storage).delete(pk)
    click.echo(f"Deleted group {chosen.label!r}; its {count} nodes were kept.")


def _delete_group_with_nodes(
    storage: StorageBackend, pk: int, label: str, *, dry_run: bool, force: bool, rules: dict[str, bool]
) -> None:
    from provgraph.tools.delete import group_node_pks, plan_deletion

    members = group_node_pks([pk], backend=storage)
    plan = plan_deletion(members, groups=[pk], backend=storage, **rules)
    taken = len(plan.pks) - len(members)
    click.echo(
        f"Group {label!r} (pk {pk}) will be deleted with {_count(len(plan.pks))}: its "
        f"{_count(len(members), 'member')} and {_count(taken)} the deletion rules take along."
    )
    if plan.pks:
        _print_listing(storage, plan)
    if dry_run:
        click.echo("Dry run: nothing was deleted.")
        return
    confirm_or_force(
        force,
        "Deleting a group and its nodes",
        f"Delete group {label!r} and {_count(len(plan.pks))}? This cannot be undone.",
    )
    deleted = _run(storage, plan)
    click.echo(
        f"Deleted group {label!r} and {_count(len(deleted))}, with their links, group memberships, "
        "comments and logs."
    )
    if deleted:
        click.echo(_FILES_HINT)


def _node_pks(storage: StorageBackend, identifiers: tuple[str, ...]) -> list[int]:
    """Digits are pks (checked by the deletion, which skips unknown ones); the rest UUIDs or prefixes."""
    from provgraph.orm.loaders import load_node

    pks: list[int] = []
    for identifier in identifiers:
        text = identifier.strip()
        if text.isdigit():
            pks.append(int(text))
        else:
            pks.append(cast(int, load_node(text, backend=storage).pk))
    return pks


def _print_listing(storage: StorageBackend, plan: DeletionPlan) -> None:
    """Counts per node type, then the first :data:`LISTED` nodes by pk and how many more."""
    from provgraph.tools.delete import describe_nodes, type_name

    listing = describe_nodes(plan.pks, limit=LISTED, backend=storage)
    counts = make_table("type", "node_type", "count")
    for node_type, count in listing.counts:
        counts.add_row(type_name(node_type), node_type, str(count))
    print_rich(counts)
    click.echo()
    rows = make_table("pk", "short uuid", "type", "label")
    for row in listing.first:
        rows.add_row(str(row.pk), row.uuid[:_SHORT_UUID], row.type_name, row.label)
    print_rich(rows)
    if listing.more:
        click.echo(f"... and {listing.more} more {'node' if listing.more == 1 else 'nodes'}, not listed.")


def _run(storage: StorageBackend, plan: DeletionPlan) -> frozenset[int]:
    """Delete with a progress bar on standard error (only when a person watches it)."""
    from provgraph.cli.output import stage_progress
    from provgraph.tools.delete import run_deletion

    with stage_progress() as report:
        return run_deletion(plan, backend=storage, progress=report)


def _count(number: int, noun: str = "node") -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _pk_list(pks: frozenset[int], shown: int = 20) -> str:
    ordered = sorted(pks)
    more = f" and {len(ordered) - shown} more" if len(ordered) > shown else ""
    return ", ".join(map(str, ordered[:shown])) + more
