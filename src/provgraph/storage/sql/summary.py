"""What a storage holds, in the shape of ``provgraph storage info`` (AiiDA's ``get_orm_entities``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, Table, func, select

from provgraph.storage.sql.tables import comments, computers, groups, links, logs, nodes, users

__all__ = ["entity_counts", "entity_details"]

_COUNTED: dict[str, Table] = {
    "Users": users,
    "Computers": computers,
    "Nodes": nodes,
    "Groups": groups,
    "Comments": comments,
    "Logs": logs,
    "Links": links,
}


def entity_counts(conn: Connection) -> dict[str, int]:
    """Row counts by entity name, in AiiDA's order."""
    return {
        name: conn.execute(select(func.count()).select_from(table)).scalar_one()
        for name, table in _COUNTED.items()
    }


def _distinct(conn: Connection, column: Column[Any]) -> list[Any]:
    """Sorted distinct values, without NULL and empty strings."""
    values = conn.execute(select(column).distinct().where(column.is_not(None))).scalars()
    return sorted(value for value in values if value != "")


def entity_details(conn: Connection) -> dict[str, Any]:
    """The ``--detailed`` additions: emails, computer labels, node time span and types, group types."""
    first = conn.execute(select(nodes.c.ctime).order_by(nodes.c.ctime.asc()).limit(1)).scalar()
    last = conn.execute(select(nodes.c.ctime).order_by(nodes.c.ctime.desc()).limit(1)).scalar()
    return {
        "Users": {"emails": _distinct(conn, users.c.email)},
        "Computers": {"labels": _distinct(conn, computers.c.label)},
        "Nodes": {
            "first_created": None if first is None else str(first),
            "last_created": None if last is None else str(last),
            "node_types": _distinct(conn, nodes.c.node_type),
            "process_types": _distinct(conn, nodes.c.process_type),
        },
        "Groups": {"type_strings": _distinct(conn, groups.c.type_string)},
    }
