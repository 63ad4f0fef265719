"""``provgraph node list``: a quick look around the graph, built on the QueryBuilder.

The filters (``--type``, ``--where``, ``--project``) are parsed by :mod:`provgraph.cli.filters`:
``--where`` is a deliberately small ``FIELD OPERATOR VALUE``; anything richer belongs in a
Python script with ``QueryBuilder``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.filters import (
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
from provgraph.cli.output import make_table, print_rich
from provgraph.exceptions import InputValidationError

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["WhereClause", "list_nodes", "parse_where"]

DEFAULT_PROJECTION = ("pk", "uuid", "node_type", "label", "ctime")


def _field_name(field: str, option: str = "--where") -> str:
    return field_name(field, option)


def _projection(spec: str) -> list[str]:
    """The ``--project`` fields, checked (errors speak of --project)."""
    return parse_projection(spec, "--project")


def _node_class(type_name: str) -> tuple[type[Node] | None, str | None]:
    """Kept for callers of the old shape: (class, None) or (None, node_type prefix without its dot).

    New code uses :func:`provgraph.cli.filters.resolve_node_type`, which also covers process
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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dict, list, bool)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@click.command("list")
@click.option("-t", "--type", "type_name", metavar="TYPE", help=TYPE_HELP)
@click.option("-L", "--label", metavar="PATTERN", help="Label pattern: % matches any run, _ one character.")
@click.option("-g", "--group", "group_label", metavar="LABEL", help="Only members of this group.")
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
@click.option(
    "-l", "--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Show at most N nodes."
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects instead of a table.")
@pass_provgraph
def list_nodes(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    type_name: str | None,
    label: str | None,
    group_label: str | None,
    where: tuple[str, ...],
    project: str,
    limit: int,
    as_json: bool,
) -> None:
    """List nodes matching filters, in pk order.

    --type, --where and --project refuse what they cannot read (an unknown type suggests
    close names) rather than list nothing; several --where are ANDed.

    \b
    Examples:
      provgraph node list --type Int --where 'attributes.value>5'
      provgraph node list --type core.array --where 'ctime>=2024-01-31'
      provgraph node list --type CalcFunctionNode --where 'mtime>-3d' --where 'label like add%'
      provgraph node list --type process.calculation --project pk,label,attributes.process_state
      provgraph node list --group results --where 'extras.score >= 0.9' --json
    """
    selection = _Selection(
        type_name, label, group_label, [parse_where(expression) for expression in where], _projection(project)
    )
    fields = selection.fields
    rows = _query(ctx.get_storage(), selection, limit)
    if as_json:
        objects = [dict(zip(fields, map(_json_value, row), strict=True)) for row in rows]
        click.echo(json.dumps(objects, indent=2, ensure_ascii=False))
        return
    if rows:
        table = make_table(*fields, no_wrap=("pk", "id", "ctime", "mtime"))
        for row in rows:
            table.add_row(*(_cell(value) for value in row))
        print_rich(table)
    more = " (the limit; raise it with --limit)" if len(rows) == limit else ""
    click.echo(f"Total results: {len(rows)}{more}")


@dataclass(frozen=True)
class _Selection:
    """What the options ask for."""

    type_name: str | None
    label: str | None
    group_label: str | None
    clauses: Sequence[WhereClause]
    fields: Sequence[str]


def _query(storage: Any, selection: _Selection, limit: int) -> list[list[Any]]:
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
    if conditions:
        filters["and"] = conditions
    query = QueryBuilder(backend=storage)
    if group_label is not None:
        query.append(Group, filters={"label": group_label}, tag="group")
        query.append(node_class, with_group="group", filters=filters, tag="node")
    else:
        query.append(node_class, filters=filters, tag="node")
    query.add_projection("node", [_field_name(name) for name in fields])
    query.order_by({"node": [{"id": {"order": "asc"}}]}).limit(limit)
    rows = query.all()
    if group_label is not None and not rows:
        Group.collection(storage).get(label=group_label)  # a clear error if the group does not exist
    return [list(row) for row in rows]
