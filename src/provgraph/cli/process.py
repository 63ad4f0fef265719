"""``provgraph process``: list process runs and inspect one (details, log report, call tree).

PROCESS arguments take a pk, a UUID or a unique UUID prefix of a process node. The listing reads
the process rows in one query and filters state and age in Python, because the row API cannot
filter inside JSON attributes or by ranges; the QueryBuilder will move both filters into SQL.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.output import make_table, print_rich
from provgraph.cli.process_kill import kill

if TYPE_CHECKING:
    from provgraph.orm.nodes.process import ProcessNode
    from provgraph.storage.abstract import StorageBackend

__all__ = ["process"]

_STATES = ("created", "waiting", "running", "finished", "excepted", "killed")
_ACTIVE_STATES = frozenset({"created", "waiting", "running"})
_REPORT_LEVEL = 23  # AiiDA's REPORT level, between INFO and WARNING
_LEVELS = {"DEBUG": 10, "INFO": 20, "REPORT": _REPORT_LEVEL, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


@click.group(cls=ProvgraphGroup)
def process() -> None:
    """List the recorded processes and inspect their inputs, outputs, logs and calls."""


process.add_command(kill)


def _load(ctx: ProvgraphContext, identifier: str) -> ProcessNode:
    """The process node named by ``identifier``; any other node is refused in one line."""
    from provgraph.orm.loaders import load_node
    from provgraph.orm.nodes.process import ProcessNode

    found = load_node(identifier, backend=ctx.get_storage())
    if not isinstance(found, ProcessNode):
        raise click.ClickException(
            f"node {identifier} (pk {found.pk}) is a {type(found).__name__}, not a process; "
            "`provgraph process list --all` lists the processes"
        )
    return found


def _state_text(state: str | None, exit_status: Any) -> str:
    """``Finished [0]`` for a finished process, the capitalised state otherwise (as verdi shows)."""
    if state is None:
        return "-"
    text = state.capitalize()
    if state == "finished" and exit_status is not None:
        text += f" [{exit_status}]"
    return text


def _node_state(found: ProcessNode) -> str:
    """The state as shown; an unknown raw value is shown as stored rather than failing."""
    attributes = found.base.attributes
    state = attributes.get(found.PROCESS_STATE_KEY, None)
    text = _state_text(None if state is None else str(state), attributes.get(found.EXIT_STATUS_KEY, None))
    return text + (" (paused)" if found.paused else "")


def _class_name(node_type: str) -> str:
    """``CalcFunctionNode`` from ``process.calculation.calcfunction.CalcFunctionNode.``."""
    return node_type.rstrip(".").rsplit(".", 1)[-1]


def _label_of(found: ProcessNode) -> str:
    return found.process_label or _class_name(found.node_type)


def _ago(moment: datetime, now: datetime) -> str:
    """How long ago, in the largest whole unit: ``42s ago``, ``3m ago``, ``5h ago``, ``2d ago``."""
    seconds = max(0, int((now - moment).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


# -- list -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Listed:
    """What one listing line needs, projected straight from the node rows (no node objects)."""

    pk: int
    ctime: datetime
    label: str
    state: str | None
    exit_status: Any

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> _Listed:
        pk, ctime, node_type, process_label, state, exit_status = values
        return cls(
            pk=int(pk),
            ctime=ctime,
            label=str(process_label or _class_name(str(node_type))),
            state=None if state is None else str(state),
            exit_status=exit_status,
        )


def _select(
    storage: StorageBackend, states: frozenset[str] | None, past_days: int | None, limit: int | None
) -> list[_Listed]:
    """Processes in ``states`` (any if None) created within ``past_days``, oldest first.

    One query does the filtering, so listing the few running processes of a database of millions
    reads only those. With ``limit`` only the most recent ones are kept, still oldest first, so
    the newest are at the bottom of the table as usual.
    """
    from provgraph.orm import ProcessNode, QueryBuilder

    filters: dict[str, Any] = {}
    if states is not None:
        filters["attributes.process_state"] = {"in": sorted(states)}
    if past_days is not None:
        filters["ctime"] = {">=": datetime.now(timezone.utc) - timedelta(days=past_days)}
    query = QueryBuilder(backend=storage)
    query.append(
        ProcessNode,
        tag="process",
        filters=filters,
        project=[
            "id",
            "ctime",
            "node_type",
            "attributes.process_label",
            "attributes.process_state",
            "attributes.exit_status",
        ],
    )
    newest_first = {"process": [{"ctime": {"order": "desc"}}, {"id": {"order": "desc"}}]}
    query.order_by(newest_first).limit(limit)
    return [_Listed.from_values(values) for values in reversed(query.all())]


@process.command("list")
@click.option("-a", "--all", "all_entries", is_flag=True, help="Also list terminated processes.")
@click.option(
    "-p",
    "--past-days",
    type=click.IntRange(min=1),
    metavar="N",
    help="Only processes created in the last N days.",
)
@click.option(
    "-S",
    "--state",
    "states",
    multiple=True,
    type=click.Choice(_STATES),
    help="Only processes in this state (repeat for several); overrides the default of active ones.",
)
@click.option(
    "-l", "--limit", type=click.IntRange(min=1), metavar="N", help="Only the N most recent processes."
)
@pass_provgraph
def list_processes(
    ctx: ProvgraphContext,
    all_entries: bool,
    past_days: int | None,
    states: tuple[str, ...],
    limit: int | None,
) -> None:
    """List processes, oldest first; by default only active ones (created, waiting or running)."""
    chosen: frozenset[str] | None = frozenset(states) if states else None
    if chosen is None and not all_entries:
        chosen = _ACTIVE_STATES
    selected = _select(ctx.get_storage(), chosen, past_days, limit)
    now = datetime.now(timezone.utc)
    table = make_table("pk", "created", "process label", "state", "exit status")
    for item in selected:
        exit_status = "" if item.exit_status is None else str(item.exit_status)
        state = _state_text(item.state, item.exit_status)
        table.add_row(str(item.pk), _ago(item.ctime, now), item.label, state, exit_status)
    if selected:
        print_rich(table)
    click.echo(f"Total results: {len(selected)}")
    if chosen == _ACTIVE_STATES:
        click.echo("Only active processes are listed; add --all to include terminated ones.")


# -- show -----------------------------------------------------------------------------------------


@process.command("show")
@click.argument("identifier", metavar="PROCESS")
@pass_provgraph
def show(ctx: ProvgraphContext, identifier: str) -> None:
    """Show a process: its details, inputs, outputs, caller, called processes and log count."""
    from provgraph.orm.logs import Log

    found = _load(ctx, identifier)
    details = make_table("property", "value")
    for name, value in _details(found):
        details.add_row(name, value)
    print_rich(details)
    _print_links("Inputs", found.base.links.get_incoming().all())
    _print_links("Outputs", found.base.links.get_outgoing().all(), skip_calls=True)
    caller = found.caller
    click.echo(f"\nCaller: {'none' if caller is None else f'{_label_of(caller)}<{caller.pk}>'}")
    called = _sorted_called(found)
    if called:
        table = make_table("pk", "process label", "state")
        for child in called:
            table.add_row(str(child.pk), _label_of(child), _node_state(child))
        click.echo("\nCalled:")
        print_rich(table)
    else:
        click.echo("\nCalled: none")
    logs = Log.collection(found.backend).count({"dbnode_id": found.pk})
    hint = f"; see `provgraph process report {found.pk}`" if logs else ""
    click.echo(f"\nLog messages: {logs}{hint}")


def _details(found: ProcessNode) -> Iterator[tuple[str, str]]:
    yield from (
        ("pk", str(found.pk)),
        ("uuid", found.uuid),
        ("type", type(found).__name__),
        ("label", found.label),
        ("process label", found.process_label or ""),
        ("state", _node_state(found)),
        ("exit status", "" if found.exit_status is None else str(found.exit_status)),
        ("exit message", found.exit_message or ""),
        ("ctime", found.ctime.isoformat(timespec="seconds")),
        ("mtime", found.mtime.isoformat(timespec="seconds")),
    )
    exception = found.exception
    if exception:
        yield ("exception", exception.strip().splitlines()[-1])


def _print_links(title: str, triples: list[Any], *, skip_calls: bool = False) -> None:
    """A table of linked nodes; outgoing CALL links are left to the 'Called' section."""
    from provgraph.orm.nodes.link_types import LinkType

    calls = (LinkType.CALL_CALC, LinkType.CALL_WORK)
    shown = [triple for triple in triples if not (skip_calls and triple.link_type in calls)]
    if not shown:
        click.echo(f"\n{title}: none")
        return
    table = make_table("link label", "pk", "type")
    for triple in sorted(shown, key=lambda item: (item.link_label, item.node.pk)):
        table.add_row(triple.link_label, str(triple.node.pk), type(triple.node).__name__)
    click.echo(f"\n{title}:")
    print_rich(table)


def _sorted_called(found: ProcessNode) -> list[ProcessNode]:
    return sorted(found.called, key=lambda child: (child.ctime, child.pk or 0))


# -- report ---------------------------------------------------------------------------------------


@process.command("report")
@click.argument("identifier", metavar="PROCESS")
@click.option(
    "-l",
    "--levelname",
    type=click.Choice(tuple(_LEVELS)),
    default="REPORT",
    show_default=True,
    help="Only entries at this level or above (entries of unknown levels are always shown).",
)
@click.option(
    "-m",
    "--max-depth",
    type=click.IntRange(min=0),
    metavar="N",
    help="Follow called processes N levels deep at most.",
)
@click.option(
    "-i",
    "--indent-size",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Spaces per nesting level.",
)
@pass_provgraph
def report(
    ctx: ProvgraphContext, identifier: str, levelname: str, max_depth: int | None, indent_size: int
) -> None:
    """Print the log entries of a process, then those of the processes it called, indented."""
    found = _load(ctx, identifier)
    lines = list(_report_lines(found, _LEVELS[levelname], max_depth, 0))
    if not lines:
        click.echo(f"No log messages recorded for process {found.pk} at level {levelname} or above")
        return
    for depth, line in lines:
        click.echo(" " * (indent_size * depth) + line)


def _report_lines(
    found: ProcessNode, minimum: int, max_depth: int | None, depth: int
) -> Iterator[tuple[int, str]]:
    """(depth, text) lines: a header per called process, then its entries."""
    from provgraph.orm.logs import Log

    if depth:
        yield depth - 1, f"+-> {_label_of(found)}<{found.pk}> {_node_state(found)}"
    for entry in Log.collection(found.backend).get_logs_for(found):
        if _LEVELS.get(entry.levelname.upper(), minimum) >= minimum:
            stamp = entry.time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
            yield depth, f"{stamp} [{entry.levelname}] {entry.loggername}: {entry.message}"
    if max_depth is not None and depth >= max_depth:
        return
    for child in _sorted_called(found):
        yield from _report_lines(child, minimum, max_depth, depth + 1)


# -- status ---------------------------------------------------------------------------------------


@process.command("status")
@click.argument("identifier", metavar="PROCESS")
@click.option(
    "-m",
    "--max-depth",
    type=click.IntRange(min=0),
    metavar="N",
    help="Show called processes N levels deep at most.",
)
@pass_provgraph
def status(ctx: ProvgraphContext, identifier: str, max_depth: int | None) -> None:
    """Print the call tree of a process: each called process as label<pk> and its state."""
    found = _load(ctx, identifier)
    click.echo(f"{_label_of(found)}<{found.pk}> {_node_state(found)}")
    for line in _tree_lines(found, "", max_depth, 1):
        click.echo(line)


def _tree_lines(found: ProcessNode, prefix: str, max_depth: int | None, depth: int) -> Iterator[str]:
    """The children of ``found`` drawn with tree branches, depth first in creation order."""
    if max_depth is not None and depth > max_depth:
        return
    children = _sorted_called(found)
    for index, child in enumerate(children):
        last = index == len(children) - 1
        yield f"{prefix}{'└── ' if last else '├── '}{_label_of(child)}<{child.pk}> {_node_state(child)}"
        yield from _tree_lines(child, prefix + ("    " if last else "│   "), max_depth, depth + 1)
