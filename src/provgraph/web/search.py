"""The node search of ``/search``: parameters checked into QueryBuilder filters, or a clear 400.

Until the CLI's ``--where`` parsers move below the cli layer, the search reads its own small
language: ``type`` (a node_type prefix such as ``data.core.int.``), ``label`` (contains),
``attr=PATH&value=JSON`` (equality on one attribute; ``5`` is an int, ``"5"`` text), and
``since`` / ``until`` (ISO dates or date-times; local time when no offset is given).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.exceptions import HTTPException

from provgraph.orm import Node, QueryBuilder
from provgraph.storage.abstract import StorageBackend
from provgraph.web.paging import Page, fetch_page

__all__ = ["NODE_COLUMNS", "SearchQuery", "matching_node_types", "parse_search", "search_nodes"]

NODE_COLUMNS = ("id", "uuid", "node_type", "label", "ctime")
_TYPE = re.compile(r"^[A-Za-z0-9_.:]*$")
_PATH = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """The checked search parameters; empty strings and ``None`` mean "no filter"."""

    type: str = ""
    label: str = ""
    attr: str = ""
    value: Any = None
    since: datetime | None = None
    until: datetime | None = None

    def filters(self, node_types: list[str] | None = None) -> dict[str, Any]:
        """The QueryBuilder filters on the node vertex; ``node_types``: what ``type`` matches."""
        filters: dict[str, Any] = {}
        if self.type:
            filters["node_type"] = (
                {"in": node_types} if node_types is not None else {"like": _like_escape(self.type) + "%"}
            )
        if self.label:
            filters["label"] = {"ilike": "%" + _like_escape(self.label) + "%"}
        if self.attr:
            filters[f"attributes.{self.attr}"] = {"==": self.value}
        ctime: dict[str, Any] = {}
        if self.since is not None:
            ctime[">="] = self.since
        if self.until is not None:
            ctime["<="] = self.until
        if ctime:
            filters["ctime"] = {"and": [{op: value} for op, value in ctime.items()]}
        return filters


def _like_escape(text: str) -> str:
    """``text`` with LIKE's wildcards taken literally (the compiler's escape character is ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def parse_search(params: Mapping[str, str]) -> SearchQuery:
    """Check the query string of ``/search``; every mistake is a 400 that says what to write."""
    node_type = params.get("type", "").strip()
    if not _TYPE.match(node_type):
        raise HTTPException(
            400, f"type must be a node_type prefix such as data.core.int., not {node_type!r}."
        )
    attr = params.get("attr", "").strip()
    raw_value = params.get("value", "")
    value: Any = None
    if attr:
        if not _PATH.match(attr):
            raise HTTPException(
                400, f"attr must be a dotted attribute path such as value or a.b, not {attr!r}."
            )
        value = _json_value(raw_value)
    elif raw_value.strip():
        raise HTTPException(400, "value needs attr: give the attribute path it is compared with.")
    return SearchQuery(
        type=node_type,
        label=params.get("label", "").strip(),
        attr=attr,
        value=value,
        since=_time(params.get("since", ""), "since"),
        until=_time(params.get("until", ""), "until"),
    )


def _json_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        raise HTTPException(
            400, f'value must be JSON: 5 for a number, "5" (with quotes) for text, true, null; not {raw!r}.'
        ) from None


def _time(raw: str, name: str) -> datetime | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise HTTPException(
            400,
            f"{name} must be an ISO date or date-time such as 2026-12-07 or 2026-12-07T14:30, not {raw!r}.",
        ) from None
    return moment if moment.tzinfo is not None else moment.astimezone()


def matching_node_types(storage: StorageBackend, prefix: str) -> list[str]:
    """The stored node_types that start with ``prefix`` (one pass over the node_type index).

    A search then filters on these by equality: the database reads each type's rows through its
    index already in id order and stops after a page, where a prefix (a range of the index) made
    it sort every matching row first (625,000 Ints: 430 ms for the newest 50, 0.3 ms now).
    """
    query = QueryBuilder(backend=storage).append(
        Node, filters={"node_type": {"like": _like_escape(prefix) + "%"}}, project="node_type"
    )
    return sorted(query.distinct().all(flat=True))


def search_nodes(storage: StorageBackend, search: SearchQuery, number: int) -> Page:
    """One page of the nodes matching ``search``, newest first."""
    node_types = matching_node_types(storage, search.type) if search.type else None
    filters = search.filters(node_types)
    query = QueryBuilder(backend=storage).append(Node, filters=filters, project=list(NODE_COLUMNS))
    query.order_by({Node: {"id": "desc"}})
    return fetch_page(query, number, NODE_COLUMNS)
