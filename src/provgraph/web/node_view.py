"""The data of a node's page: properties, attributes, extras, comments, logs and links, as dicts.

Comments, logs and links are read with LIMIT (a node may have millions of outputs); links are
paged with the page's ``?page=N``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from starlette.exceptions import HTTPException

from provgraph.exceptions import MultipleObjectsError, NotExistent
from provgraph.orm import Comment, Log, Node, QueryBuilder
from provgraph.orm.loaders import load_node
from provgraph.storage.abstract import StorageBackend
from provgraph.web.paging import PAGE_SIZE

__all__ = ["find_node", "node_details", "node_links"]

_NOTES_SHOWN = 100  # comments and logs shown on the page, newest last


def find_node(storage: StorageBackend, identifier: str) -> Node:
    """The node of a URL's pk or UUID (prefix); 404 when none, 400 when a prefix names several."""
    try:
        return load_node(identifier, backend=storage)
    except NotExistent:
        raise HTTPException(404, f"There is no node with pk or UUID {identifier!r}.") from None
    except MultipleObjectsError:
        raise HTTPException(
            400, f"The UUID prefix {identifier!r} names several nodes; give more of it."
        ) from None
    except (ValueError, TypeError):
        raise HTTPException(400, f"{identifier!r} is neither a pk nor a UUID.") from None


def node_details(storage: StorageBackend, node: Node) -> dict[str, Any]:
    """Everything the node page shows except the links and files."""
    user = node.user
    computer = node.computer
    return {
        "pk": node.pk,
        "uuid": node.uuid,
        "node_type": node.node_type,
        "process_type": node.process_type,
        "label": node.label,
        "description": node.description,
        "ctime": node.ctime,
        "mtime": node.mtime,
        "user": user.email if user is not None else None,
        "computer": computer.label if computer is not None else None,
        "attributes": node.base.attributes.all,
        "extras": node.base.extras.all,
        "comments": _notes(storage, node.pk, Comment, ["ctime", "content"]),
        "logs": _notes(storage, node.pk, Log, ["time", "levelname", "message"]),
    }


def _notes(
    storage: StorageBackend, pk: int | None, kind: type[Any], project: list[str]
) -> list[dict[str, Any]]:
    order = "ctime" if "ctime" in project else "time"
    query = QueryBuilder(backend=storage).append(Node, filters={"id": pk}, tag="node")
    query.append(kind, with_node="node", project=project)
    query.order_by({kind: [order, "id"]}).limit(_NOTES_SHOWN)
    return [dict(zip(project, row, strict=True)) for row in query.all()]


def node_links(storage: StorageBackend, pk: int | None, direction: str, number: int) -> dict[str, Any]:
    """One page of a node's incoming or outgoing links, grouped by link type.

    ``{"groups": {link type: [neighbour dicts]}, "has_next": bool}``.
    """
    keyword = "with_outgoing" if direction == "incoming" else "with_incoming"
    query = QueryBuilder(backend=storage).append(Node, filters={"id": pk}, tag="node")
    query.append(
        Node,
        tag="other",
        project=["id", "node_type", "label"],
        edge_project=["type", "label"],
        joining_keyword=keyword,
        joining_value="node",
    )
    query.order_by({"other": "id"}).offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    rows = query.all()
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pk_, node_type, label, link_type, link_label in rows[:PAGE_SIZE]:
        groups[str(link_type)].append(
            {"pk": pk_, "node_type": node_type, "label": label, "link_label": link_label}
        )
    return {"groups": dict(sorted(groups.items())), "has_next": len(rows) > PAGE_SIZE}
