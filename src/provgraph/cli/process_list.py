"""``provgraph process list``: the processes of a profile, as ``verdi process list`` shows them.

    provgraph process list                      # active processes (created, waiting, running)
    provgraph process list -a -p 1              # everything created in the last day
    provgraph process list -X -P pk process_label exit_status exit_message
    provgraph process list -a -r -P pk | xargs -n1 provgraph process show

One query projects exactly the columns asked for (``-P``) and its rows are printed as they arrive
(:func:`provgraph.cli.listing.emit_rows`): no node objects and no query per row, so a listing of a
million processes starts printing at once. A column is a *projection*: a name (``pk``, ``state``,
``exit_status`` ...) that maps to one or more projected fields and a way to show them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph
from provgraph.cli.listing import OutputStyle, cell_formatter, emit_rows, format_option, format_state, note
from provgraph.cli.options import MultipleValueOption, days_ago, order_options, past_days_option

if TYPE_CHECKING:
    from provgraph.orm.querybuilder import QueryBuilder
    from provgraph.storage.abstract import StorageBackend

__all__ = ["DEFAULT_PROJECTIONS", "PROJECTIONS", "list_processes"]

PROCESS_STATES = ("created", "waiting", "running", "finished", "excepted", "killed")
ACTIVE_STATES = ("created", "waiting", "running")

_STATE = "attributes.process_state"
_EXIT_STATUS = "attributes.exit_status"
_PAUSED = "attributes.paused"
_CACHED_FROM = "extras._aiida_cached_from"
_COMPUTER = "computer.label"  # projected from an outer join on the computer, only when asked for


def _yes_no(value: Any) -> str:
    return "True" if value else "False"


def _last_line(value: Any) -> str:
    """The last line of a stored traceback: what a table has room for."""
    text = "" if value is None else str(value).strip()
    return text.splitlines()[-1] if text else ""


@dataclass(frozen=True)
class Projection:
    """One column of the listing: its table header, the fields it reads, and how it shows them.

    ``show`` makes the value for a table (and ``--raw``), ``data`` the value for tsv, json and
    yaml; both get the projected values of ``fields`` in order. None means the value as it is.
    """

    header: str
    fields: tuple[str, ...]
    show: Callable[..., Any] | None = None
    data: Callable[..., Any] | None = None


def _field(header: str, field: str, show: Callable[[Any], Any] | None = None) -> Projection:
    """A column showing one projected field (as it is for programs)."""
    return Projection(header, (field,), show)


def _state(state: Any, exit_status: Any, paused: Any) -> str:
    return format_state(state, exit_status, paused=bool(paused))


PROJECTIONS: dict[str, Projection] = {
    "pk": _field("PK", "id"),
    "uuid": _field("UUID", "uuid"),
    "ctime": _field("Created", "ctime"),
    "mtime": _field("Modified", "mtime"),
    "state": Projection("State", (_STATE, _EXIT_STATUS, _PAUSED), _state, _state),
    "process_state": _field(
        "Process state", _STATE, lambda value: "" if value is None else str(value).capitalize()
    ),
    "process_status": _field("Process status", "attributes.process_status"),
    "exit_status": _field("Exit status", _EXIT_STATUS),
    "exit_message": _field("Exit message", "attributes.exit_message"),
    "exception": _field("Exception", "attributes.exception", _last_line),
    "sealed": Projection("Sealed", ("attributes.sealed",), _yes_no, bool),
    "paused": Projection("Paused", (_PAUSED,), _yes_no, bool),
    "process_label": _field("Process label", "attributes.process_label"),
    "label": _field("Label", "label"),
    "description": _field("Description", "description"),
    "node_type": _field("Node type", "node_type"),
    "process_type": _field("Process type", "process_type"),
    "job_state": _field("Job state", "attributes.state"),
    "scheduler_state": _field("Scheduler state", "attributes.scheduler_state"),
    "computer": _field("Computer", _COMPUTER),
    "cached": Projection("Cached", (_CACHED_FROM,), lambda value: "yes" if value else "", bool),
    "cached_from": _field("Cached from", _CACHED_FROM),
}
"""Every ``-P/--project`` name (verdi's, plus ``computer``), in the order ``--help`` lists them."""

DEFAULT_PROJECTIONS = ("pk", "ctime", "process_label", "cached", "state", "process_status")
_ORDER_FIELDS = {"id": "id", "pk": "id", "ctime": "ctime", "mtime": "mtime"}


@dataclass(frozen=True)
class _Listing:
    """The query and the row converter for a set of projections."""

    fields: tuple[str, ...]  # the distinct projected fields, in query order
    converter: Callable[[Sequence[Any]], tuple[Any, ...]]

    @classmethod
    def build(cls, names: Sequence[str], human: bool) -> _Listing:
        """The converter makes one output tuple per row, with one C call per column shown as it is."""
        fields: list[str] = []
        for name in names:
            fields.extend(field for field in PROJECTIONS[name].fields if field not in fields)
        functions = [PROJECTIONS[name].show if human else PROJECTIONS[name].data for name in names]
        positions = [[fields.index(field) for field in PROJECTIONS[name].fields] for name in names]
        if all(function is None for function in functions):  # every column a single field as it is
            pick = itemgetter(*(places[0] for places in positions))
            if len(names) == 1:
                return cls(tuple(fields), lambda row: (pick(row),))
            return cls(tuple(fields), pick)
        getters = [_getter(function, places) for function, places in zip(functions, positions, strict=True)]

        def convert(row: Sequence[Any]) -> tuple[Any, ...]:
            return tuple([getter(row) for getter in getters])

        return cls(tuple(fields), convert)


def _getter(function: Callable[..., Any] | None, positions: list[int]) -> Callable[[Sequence[Any]], Any]:
    """The value of one column from a projected row."""
    pick = itemgetter(*positions)
    if function is None:
        return pick
    if len(positions) == 1:
        return lambda row: function(pick(row))
    return lambda row: function(*pick(row))


def _filters(  # noqa: PLR0917 (one per option of the command)
    all_entries: bool,
    process_states: Sequence[str],
    process_label: str | None,
    paused: bool,
    exit_status: int | None,
    failed: bool,
    past_days: int | None,
) -> dict[str, Any]:
    """The QueryBuilder filters on the process vertex, as verdi reads its options.

    Without ``-a`` and ``-S`` only active processes are listed; ``-S`` replaces that default;
    ``-E`` and ``-X`` select finished processes, whatever ``-a`` or ``-S`` say.
    """
    filters: dict[str, Any] = {}
    if process_states:
        filters[_STATE] = {"in": sorted(set(process_states))}
    elif not all_entries:
        filters[_STATE] = {"in": list(ACTIVE_STATES)}
    if process_label is not None:
        operator = "like" if "%" in process_label or "_" in process_label else "=="
        filters["attributes.process_label"] = {operator: process_label}
    if paused:
        filters[_PAUSED] = True
    if failed:
        filters[_STATE] = {"==": "finished"}
        filters[_EXIT_STATUS] = {">": 0}
    if exit_status is not None:
        filters[_STATE] = {"==": "finished"}
        filters[_EXIT_STATUS] = {"==": exit_status}
    if past_days is not None:
        filters["ctime"] = {">": days_ago(past_days)}
    return filters


def build_query(
    storage: StorageBackend,
    fields: Sequence[str],
    filters: dict[str, Any],
    *,
    group_pk: int | None = None,
    order_by: str = "ctime",
    descending: bool = False,
    limit: int | None = None,
) -> QueryBuilder:
    """One query projecting ``fields`` of the process nodes that pass ``filters``.

    ``computer.label`` comes from an outer join on the computer (a process may have none); the
    group, if any, is an inner join on its membership. Ties in the ordering are broken by pk.
    """
    from provgraph.orm import Computer, Group, ProcessNode, QueryBuilder

    query = QueryBuilder(backend=storage)
    if group_pk is not None:
        query.append(Group, tag="group", filters={"id": group_pk})
    process_fields = [field for field in fields if field != _COMPUTER]
    if group_pk is not None:
        query.append(ProcessNode, tag="process", filters=filters, project=process_fields, with_group="group")
    else:
        query.append(ProcessNode, tag="process", filters=filters, project=process_fields)
    if _COMPUTER in fields:
        query.append(Computer, tag="computer", with_node="process", outerjoin=True, project=["label"])
    direction = "desc" if descending else "asc"
    key = _ORDER_FIELDS[order_by]
    ordering = [{key: {"order": direction}}] + ([{"id": {"order": direction}}] if key != "id" else [])
    query.order_by({"process": ordering})
    if limit is not None:
        query.limit(limit)
    return query


def _rows_in_field_order(query: QueryBuilder, fields: Sequence[str]) -> Iterator[Sequence[Any]]:
    """The query's rows with the computer label (projected last) moved to its place in ``fields``."""
    rows: Iterator[Sequence[Any]] = query.iterall(batch_size=_BATCH)
    if _COMPUTER not in fields or fields[-1] == _COMPUTER:
        return rows
    position = fields.index(_COMPUTER)
    return ((*row[:position], row[-1], *row[position:-1]) for row in rows)


_BATCH = 1000


@click.command("list")
@click.option(
    "-P",
    "--project",
    "projections",
    cls=MultipleValueOption,
    type=click.Choice(tuple(PROJECTIONS)),
    metavar="NAME...",
    help=f"Columns to show, in order (several after one -P). Default: {' '.join(DEFAULT_PROJECTIONS)}. "
    f"Choices: {', '.join(PROJECTIONS)}.",
)
@order_options(tuple(_ORDER_FIELDS), "ctime", "processes (ties by pk)")
@click.option(
    "-G", "--group", "group", metavar="GROUP", help="Only processes in this group (pk, UUID or label)."
)
@click.option(
    "-a", "--all", "all_entries", is_flag=True, help="List processes in every state, not only active ones."
)
@click.option(
    "-S",
    "--process-state",
    "process_states",
    cls=MultipleValueOption,
    type=click.Choice(PROCESS_STATES),
    metavar="STATE...",
    help="Only processes in these states (several after one -S); replaces the default of active ones. "
    f"Choices: {', '.join(PROCESS_STATES)}.",
)
@click.option(
    "-L",
    "--process-label",
    metavar="LABEL",
    help="Only processes with this process label (a LIKE pattern if it holds % or _).",
)
@click.option("--paused", is_flag=True, help="Only paused processes.")
@click.option(
    "-E", "--exit-status", type=int, metavar="INT", help="Only finished processes with this exit status."
)
@click.option(
    "-X", "--failed", is_flag=True, help="Only failed processes: finished with a nonzero exit status."
)
@past_days_option("processes")
@click.option(
    "-l",
    "--limit",
    type=click.IntRange(min=1),
    metavar="N",
    help="Only the N last entries of the ordering (by default the N most recent), in the order asked for.",
)
@click.option(
    "-r",
    "--raw",
    is_flag=True,
    help="Only the values, tab-separated, one process a line: no header or summary.",
)
@format_option
@pass_provgraph
def list_processes(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    projections: tuple[str, ...],
    order_by: str,
    order_direction: str,
    group: str | None,
    all_entries: bool,
    process_states: tuple[str, ...],
    process_label: str | None,
    paused: bool,
    exit_status: int | None,
    failed: bool,
    past_days: int | None,
    limit: int | None,
    raw: bool,
    style: OutputStyle,
) -> None:
    """List processes; by default only active ones (created, waiting or running), oldest first.

    \b
    Examples:
      provgraph process list -a -p 7                 # every process of the last week
      provgraph process list -S excepted killed       # the ones that went wrong
      provgraph process list -X -P pk process_label exit_status exit_message
      provgraph process list -a -l 20 -D desc         # the 20 newest, newest first
      provgraph process list -a --format tsv > processes.tsv
    """
    if raw and style.format != "table":
        raise click.UsageError(f"--raw contradicts --format {style.format}.")
    names = projections or DEFAULT_PROJECTIONS
    storage = ctx.get_storage()
    group_pk = _group_pk(storage, group) if group is not None else None
    filters = _filters(all_entries, process_states, process_label, paused, exit_status, failed, past_days)
    listing = _Listing.build(names, human=style.format == "table")
    # --limit keeps the last N of the ordering: query from that end, and turn the N rows around.
    from_the_end = limit is not None and order_direction == "asc"
    descending = order_direction == "desc" or from_the_end
    query = build_query(
        storage,
        listing.fields,
        filters,
        group_pk=group_pk,
        order_by=order_by,
        descending=descending,
        limit=limit,
    )
    rows = _rows_in_field_order(query, listing.fields)
    if from_the_end:
        rows = iter(list(rows)[::-1])
    seen = _Seen(listing.fields)
    converted = (listing.converter(seen(row)) for row in rows)
    if raw:
        _emit_raw(converted, style.raw_times)
        return
    headers = [PROJECTIONS[name].header for name in names] if style.format == "table" else list(names)
    count = emit_rows(headers, converted, style)
    if style.format == "table" and count:
        click.echo()
    note(f"Total results: {count}", style)
    if style.format != "table":
        return
    if not (all_entries or process_states or failed or exit_status is not None):
        click.echo("Only active processes are listed; add -a/--all to list terminated ones too.")
    if seen.cached and "cached" in names:
        click.echo("Processes marked 'yes' under Cached were not run but taken from the cache.")
        click.echo("Add `-P pk cached_from` to the command to see their cache sources.")


class _Seen:
    """Passes rows through, noting whether any of them was taken from the cache (for the hints)."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.position = fields.index(_CACHED_FROM) if _CACHED_FROM in fields else None
        self.cached = False

    def __call__(self, row: Sequence[Any]) -> Sequence[Any]:
        if self.position is not None and not self.cached and row[self.position]:
            self.cached = True
        return row


def _group_pk(storage: StorageBackend, identifier: str) -> int:
    from provgraph.orm.groups import load_group

    pk = load_group(identifier, backend=storage).pk
    assert pk is not None  # a loaded group is stored
    return pk


def _emit_raw(rows: Iterator[tuple[Any, ...]], raw_times: bool) -> None:
    """verdi's ``--raw``: only values, for scripts; tab-separated, so ``Finished [0]`` is one field."""
    cell = cell_formatter(raw_times, for_tsv=True)
    lines: list[str] = []
    for row in rows:
        lines.append("\t".join([cell(value) for value in row]))
        if len(lines) >= _BATCH:
            click.echo("\n".join(lines))
            lines.clear()
    if lines:
        click.echo("\n".join(lines))
