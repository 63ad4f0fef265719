"""``explain_query`` of the SQL backends: the dialect's plan in words, plus index advice.

Advice is given per filtered JSON path (``storage/explain.py``'s ``filtered_paths``):

- a path with no declared index that could serve the filter, on a storage of at least
  :data:`ADVICE_MIN_ROWS` nodes: the ``provgraph storage index add`` that would make the filter a
  look-up (with ``--type`` from the filter's value, ``--kind gin`` for ``contains`` on PostgreSQL);
- a path with a declared index the plan does not use: said so, with the usual reasons.

Negated filters and operators no btree serves (``has_key``, ``of_type``, lengths) get none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provgraph.storage.explain import FilteredPath, QueryExplanation, filtered_paths
from provgraph.storage.indexes import guess_value_type
from provgraph.storage.sql.dialects import SqlDialect
from provgraph.storage.sql.dialects.plans import PlanSummary

__all__ = ["ADVICE_MIN_ROWS", "advise", "explanation"]

ADVICE_MIN_ROWS = 10_000
"""Below this many nodes a scan takes milliseconds: no advice to index."""

_BTREE_OPERATORS = frozenset({"==", "<", "<=", ">", ">=", "=<", "=>", "in", "like"})


def explanation(
    summary: PlanSummary, query: Mapping[str, Any], dialect: SqlDialect, node_rows: int
) -> QueryExplanation:
    """The plan ``summary`` of ``query`` as a :class:`QueryExplanation` with its advice."""
    return QueryExplanation(
        steps=summary.steps,
        indexes=summary.indexes,
        full_scans=summary.full_scans,
        estimated_rows=summary.estimated_rows,
        advice=advise(query, summary, dialect, node_rows),
        plan=summary.raw,
    )


def advise(query: Mapping[str, Any], summary: PlanSummary, dialect: SqlDialect, node_rows: int) -> list[str]:
    advice: list[str] = []
    seen: set[str] = set()
    for item in filtered_paths(query):
        kind = _index_kind(item, dialect)
        if kind is None or item.dotted in seen:
            continue
        seen.add(item.dotted)
        column, *path = item.dotted.split(".")
        serving = [
            declared for declared in dialect.declarations_at(column, tuple(path)) if declared.kind == kind
        ]
        if serving:
            if not any(declared.name in summary.indexes for declared in serving):
                names = ", ".join(declared.name for declared in serving)
                advice.append(
                    f"{item.dotted} has a declared index ({names}) that this plan does not use: the "
                    "planner expects reading the rows to be cheaper (a filter most rows pass), or the "
                    "filter sits inside an 'or' with a filter no index serves"
                )
        elif node_rows >= ADVICE_MIN_ROWS:
            advice.append(
                f"{item.dotted} is filtered on {node_rows:,} rows without an index: "
                f"`provgraph storage index add {item.dotted}{_options(item, kind)}` "
                "would make this an index lookup"
            )
    return advice


def _index_kind(item: FilteredPath, dialect: SqlDialect) -> str | None:
    """The kind of index that could serve ``item`` here, or None (negations, other operators)."""
    if item.operator.startswith(("!", "~")):
        return None
    if item.operator == "contains":
        return "gin" if dialect.has_gin_indexes else None
    if item.operator == "like" and isinstance(item.value, str) and item.value.startswith(("%", "_")):
        return None  # no index finds a pattern that does not start with its text
    return "btree" if item.operator in _BTREE_OPERATORS else None


def _value_type(item: FilteredPath) -> str | None:
    value = item.value
    if item.operator == "in" and isinstance(value, list) and value:
        value = value[0]
    if item.operator == "like":
        return "str"
    return guess_value_type(value)


def _options(item: FilteredPath, kind: str) -> str:
    if kind == "gin":
        return " --kind gin"
    value_type = _value_type(item)
    return f" --type {value_type}" if value_type else ""
