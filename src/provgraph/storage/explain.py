"""What a query will do, in plain words: ``QueryBuilder.explain()`` and ``node list --explain``.

A database's own plan (``EXPLAIN``) answers "why is this slow?" only for people who read query
plans. :class:`QueryExplanation` carries the same plan as short sentences (which tables are read
whole, which indexes are used, how many rows the planner expects) and advice where a filter
reads many rows that a declared index (``storage/indexes.py``) would look up instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FilteredPath", "QueryExplanation", "filtered_paths"]

_NODE_COLUMNS = ("attributes", "extras")
_JUNCTIONS = ("and", "or")


@dataclass(frozen=True, slots=True)
class FilteredPath:
    """One filter of a query on a JSON path of the nodes: ``attributes.energy > 1.5``."""

    dotted: str
    operator: str
    value: Any


@dataclass(slots=True)
class QueryExplanation:
    """The plan of one query as sentences, with advice; ``str()`` gives the text ``--explain`` prints."""

    steps: list[str]
    """What the database will do, in order (``reads every row of nodes``, ``looks up nodes through
    index ix_pg_attri_k_...``)."""
    indexes: list[str]
    """The indexes the plan uses, by name."""
    full_scans: list[str]
    """The tables the plan reads whole (``nodes``, ``links``)."""
    estimated_rows: int | None
    """The planner's estimate of the rows returned (PostgreSQL); None where it gives none (SQLite)."""
    advice: list[str] = field(default_factory=list)
    plan: str = ""
    """The database's own plan, as its EXPLAIN prints it."""

    def __str__(self) -> str:
        lines = ["Plan:"] + [f"  - {step}" for step in self.steps]
        if self.estimated_rows is not None:
            lines.append(f"Estimated rows: {self.estimated_rows:,}")
        lines.append("Indexes used: " + (", ".join(self.indexes) if self.indexes else "none"))
        if self.advice:
            lines.append("Advice:")
            lines.extend(f"  - {item}" for item in self.advice)
        return "\n".join(lines)


def filtered_paths(query: Mapping[str, Any]) -> Iterator[FilteredPath]:
    """The filters of a query description on the nodes' attributes and extras (each operator once).

    Filters inside ``and`` / ``or`` lists count as well; a negated operator (``!==``) is kept
    with its ``!``, since no index serves a negation.
    """
    node_tags = {vertex["tag"] for vertex in query.get("path", []) if vertex.get("orm_base") == "node"}
    for tag, filters in (query.get("filters") or {}).items():
        if tag not in node_tags or not isinstance(filters, Mapping):
            continue
        yield from _vertex_filters(filters)


def _vertex_filters(filters: Mapping[str, Any]) -> Iterator[FilteredPath]:
    """A vertex's filters: ``{field: spec}``, with ``and`` / ``or`` lists of such dicts."""
    for key, spec in filters.items():
        if key in _JUNCTIONS and isinstance(spec, list):
            for item in spec:
                if isinstance(item, Mapping):
                    yield from _vertex_filters(item)
        elif isinstance(key, str) and key.split(".", 1)[0] in _NODE_COLUMNS and "." in key:
            yield from _operators(key, spec)


def _operators(dotted: str, spec: Any) -> Iterator[FilteredPath]:
    if isinstance(spec, Mapping):
        for operator, value in spec.items():
            if operator in _JUNCTIONS and isinstance(value, list):
                for item in value:
                    yield from _operators(dotted, item)
            else:
                yield FilteredPath(dotted, str(operator), value)
    else:
        yield FilteredPath(dotted, "==", spec)
