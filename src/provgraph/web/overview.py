"""The data of the list pages: storage overview, process list, groups and a group's members."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException

from provgraph.common.states import format_state
from provgraph.orm import Group, Node, ProcessNode, QueryBuilder
from provgraph.storage.abstract import StorageBackend
from provgraph.web.paging import Page, fetch_page

__all__ = [
    "PROCESS_STATES",
    "group_members",
    "groups_page",
    "overview",
    "processes_page",
    "state_filter",
]

PROCESS_STATES = ("created", "waiting", "running", "finished", "excepted", "killed")
_MEMBER_COLUMNS = ("id", "uuid", "node_type", "label", "ctime")
_PROCESS_COLUMNS = ("id", "ctime", "label", "state", "exit_status")


def overview(storage: StorageBackend, *, sizes: bool = False) -> dict[str, Any]:
    """Node counts per node_type (one count per type, never a scan in Python) and entity counts;
    with ``sizes`` also the repository's sizes (which reads every loose object's size: asked for
    on a click, since on 10,000 loose files it costs 0.2-0.4 s)."""
    types = QueryBuilder(backend=storage).append(Node, project="node_type").distinct().all(flat=True)
    counts = {
        node_type: QueryBuilder(backend=storage).append(Node, filters={"node_type": node_type}).count()
        for node_type in sorted(types)
    }
    info = storage.get_info(detailed=False)
    entities = {name: details.get("count") for name, details in info.get("entities", {}).items()}
    repository = storage.get_repository().get_info(detailed=True) if sizes else info.get("repository", {})
    return {"node_types": counts, "entities": entities, "repository": repository}


def state_filter(params: Mapping[str, str]) -> str:
    """The ``?state=`` of ``/processes`` ('' for all); a 400 naming the states otherwise."""
    state = params.get("state", "").strip().lower()
    if state and state not in PROCESS_STATES:
        raise HTTPException(400, f"state must be one of {', '.join(PROCESS_STATES)}, not {state!r}.")
    return state


def _process_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "state_text": format_state(row["state"], row["exit_status"])}


def processes_page(storage: StorageBackend, state: str, number: int) -> Page:
    """One page of processes, newest first, optionally in one state."""
    filters = {"attributes.process_state": state} if state else {}
    project = [
        "id",
        "ctime",
        "attributes.process_label",
        "attributes.process_state",
        "attributes.exit_status",
    ]
    query = QueryBuilder(backend=storage).append(ProcessNode, filters=filters, project=project)
    query.order_by({ProcessNode: [{"ctime": "desc"}, {"id": "desc"}]})
    return fetch_page(query, number, _PROCESS_COLUMNS, _process_row)


def groups_page(storage: StorageBackend, number: int) -> Page:
    """One page of groups, by label."""
    query = QueryBuilder(backend=storage).append(Group, project=["id", "label", "type_string", "description"])
    query.order_by({Group: ["label", "id"]})
    return fetch_page(query, number, ("id", "label", "type_string", "description"))


def group_members(storage: StorageBackend, label: str, number: int) -> tuple[dict[str, Any], Page]:
    """The group labelled ``label`` and one page of its members (404 when there is no such group)."""
    found = (
        QueryBuilder(backend=storage)
        .append(Group, filters={"label": label}, project=["id", "label", "type_string", "description"])
        .first()
    )
    if found is None:
        raise HTTPException(404, f"There is no group labelled {label!r}.")
    group = dict(zip(("id", "label", "type_string", "description"), found, strict=True))
    query = QueryBuilder(backend=storage).append(Group, filters={"id": group["id"]}, tag="group")
    query.append(Node, with_group="group", project=list(_MEMBER_COLUMNS))
    query.order_by({Node: "id"})
    return group, fetch_page(query, number, _MEMBER_COLUMNS)
