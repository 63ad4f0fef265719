"""The node search of ``/search``: the command line's filter language, or a clear 400.

``type`` takes what ``node list --type`` takes (a class name ``Int``, an entry point
``core.int``, a node_type or prefix ``data.core.int.``), ``where`` a ``--where`` expression
(``attributes.value>2``, ``extras.tag == "done"``, ``ctime>-3d``), given any number of times
and ANDed as the repeated ``--where`` of ``node list`` (blank ones ignored), ``label`` text the label
contains, ``attr=PATH&value=JSON`` one attribute's value (``5`` an int, ``"5"`` text), and
``since`` / ``until`` times as ``--where`` reads them (``2026-12-01``, ``-3d``, ``yesterday``).
The parsers are those of ``provgraph.tools.node_filters``, shared with the CLI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.exceptions import HTTPException

from provgraph.exceptions import InputValidationError
from provgraph.orm import Node, QueryBuilder
from provgraph.storage.abstract import StorageBackend
from provgraph.tools.node_filters import NodeTypeSelection, parse_time, parse_where, resolve_node_type
from provgraph.web.paging import Page, fetch_page

__all__ = [
    "NODE_COLUMNS",
    "SearchQuery",
    "matching_node_types",
    "parse_search",
    "search_nodes",
    "where_expressions",
]

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
    where: tuple[dict[str, Any], ...] = ()
    selection: NodeTypeSelection | None = None

    def filters(self, node_types: list[str] | None = None) -> dict[str, Any]:
        """The QueryBuilder filters on the node vertex; ``node_types``: the ones ``type`` matches."""
        filters: dict[str, Any] = {}
        if self.selection is not None:
            filters.update(
                {key: value for key, value in self.selection.filters.items() if key != "node_type"}
            )
        if node_types is not None:
            filters["node_type"] = {"in": node_types}
        if self.where:
            filters["and"] = list(self.where)  # ANDed, so two on one field both hold
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


def where_expressions(params: Mapping[str, Any]) -> list[str]:
    """The non-blank ``where`` expressions of ``params``, whose ``where`` is text or a list of texts."""
    given = params.get("where", ())
    texts = [given] if isinstance(given, str) else list(given)
    return [text.strip() for text in texts if text.strip()]


def parse_search(params: Mapping[str, Any], storage: StorageBackend | None = None) -> SearchQuery:
    """Check the query string of ``/search``; every mistake is a 400 that says what to write.

    ``params`` maps each name to its text, but ``where`` to the list of all given (or one text).
    """
    node_type = params.get("type", "").strip()
    selection = _selection(node_type, storage) if node_type else None
    where = tuple(_where(text) for text in where_expressions(params))
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
        where=where,
        selection=selection,
    )


def _where(text: str) -> dict[str, Any]:
    """One ``where`` expression as a QueryBuilder filter; a 400 naming it when it cannot be read."""
    try:
        return parse_where(text, option="where").as_filter()
    except InputValidationError as error:
        raise HTTPException(400, f"{error}.") from None


def _selection(text: str, storage: StorageBackend | None) -> NodeTypeSelection:
    """What ``type`` names, as ``node list --type`` reads it (stored node types count as known)."""

    def present() -> list[str]:
        query = QueryBuilder(backend=storage).append(Node, project="node_type").distinct()
        return [str(node_type) for node_type in query.all(flat=True)]

    try:
        return resolve_node_type(text, "type", present if storage is not None else None)
    except InputValidationError as error:
        raise HTTPException(400, f"{error}.") from None


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
        return parse_time(raw)
    except InputValidationError as error:
        raise HTTPException(400, f"{name}: {error}.") from None


def matching_node_types(storage: StorageBackend, selection: NodeTypeSelection) -> list[str]:
    """The stored node_types ``selection`` matches (one pass over the node_type index).

    A search then filters on these by equality: the database reads each type's rows through its
    index already in id order and stops after a page, where a prefix (a range of the index) made
    it sort every matching row first (625,000 Ints: 430 ms for the newest 50, 45 ms now).
    """
    query = QueryBuilder(backend=storage).append(
        selection.node_class, filters=dict(selection.filters), project="node_type"
    )
    return sorted(str(node_type) for node_type in query.distinct().all(flat=True))


def search_nodes(storage: StorageBackend, search: SearchQuery, number: int) -> Page:
    """One page of the nodes matching ``search``, newest first."""
    node_types = matching_node_types(storage, search.selection) if search.selection is not None else None
    filters = search.filters(node_types)
    query = QueryBuilder(backend=storage).append(Node, filters=filters, project=list(NODE_COLUMNS))
    query.order_by({Node: {"id": "desc"}})
    return fetch_page(query, number, NODE_COLUMNS)
