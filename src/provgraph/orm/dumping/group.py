"""Writing a group's processes to a folder in aiida-core's group-dump layout (2.7+).

``<output>/.aiida_dump_safeguard``, ``<output>/aiida_dump_log.json`` (when and what was
written), and each process of the group in ``calculations/`` or ``workflows/`` under its
:func:`~provgraph.orm.dumping.process.default_process_path` name, written as
:func:`~provgraph.orm.dumping.process.dump_process` writes one. Data nodes of the group are not
written (as in aiida). By default only top-level processes are written: a calculation or
workflow that a workflow called appears inside its caller's folder.

Without ``overwrite``, a second dump to the same folder adds what is new: with
``filter_by_last_dump_time`` only processes changed since the last dump recorded in the log,
and a process whose folder exists is left as it is. With ``overwrite`` the former dump (a folder
with the safeguard file) is removed first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from provgraph.orm.dumping.process import (
    CALCULATIONS_DIR_NAME,
    SAFEGUARD_FILE_NAME,
    WORKFLOWS_DIR_NAME,
    ProcessDumpOptions,
    check_sealed,
    default_process_path,
    dump_process,
    is_calculation,
    is_workflow,
    prepare_directory,
)
from provgraph.orm.nodes.link_types import LinkType
from provgraph.storage.abstract import EntityTypes, In

if TYPE_CHECKING:
    from provgraph.orm.groups import Group
    from provgraph.orm.nodes.process.process import ProcessNode

__all__ = ["LOG_FILE_NAME", "GroupDumpFilters", "dump_group"]

LOG_FILE_NAME = "aiida_dump_log.json"
_CALLED = (LinkType.CALL_CALC.value, LinkType.CALL_WORK.value)


@dataclass(frozen=True)
class GroupDumpFilters:
    """Which of a group's processes a dump writes."""

    past_days: int | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    filter_by_last_dump_time: bool = True
    only_top_level_calcs: bool = True
    only_top_level_workflows: bool = True


def dump_group(
    group: Group,
    output_path: str | Path | None = None,
    *,
    filters: GroupDumpFilters | None = None,
    options: ProcessDumpOptions | None = None,
    dry_run: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write the processes of ``group`` under ``output_path`` (default: the group's label)."""
    filters = filters or GroupDumpFilters()
    options = options or ProcessDumpOptions()
    target = (Path(output_path) if output_path is not None else Path(group.label)).resolve()
    processes = _selected_processes(group, filters, None if overwrite else _last_dump_time(target, filters))
    for node in processes:
        check_sealed(node, options)
    if dry_run:
        return target
    prepare_directory(target, overwrite)
    for node in processes:
        folder = CALCULATIONS_DIR_NAME if is_calculation(node) else WORKFLOWS_DIR_NAME
        node_path = target / folder / default_process_path(node)
        if node_path.exists() and not overwrite:
            continue
        node_path.parent.mkdir(parents=True, exist_ok=True)
        dump_process(node, node_path, options=options, overwrite=overwrite)
    _write_log(target, group, processes)
    return target


def _selected_processes(
    group: Group, filters: GroupDumpFilters, changed_since: datetime | None
) -> list[ProcessNode]:
    members: list[Any] = [node for node in group.nodes if is_calculation(node) or is_workflow(node)]
    lower = changed_since
    if filters.past_days is not None:
        lower = _later(lower, datetime.now(timezone.utc) - timedelta(days=filters.past_days))
    if filters.start_date is not None:
        lower = _later(lower, _aware(filters.start_date))
    upper = _aware(filters.end_date) if filters.end_date is not None else None
    selected = []
    called = _called_pks(group, members)
    for node in members:
        if lower is not None and node.mtime < lower:
            continue
        if upper is not None and node.mtime > upper:
            continue
        top_level_only = (
            filters.only_top_level_calcs if is_calculation(node) else filters.only_top_level_workflows
        )
        if top_level_only and node.pk in called:
            continue
        selected.append(node)
    return selected


def _called_pks(group: Group, members: list[Any]) -> set[int]:
    """The members that some workflow called (one query)."""
    if not members:
        return set()
    rows = group.backend.get_rows(
        EntityTypes.LINK,
        {"output_id": In(tuple(node.pk for node in members)), "type": In(_CALLED)},
        columns=["output_id"],
    )
    return {int(row["output_id"]) for row in rows}


def _aware(moment: datetime) -> datetime:
    """A naive datetime is local time, as aiida reads it."""
    return moment if moment.tzinfo is not None else moment.astimezone()


def _later(first: datetime | None, second: datetime) -> datetime:
    return second if first is None or second > first else first


def _last_dump_time(target: Path, filters: GroupDumpFilters) -> datetime | None:
    if not filters.filter_by_last_dump_time or not (target / SAFEGUARD_FILE_NAME).is_file():
        return None
    try:
        recorded = json.loads((target / LOG_FILE_NAME).read_text(encoding="utf-8"))["last_dump_time"]
        return datetime.fromisoformat(recorded)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_log(target: Path, group: Group, processes: list[ProcessNode]) -> None:
    log_path = target / LOG_FILE_NAME
    try:
        log: dict[str, Any] = json.loads(log_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log = {}
    dumped = log.setdefault("processes", {})
    for node in processes:
        folder = CALCULATIONS_DIR_NAME if is_calculation(node) else WORKFLOWS_DIR_NAME
        dumped[node.uuid] = str(Path(folder) / default_process_path(node))
    log["group"] = {"uuid": group.uuid, "label": group.label}
    log["last_dump_time"] = datetime.now(timezone.utc).isoformat()
    log_path.write_text(json.dumps(log, indent=2), encoding="utf-8")
