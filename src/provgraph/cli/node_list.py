"""``provgraph node list``: a quick look around the graph, built on the QueryBuilder.

The filters (``--type``, ``--where``, ``--project``) are parsed by :mod:`provgraph.tools.node_filters`:
``--where`` is a deliberately small ``FIELD OPERATOR VALUE``; anything richer belongs in a
Python script with ``QueryBuilder``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.completion import complete_group_labels
from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note, print_mapping
from provgraph.cli.options import days_ago, order_options, past_days_option
from provgraph.exceptions import InputValidationError
from provgraph.tools.node_filters import (
    NODE_COLUMNS,
    PROJECT_HELP,
    TYPE_HELP,
    WHERE_HELP,
    NodeTypeSelection,
    WhereClause,
    field_name,
    parse_projection,
    parse_where,
    resolve_node_type,
)

if TYPE_CHECKING:
    from provgraph.orm import QueryBuilder
    from provgraph.orm.nodes.node import Node

__all__ = ["WhereClause", "list_nodes", "parse_where"]

DEFAULT_PROJECTION = ("pk", "uuid", "node_type", "label", "ctime")
_COLUMNS = NODE_COLUMNS


def _field_name(field: str, option: str = "--where") -> str:
    return field_name(field, option)


def _projection(spec: str) -> list[str]:
    """The ``--project`` fields, checked (errors speak of --project)."""
    return parse_projection(spec, "--project")


def _node_class(type_name: str) -> tuple[type[Node] | None, str | None]:
    """Kept for callers of the old shape: (class, None) or (None, node_type prefix without its dot).

    New code uses :func:`provgraph.tools.node_filters.resolve_node_type`, which also covers process
    entry points (a process_type filter) and node types found only in the storage.
    """
    chosen = resolve_node_type(type_name)
    if chosen.prefix is not None:
        return None, chosen.prefix.rstrip(".")
    if chosen.filters:
        raise InputValidationError(f"--type {type_name!r} selects by process_type; use resolve_node_type()")
    return chosen.node_class, None


def _type_selection(storage: Any, type_name: str) -> NodeTypeSelection:
    """What ``--type`` selects; node types stored in the profile count as known too."""

    def present() -> list[str]:
        from provgraph.orm import Node, QueryBuilder

        query = QueryBuilder(backend=storage).append(Node, project="node_type").distinct()
        return [str(node_type) for (node_type,) in query.iterall()]

    return resolve_node_type(type_name, "--type", present)


#: What ``--order-by`` accepts (node columns; pk and id are the same).
ORDER_FIELDS = ("pk", "id", "uuid", "ctime", "mtime", "label", "node_type", "process_type")
_DEFAULT_LIMIT = 100


@click.command("list")
@click.option("-t", "--type", "type_name", metavar="TYPE", help=TYPE_HELP)
@click.option("-L", "--label", metavar="PATTERN", help="Label pattern: % matches any run, _ one character.")
@click.option(
    "-g",
    "--group",
    "group_label",
    metavar="LABEL",
    shell_complete=complete_group_labels,
    help="Only members of this group.",
)
@click.option("-w", "--where", "where", multiple=True, metavar="EXPR", help=WHERE_HELP)
@click.option(
    "-P",
    "--project",
    "project",
    default=",".join(DEFAULT_PROJECTION),
    show_default=True,
    metavar="FIELDS",
    help=PROJECT_HELP,
)
@past_days_option("nodes")
@order_options(ORDER_FIELDS, "pk", "nodes")
@click.option(
    "-l",
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help=f"Show at most N nodes [default: {_DEFAULT_LIMIT}, or all with --all].",
)
@click.option("-a", "--all", "all_nodes", is_flag=True, help="Show every matching node (no limit).")
@click.option(
    "--explain",
    is_flag=True,
    help="List nothing: say how the database would find the nodes (indexes, scans, estimated "
    "rows) and which `storage index add` would make a slow filter fast.",
)
@format_option
@pass_provgraph
def list_nodes(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    type_name: str | None,
    label: str | None,
    group_label: str | None,
    where: tuple[str, ...],
    project: str,
    past_days: int | None,
    order_by: str,
    order_direction: str,
    limit: int | None,
    all_nodes: bool,
    explain: bool,
    style: OutputStyle,
) -> None:
    """List nodes matching filters, streamed as the database returns them.

    Rows appear at once even on millions of nodes; pipe to other tools with --format tsv (full
    values, tab-separated, one header line) or read --format json / yaml from a program.
    --type, --where and --project refuse what they cannot read (an unknown type suggests
    close names) rather than list nothing; several --where are ANDed.

    \b
    Examples:
      provgraph node list --type Int --where 'attributes.value>5'
      provgraph node list --type core.array --where 'ctime>=2024-01-31'
      provgraph node list --type CalcFunctionNode --where 'mtime>-3d' --where 'label like add%'
      provgraph node list --type process.calculation --project pk,label,attributes.process_state
      provgraph node list --group results --where 'extras.score >= 0.9' --json
      provgraph node list --all --format tsv -P pk,uuid,ctime | cut -f2
      provgraph node list --type Dict --where 'attributes.energy<0' --explain
    """
    if all_nodes and limit is not None:
        raise click.UsageError("--all contradicts --limit: give one of them.")
    selection = _Selection(
        type_name, label, group_label, [parse_where(expression) for expression in where], _projection(project)
    )
    ordering = _Ordering(order_by, order_direction, past_days)
    cap = None if all_nodes else (limit or _DEFAULT_LIMIT)
    storage = ctx.get_storage()
    query = _query(storage, selection, ordering, cap)
    if explain:
        _explain(query, style)
        return
    count = emit_rows(selection.fields, query.iterall(batch_size=_BATCH_ROWS), style)
    if count == 0 and group_label is not None:
        from provgraph.orm import Group

        Group.collection(storage).get(label=group_label)  # a clear error if the group does not exist
    more = " (the limit: raise it with --limit, or show all with --all)" if count == cap else ""
    note(f"Total results: {count}{more}", style)


_BATCH_ROWS = 1000


def _explain(query: QueryBuilder, style: OutputStyle) -> None:
    """The plan in words (a table format) or as a record (json, yaml, tsv)."""
    explained = query.explain()
    if style.structured:
        print_mapping(
            {
                "steps": explained.steps,
                "indexes": explained.indexes,
                "full_scans": explained.full_scans,
                "estimated_rows": explained.estimated_rows,
                "advice": explained.advice,
                "plan": explained.plan,
            },
            style,
        )
    else:
        click.echo(str(explained))


@dataclass(frozen=True)
class _Ordering:
    """How the listing is sorted and how far back it reaches."""

    field: str
    direction: str
    past_days: int | None


@dataclass(frozen=True)
class _Selection:
    """What the options ask for."""

    type_name: str | None
    label: str | None
    group_label: str | None
    clauses: Sequence[WhereClause]
    fields: Sequence[str]


def _query(storage: Any, selection: _Selection, ordering: _Ordering, cap: int | None) -> QueryBuilder:
    from provgraph.orm import Group, Node, QueryBuilder

    type_name, label, group_label = selection.type_name, selection.label, selection.group_label
    clauses, fields = selection.clauses, selection.fields

    node_class: type[Node] = Node
    filters: dict[str, Any] = {}
    if type_name is not None:
        chosen = _type_selection(storage, type_name)
        node_class = chosen.node_class
        filters.update(chosen.filters)
    if label is not None:
        filters["label"] = {"like": label}
    conditions = [clause.as_filter() for clause in clauses]
    if ordering.past_days is not None:
        since = days_ago(ordering.past_days)
        conditions.append({"ctime": {">=": since}})
    if conditions:
        filters["and"] = conditions
    query = QueryBuilder(backend=storage)
    if group_label is not None:
        query.append(Group, filters={"label": group_label}, tag="group")
        query.append(node_class, with_group="group", filters=filters, tag="node")
    else:
        query.append(node_class, filters=filters, tag="node")
    query.add_projection("node", [_field_name(name) for name in fields])
    query.order_by({"node": [{_COLUMNS[ordering.field]: {"order": ordering.direction}}]})
    if cap is not None:
        query.limit(cap)
    return query
