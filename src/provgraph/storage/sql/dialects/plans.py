"""Query plans in plain words: SQLite's ``EXPLAIN QUERY PLAN`` rows and PostgreSQL's JSON plan.

Each reader turns its database's plan into a :class:`PlanSummary` (sentences, indexes used,
tables read whole, estimated rows), so that ``QueryBuilder.explain()`` reads the same on both.
Tables are named as people know them (``db_dbnode`` -> ``nodes``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["NODE_TYPE_INDEX", "PlanSummary", "postgres_plan_summary", "sqlite_plan_summary", "table_words"]

NODE_TYPE_INDEX = "ix_db_dbnode_db_dbnode_node_type"
"""AiiDA's index on ``db_dbnode.node_type``: reading through it reads every node of the types."""

_TABLES = {
    "db_dbnode": "nodes",
    "db_dblink": "links",
    "db_dbgroup": "groups",
    "db_dbgroup_dbnodes": "group memberships",
    "db_dbuser": "users",
    "db_dbcomputer": "computers",
    "db_dbauthinfo": "authinfos",
    "db_dbcomment": "comments",
    "db_dblog": "logs",
    "db_dbsetting": "settings",
}
_ALIAS_SUFFIX = re.compile(r"_\d+$")


@dataclass(slots=True)
class PlanSummary:
    """A plan as sentences, with what a reader of it looks for first."""

    steps: list[str] = field(default_factory=list)
    indexes: list[str] = field(default_factory=list)
    full_scans: list[str] = field(default_factory=list)
    estimated_rows: int | None = None
    raw: str = ""

    def _index(self, name: str) -> None:
        if name not in self.indexes:
            self.indexes.append(name)

    def _scan(self, table: str) -> None:
        if table not in self.full_scans:
            self.full_scans.append(table)


def table_words(name: str) -> str:
    """``db_dbnode_0`` (an alias) or ``db_dbnode`` -> ``nodes``; other names as they are."""
    base = _ALIAS_SUFFIX.sub("", name)
    return _TABLES.get(base, _TABLES.get(name, name))


_SQLITE_STEP = re.compile(
    r"^(?P<verb>SCAN|SEARCH) (?P<table>\S+)"
    r"(?: USING (?:(?P<covering>COVERING )?INDEX (?P<index>\S+)|(?P<key>INTEGER PRIMARY KEY|PRIMARY KEY)))?"
    r"(?: \((?P<condition>.*)\))?$"
)


def sqlite_plan_summary(rows: Iterable[Sequence[Any]]) -> PlanSummary:
    """``EXPLAIN QUERY PLAN`` rows (id, parent, notused, detail) in words."""
    summary = PlanSummary()
    details = [str(row[-1]) for row in rows]
    summary.raw = "\n".join(details)
    for detail in details:
        step = _SQLITE_STEP.match(detail)
        if step is None:
            summary.steps.append(_sqlite_other(detail))
            continue
        table = table_words(step["table"])
        index, condition = step["index"], step["condition"]
        if step["verb"] == "SCAN":
            summary._scan(table)
            if index:
                summary._index(index)
                summary.steps.append(f"reads every row of {table}, in the order of index {index}")
            else:
                summary.steps.append(f"reads every row of {table}")
        elif step["key"]:
            summary.steps.append(f"looks up {table} by id")
        elif index == NODE_TYPE_INDEX:
            summary._index(index)
            summary.steps.append(f"reads every node of the selected types, through index {index}")
        elif index:
            summary._index(index)
            summary.steps.append(
                f"looks up {table} through index {index}" + (f" ({condition})" if condition else "")
            )
        else:  # pragma: no cover (SEARCH always names how)
            summary.steps.append(detail.lower())
    return summary


def _sqlite_other(detail: str) -> str:
    if detail.startswith("USE TEMP B-TREE FOR "):
        return f"sorts the rows ({detail.removeprefix('USE TEMP B-TREE FOR ')})"
    return detail.lower()


_PG_WORDS = {
    "Sort": "sorts the rows",
    "Incremental Sort": "sorts the rows (partly sorted already)",
    "Limit": "stops after the rows asked for",
    "Aggregate": "aggregates (count, sum, ...)",
    "Hash": "builds a hash table",
    "Materialize": "keeps rows in memory",
    "Unique": "drops duplicates",
    "Gather": "collects rows from parallel workers",
    "Gather Merge": "collects sorted rows from parallel workers",
}


def postgres_plan_summary(plan_json: Sequence[Mapping[str, Any]]) -> PlanSummary:
    """``EXPLAIN (FORMAT JSON)`` output in words (depth-first: inputs before what consumes them)."""
    summary = PlanSummary()
    top = plan_json[0]["Plan"]
    rows = top.get("Plan Rows")
    summary.estimated_rows = None if rows is None else int(rows)
    _pg_node(top, summary)
    return summary


def _pg_node(node: Mapping[str, Any], summary: PlanSummary) -> None:
    for child in node.get("Plans", ()):
        _pg_node(child, summary)
    kind = str(node.get("Node Type", ""))
    table = table_words(str(node.get("Relation Name", "")))
    index = node.get("Index Name")
    estimate = f" (about {int(node.get('Plan Rows', 0)):,} rows)"
    if kind in ("Seq Scan", "Parallel Seq Scan"):
        summary._scan(table)
        summary.steps.append(f"reads every row of {table}{estimate}")
    elif kind in ("Index Scan", "Index Only Scan", "Bitmap Index Scan") and index:
        summary._index(str(index))
        if index == NODE_TYPE_INDEX:
            summary.steps.append(f"reads every node of the selected types, through index {index}{estimate}")
        else:
            target = f"{table} " if table and kind != "Bitmap Index Scan" else ""
            summary.steps.append(f"looks up {target}through index {index}{estimate}")
    elif kind == "Bitmap Heap Scan":
        summary.steps.append(f"reads the matching rows of {table}{estimate}")
    elif kind.endswith("Join") or kind == "Nested Loop":
        summary.steps.append(f"joins ({kind.lower()}, {str(node.get('Join Type', '')).lower()})")
    elif kind in _PG_WORDS:
        summary.steps.append(_PG_WORDS[kind])
    elif kind:
        summary.steps.append(kind.lower() + (f" of {table}" if table else ""))
