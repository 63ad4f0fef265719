"""``provgraph process``: list process runs, inspect them (details, log report, call tree), dump one.

PROCESS arguments take a pk, a UUID or a unique UUID prefix of a process node. ``list``, ``kill``
and ``dump`` live in their own modules and are imported only when they run (or ``--help`` lists
them); this module holds ``show``, ``report`` and ``status``, which read a few nodes each.

    provgraph process show 42 --format yaml
    provgraph process report 42 -l INFO
    provgraph process status 42
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.completion import complete_node_pks
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import (
    OutputStyle,
    emit_rows,
    format_option,
    format_state,
    format_time,
    print_mapping,
)
from provgraph.exceptions import InputValidationError, NotExistent

if TYPE_CHECKING:
    from provgraph.orm.nodes.process import ProcessNode
    from provgraph.storage.abstract import StorageBackend

__all__ = ["LEVELS", "label_of", "load_process", "node_state", "process", "report_lines"]

_REPORT_LEVEL = 23  # AiiDA's REPORT level, between INFO and WARNING
LEVELS = {"DEBUG": 10, "INFO": 20, "REPORT": _REPORT_LEVEL, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}

_SUBCOMMANDS = {
    "dump": "provgraph.cli.process_dump:dump",
    "kill": "provgraph.cli.process_kill:kill",
    "list": "provgraph.cli.process_list:list_processes",
}


@click.group(cls=ProvgraphGroup, lazy_commands=_SUBCOMMANDS)
def process() -> None:
    """List the recorded processes and inspect their inputs, outputs, logs and calls."""


def load_process(storage: StorageBackend, identifier: str) -> ProcessNode:
    """The process node named by ``identifier``; any other node is refused in one line."""
    from provgraph.orm.loaders import load_node
    from provgraph.orm.nodes.process import ProcessNode

    found = load_node(identifier, backend=storage)
    if not isinstance(found, ProcessNode):
        named = f"{identifier} (pk {found.pk})" if identifier != str(found.pk) else identifier
        raise InputValidationError(
            f"Node {named} is a {type(found).__name__}, not a process; "
            "`provgraph process list --all` lists the processes"
        )
    return found


def _chosen(ctx: ProvgraphContext, identifiers: tuple[str, ...], most_recent: bool) -> list[ProcessNode]:
    """The processes named on the command line, or with ``-M`` the most recently created one."""
    if identifiers and most_recent:
        raise click.BadOptionUsage(
            "most_recent_node", "Give PROCESS arguments or -M/--most-recent-node, not both."
        )
    storage = ctx.get_storage()
    if not most_recent:
        if not identifiers:
            raise click.UsageError("Missing argument 'PROCESS...' (or pass -M/--most-recent-node).")
        return [load_process(storage, identifier) for identifier in identifiers]
    from provgraph.orm import ProcessNode, QueryBuilder

    query = QueryBuilder(backend=storage).append(ProcessNode, tag="process")
    newest = query.order_by({"process": [{"ctime": "desc"}, {"id": "desc"}]}).first(flat=True)
    if newest is None:
        raise NotExistent("The profile has no process nodes.")
    assert isinstance(newest, ProcessNode)
    return [newest]


_processes_argument = click.argument(
    "identifiers", metavar="PROCESS...", nargs=-1, shell_complete=complete_node_pks
)
_most_recent_option = click.option(
    "-M", "--most-recent-node", "most_recent", is_flag=True, help="Use the most recently created process."
)


def node_state(found: ProcessNode) -> str:
    """The state as every command shows it (``Finished [0]``, ``Waiting (paused)``)."""
    attributes = found.base.attributes
    state = attributes.get(found.PROCESS_STATE_KEY, None)
    return format_state(
        None if state is None else str(state),
        attributes.get(found.EXIT_STATUS_KEY, None),
        paused=found.paused,
    )


def _class_name(node_type: str) -> str:
    """``CalcFunctionNode`` from ``process.calculation.calcfunction.CalcFunctionNode.``."""
    return node_type.rstrip(".").rsplit(".", 1)[-1]


def label_of(found: ProcessNode) -> str:
    """The process label, or the node's class name when none was recorded."""
    return found.process_label or _class_name(found.node_type)


def _sorted_called(found: ProcessNode) -> list[ProcessNode]:
    return sorted(found.called, key=lambda child: (child.ctime, child.pk or 0))


# -- show -----------------------------------------------------------------------------------------


@process.command("show")
@_processes_argument
@_most_recent_option
@format_option
@pass_provgraph
def show(ctx: ProvgraphContext, identifiers: tuple[str, ...], most_recent: bool, style: OutputStyle) -> None:
    """Show processes: details, inputs, outputs, caller, called processes and log count.

    \b
    Examples:
      provgraph process show 42
      provgraph process show -M --format json     # the newest process, for a script
    """
    records = [_record(found) for found in _chosen(ctx, identifiers, most_recent)]
    if style.format == "json" and len(records) > 1:
        click.echo(json.dumps([_jsonable(record) for record in records], indent=2, ensure_ascii=False))
        return
    for index, record in enumerate(records):
        if index:
            click.echo("---" if style.format == "yaml" else "")
        if style.format == "table":
            _print_record(record, style)
        else:
            print_mapping(record, style)


def _record(found: ProcessNode) -> dict[str, Any]:
    """Everything ``show`` prints of one process, as one mapping (the json/yaml document)."""
    from provgraph.orm.logs import Log
    from provgraph.orm.nodes.link_types import LinkType

    computer = found.computer
    record: dict[str, Any] = {
        "pk": found.pk,
        "uuid": found.uuid,
        "type": type(found).__name__,
        "label": found.label,
        "description": found.description,
        "process_label": found.process_label,
        "process_type": found.process_type,
        "state": node_state(found),
        "process_state": found.base.attributes.get(found.PROCESS_STATE_KEY, None),
        "process_status": found.process_status,
        "exit_status": found.exit_status,
        "exit_message": found.exit_message,
        "sealed": found.is_sealed,
        "ctime": found.ctime,
        "mtime": found.mtime,
        "computer": None if computer is None else computer.label,
        "exception": found.exception,
    }
    calls = (LinkType.CALL_CALC, LinkType.CALL_WORK)
    incoming = found.base.links.get_incoming().all()
    outgoing = [triple for triple in found.base.links.get_outgoing().all() if triple.link_type not in calls]
    record["inputs"] = _links(incoming)
    record["outputs"] = _links(outgoing)
    caller = found.caller
    record["caller"] = None if caller is None else {"pk": caller.pk, "process_label": label_of(caller)}
    record["called"] = [
        {"pk": child.pk, "process_label": label_of(child), "state": node_state(child)}
        for child in _sorted_called(found)
    ]
    record["log_messages"] = Log.collection(found.backend).count({"dbnode_id": found.pk})
    return record


def _links(triples: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "link_label": triple.link_label,
            "link_type": triple.link_type.value,
            "pk": triple.node.pk,
            "type": type(triple.node).__name__,
        }
        for triple in sorted(triples, key=lambda item: (item.link_label, item.node.pk))
    ]


def _print_record(record: dict[str, Any], style: OutputStyle) -> None:
    """The table form: key/value details, then a small table per list."""
    details = {key.replace("_", " "): value for key, value in record.items() if not isinstance(value, list)}
    details.pop("caller")
    details.pop("log messages")
    details.pop("process state")  # "state" says it, capitalised
    details["sealed"] = "True" if details["sealed"] else "False"
    exception = details.pop("exception")
    if exception:
        details["exception"] = exception.strip().splitlines()[-1]
    print_mapping({key: value for key, value in details.items() if value not in (None, "")}, style)
    for title, key in (("Inputs", "inputs"), ("Outputs", "outputs")):
        if record[key]:
            click.echo(f"\n{title}:")
            rows = ((link["link_label"], link["pk"], link["type"]) for link in record[key])
            emit_rows(["Link label", "PK", "Type"], rows, style)
        else:
            click.echo(f"\n{title}: none")
    caller = record["caller"]
    called_by = "none" if caller is None else f"{caller['process_label']}<{caller['pk']}>"
    click.echo(f"\nCaller: {called_by}")
    if record["called"]:
        click.echo("\nCalled:")
        rows = ((child["pk"], child["process_label"], child["state"]) for child in record["called"])
        emit_rows(["PK", "Process label", "State"], rows, style)
    else:
        click.echo("\nCalled: none")
    count = record["log_messages"]
    hint = f"; see `provgraph process report {record['pk']}`" if count else ""
    click.echo(f"\nLog messages: {count}{hint}")


def _jsonable(value: Any) -> Any:
    """Times as ISO 8601 strings, containers walked (what ``print_mapping`` does for one record)."""
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


# -- report ---------------------------------------------------------------------------------------


@process.command("report")
@_processes_argument
@_most_recent_option
@click.option(
    "-l",
    "--levelname",
    type=click.Choice(tuple(LEVELS), case_sensitive=False),
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
def report(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    identifiers: tuple[str, ...],
    most_recent: bool,
    levelname: str,
    max_depth: int | None,
    indent_size: int,
) -> None:
    """Print the log entries of processes, then those of the processes they called, indented.

    \b
    Example:
      provgraph process report 42 -l INFO -m 1
    """
    levelname = levelname.upper()
    for found in _chosen(ctx, identifiers, most_recent):
        lines = list(report_lines(found, LEVELS[levelname], max_depth))
        if not lines:
            click.echo(f"No log messages recorded for process {found.pk} at level {levelname} or above")
            continue
        for depth, line in lines:
            click.echo(" " * (indent_size * depth) + line)


def report_lines(
    found: ProcessNode, minimum: int, max_depth: int | None, depth: int = 0
) -> Iterator[tuple[int, str]]:
    """(depth, text) lines: the entries of ``found``, then per called process a header and its lines.

    >>> for depth, line in report_lines(node, LEVELS["REPORT"], None):  # doctest: +SKIP
    ...     print("  " * depth + line)
    """
    from provgraph.orm.logs import Log

    if depth:
        yield depth - 1, f"+-> {label_of(found)}<{found.pk}> {node_state(found)}"
    for entry in Log.collection(found.backend).get_logs_for(found):
        if LEVELS.get(entry.levelname.upper(), minimum) >= minimum:
            yield depth, f"{format_time(entry.time)} [{entry.levelname}] {entry.loggername}: {entry.message}"
    if max_depth is not None and depth >= max_depth:
        return
    for child in _sorted_called(found):
        yield from report_lines(child, minimum, max_depth, depth + 1)


# -- status ---------------------------------------------------------------------------------------


@process.command("status")
@_processes_argument
@_most_recent_option
@click.option(
    "-m",
    "--max-depth",
    type=click.IntRange(min=0),
    metavar="N",
    help="Show called processes N levels deep at most.",
)
@click.option(
    "-c", "--call-link-label", is_flag=True, help="Also show the label of the link by which each was called."
)
@pass_provgraph
def status(
    ctx: ProvgraphContext,
    identifiers: tuple[str, ...],
    most_recent: bool,
    max_depth: int | None,
    call_link_label: bool,
) -> None:
    """Print the call tree of processes: each called process as label<pk> and its state.

    \b
    Example:
      provgraph process status 42 -m 2
    """
    for found in _chosen(ctx, identifiers, most_recent):
        click.echo(f"{label_of(found)}<{found.pk}> {node_state(found)}")
        for line in _tree_lines(found, "", max_depth, 1, call_link_label):
            click.echo(line)


def _tree_lines(
    found: ProcessNode, prefix: str, max_depth: int | None, depth: int, with_link_labels: bool
) -> Iterator[str]:
    """The children of ``found`` drawn with tree branches, depth first in creation order."""
    from provgraph.orm.nodes.link_types import LinkType

    if max_depth is not None and depth > max_depth:
        return
    triples = found.base.links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    triples.sort(key=lambda triple: (triple.node.ctime, triple.node.pk or 0))
    for index, triple in enumerate(triples):
        child: ProcessNode = triple.node  # type: ignore[assignment]  # CALL links end at processes
        last = index == len(triples) - 1
        called_as = f" [{triple.link_label}]" if with_link_labels else ""
        branch = "└── " if last else "├── "
        yield f"{prefix}{branch}{label_of(child)}<{child.pk}>{called_as} {node_state(child)}"
        yield from _tree_lines(
            child, prefix + ("    " if last else "│   "), max_depth, depth + 1, with_link_labels
        )
