"""``provgraph node list``: a quick look around the graph, built on the QueryBuilder.

The ``--where`` mini-language is deliberately small: ``FIELD OPERATOR VALUE``, where FIELD is a
node column or a dotted path into ``attributes`` / ``extras``, and VALUE is JSON when it parses as
JSON (``5``, ``2.5``, ``true``, ``null``, ``"text"``, ``[1, 2]``) and a plain string otherwise.
Anything richer belongs in a Python script with ``QueryBuilder``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.completion import complete_group_labels
from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note
from provgraph.exceptions import InputValidationError

if TYPE_CHECKING:
    from provgraph.orm import QueryBuilder
    from provgraph.orm.nodes.node import Node

__all__ = ["WhereClause", "list_nodes", "parse_where"]

#: Symbolic operators, longest first so that ``>=`` is not read as ``>``.
_SYMBOLS = {"==": "==", "!=": "!==", ">=": ">=", "<=": "<=", "=": "==", ">": ">", "<": "<"}
#: Word operators (each may be negated with a leading ``!``).
_WORDS = ("like", "ilike", "in", "has_key", "contains", "of_type", "of_length", "longer", "shorter")

_FIELD = r"(?P<field>[A-Za-z_][A-Za-z0-9_]*(?:\.[^\s.=!<>]+)*)"
_SYMBOL = "|".join(re.escape(symbol) for symbol in sorted(_SYMBOLS, key=len, reverse=True))
_WORD = r"!?(?:" + "|".join(_WORDS) + r")"
_CLAUSE = re.compile(
    rf"^\s*{_FIELD}\s*(?:(?P<symbol>{_SYMBOL})|\s(?P<word>{_WORD})\s)\s*(?P<value>.*?)\s*$", re.DOTALL
)

DEFAULT_PROJECTION = ("pk", "uuid", "node_type", "label", "ctime")
_COLUMNS = {
    "pk": "id",
    "id": "id",
    "uuid": "uuid",
    "node_type": "node_type",
    "process_type": "process_type",
    "label": "label",
    "description": "description",
    "ctime": "ctime",
    "mtime": "mtime",
    "user": "user_id",
    "user_id": "user_id",
    "computer": "dbcomputer_id",
    "dbcomputer_id": "dbcomputer_id",
}
_JSON_ROOTS = ("attributes", "extras")

WHERE_HELP = """\
Filter: FIELD OPERATOR VALUE, e.g. 'attributes.x>5', 'label like calc%',
'extras.tag == "done"', 'attributes.kinds of_length 2'. Repeat to AND several.
FIELD is a column (pk, uuid, label, description, node_type, process_type, ctime, mtime)
or attributes.PATH / extras.PATH. OPERATOR is one of == = != < <= > >= or the words
like ilike in has_key contains of_type of_length longer shorter (prefix ! to negate).
VALUE is read as JSON when it is JSON (5, 2.5, true, null, "text", [1, 2]), else as
plain text; quote a number with "..." to compare it as text.
"""


@dataclass(frozen=True)
class WhereClause:
    """One parsed ``--where`` expression."""

    field: str
    operator: str
    value: Any

    def as_filter(self) -> dict[str, Any]:
        """The QueryBuilder filter ``{field: {operator: value}}``."""
        return {_field_name(self.field): {self.operator: self.value}}


def _field_name(field: str) -> str:
    if field.split(".", 1)[0] in _JSON_ROOTS:
        return field
    if field in _COLUMNS:
        return _COLUMNS[field]
    known = ", ".join([*sorted(_COLUMNS), "attributes.PATH", "extras.PATH"])
    raise InputValidationError(f"unknown field {field!r} in --where; use one of {known}")


def _value(text: str) -> Any:
    if text == "":
        raise InputValidationError("missing value")
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_where(expression: str) -> WhereClause:
    """Parse ``FIELD OPERATOR VALUE``; ``InputValidationError`` says what is wrong and how to write it."""
    match = _CLAUSE.match(expression)
    if match is None:
        raise InputValidationError(
            f"cannot read --where {expression!r}: write FIELD OPERATOR VALUE, e.g. 'attributes.x>5' "
            "or 'label like calc%' (see provgraph node list --help)"
        )
    field = match["field"]
    operator = _SYMBOLS[match["symbol"]] if match["symbol"] else match["word"]
    try:
        value = _value(match["value"])
        _field_name(field)
    except InputValidationError as exc:
        raise InputValidationError(f"cannot read --where {expression!r}: {exc}") from None
    if operator.lstrip("!") == "in" and not isinstance(value, list):
        raise InputValidationError(f"--where {expression!r}: 'in' needs a JSON list, e.g. [1, 2]")
    return WhereClause(field, operator, value)


def _projection(spec: str) -> list[str]:
    names = [name.strip() for name in spec.split(",") if name.strip()]
    if not names:
        raise InputValidationError("--project needs at least one field")
    for name in names:
        _field_name(name)
    return names


def _node_class(type_name: str) -> tuple[type[Node] | None, str | None]:
    """A node class for a class name (``Int``), or a node_type prefix (``data.core.int``)."""
    from provgraph.orm.nodes.types import registered_node_types

    by_name: dict[str, type[Node]] = {}
    for node_type, node_class in registered_node_types().items():
        by_name.setdefault(node_class.__name__.lower(), node_class)
        by_name.setdefault(node_type.lower(), node_class)
    found = by_name.get(type_name.lower())
    if found is not None:
        return found, None
    if "." in type_name:
        return None, type_name.rstrip(".")
    names = sorted({cls.__name__ for cls in registered_node_types().values()})
    raise InputValidationError(
        f"unknown node type {type_name!r}: give a class name ({', '.join(names)}) or a node_type prefix "
        "such as data.core.int or process.calculation"
    )


#: What ``--order-by`` accepts (node columns; pk and id are the same).
ORDER_FIELDS = ("pk", "id", "uuid", "ctime", "mtime", "label", "node_type", "process_type")
_DEFAULT_LIMIT = 100


@click.command("list")
@click.option("-t", "--type", "type_name", metavar="TYPE", help="Class name (Int, Dict) or node_type prefix.")
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
    help="Comma-separated fields to show (columns or attributes.PATH / extras.PATH).",
)
@click.option(
    "-p",
    "--past-days",
    type=click.IntRange(min=1),
    metavar="DAYS",
    help="Only nodes created in the last DAYS days.",
)
@click.option(
    "-O",
    "--order-by",
    type=click.Choice(ORDER_FIELDS),
    default="pk",
    show_default=True,
    help="Field to sort by.",
)
@click.option(
    "-D",
    "--order-direction",
    type=click.Choice(("asc", "desc")),
    default="asc",
    show_default=True,
    help="Sort direction.",
)
@click.option(
    "-l",
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help=f"Show at most N nodes [default: {_DEFAULT_LIMIT}, or all with --all].",
)
@click.option("-a", "--all", "all_nodes", is_flag=True, help="Show every matching node (no limit).")
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
    style: OutputStyle,
) -> None:
    """List nodes matching filters, streamed as the database returns them.

    Rows appear at once even on millions of nodes; pipe to other tools with --format tsv (full
    values, tab-separated, one header line) or read --format json / yaml from a program.

    \b
    Examples:
      provgraph node list --type Int --where 'attributes.value>5'
      provgraph node list --type process.calculation --project pk,label,attributes.process_state
      provgraph node list --group results --where 'extras.score >= 0.9' --json
      provgraph node list --all --format tsv -P pk,uuid,ctime | cut -f2
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
    count = emit_rows(selection.fields, query.iterall(batch_size=_BATCH_ROWS), style)
    if count == 0 and group_label is not None:
        from provgraph.orm import Group

        Group.collection(storage).get(label=group_label)  # a clear error if the group does not exist
    more = " (the limit: raise it with --limit, or show all with --all)" if count == cap else ""
    note(f"Total results: {count}{more}", style)


_BATCH_ROWS = 1000


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
        found, prefix = _node_class(type_name)
        if found is not None:
            node_class = found
        else:
            filters["node_type"] = {"like": f"{prefix}.%"}
    if label is not None:
        filters["label"] = {"like": label}
    conditions = [clause.as_filter() for clause in clauses]
    if ordering.past_days is not None:
        since = datetime.now(timezone.utc) - timedelta(days=ordering.past_days)
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
