"""What a query may name on each kind of vertex and edge: columns, aliases, JSON columns.

A query description names fields as strings (``pk``, ``user``, ``attributes.a.b``); this module
turns one into a column and a JSON path, or refuses it with the list of names that would do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import JSON, Table, TableClause, column, table

from provgraph.exceptions import InputValidationError
from provgraph.storage.sql.tables import (
    authinfos,
    comments,
    computers,
    group_nodes,
    groups,
    links,
    logs,
    nodes,
    users,
)

__all__ = [
    "ANCESTRY",
    "BASE_TABLES",
    "EDGE_SHAPES",
    "ENTITY_SHAPES",
    "GROUP_NODES",
    "LINKS",
    "NODES",
    "FieldRef",
    "Shape",
    "lightweight",
]


@dataclass(frozen=True)
class FieldRef:
    """A field of a vertex or edge: a column, and a path into it when the column holds JSON.

    ``nullable``: the column may hold NULL (conditions on a NOT NULL column need no guard).
    """

    column: str
    json_path: tuple[str, ...] = ()
    is_json: bool = False
    nullable: bool = True


@dataclass(frozen=True)
class Shape:
    """The columns a vertex or edge exposes, in table order, with their accepted aliases."""

    name: str
    columns: tuple[str, ...]
    json_columns: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)
    nullable: frozenset[str] = frozenset()

    def resolve(self, name: object, where: str) -> FieldRef:
        """The column (and JSON path) ``name`` refers to; ``where`` names the tag for messages."""
        if not isinstance(name, str) or not name:
            raise InputValidationError(f"{where}: a field must be a non-empty str, got {name!r}")
        head, *path = name.split(".")
        column = self.aliases.get(head, head)
        if column not in self.columns:
            raise InputValidationError(
                f"{where}: {self.name} has no field {head!r}; valid fields are {self.field_names()}"
                + (f" (JSON paths go through {sorted(self.json_columns)})" if self.json_columns else "")
            )
        is_json = column in self.json_columns
        if path and not is_json:
            raise InputValidationError(
                f"{where}: {name!r} is a JSON path, but {self.name} column {column!r} does not hold JSON; "
                f"JSON columns are {sorted(self.json_columns) or 'none'}"
            )
        if any(not key for key in path):
            raise InputValidationError(f"{where}: the JSON path {name!r} has an empty key")
        return FieldRef(column, tuple(path), is_json, column in self.nullable)

    def field_names(self) -> list[str]:
        return [*self.columns, *sorted(self.aliases)]


def _table_shape(name: str, source: Table, aliases: Mapping[str, str] | None = None) -> Shape:
    json_columns = frozenset(item.name for item in source.c if isinstance(item.type, JSON))
    nullable = frozenset(item.name for item in source.c if item.nullable)
    return Shape(name, tuple(source.c.keys()), json_columns, {"pk": "id", **(aliases or {})}, nullable)


#: Vertex shapes by ``orm_base``, with the friendly aliases of aiida-core's PROJECT_MAP.
ENTITY_SHAPES: dict[str, Shape] = {
    "node": _table_shape("node", nodes, {"user": "user_id", "computer": "dbcomputer_id"}),
    "group": _table_shape("group", groups, {"user": "user_id"}),
    "computer": _table_shape("computer", computers),
    "user": _table_shape("user", users),
    "comment": _table_shape("comment", comments, {"node": "dbnode_id", "user": "user_id"}),
    "log": _table_shape("log", logs, {"node": "dbnode_id"}),
    "authinfo": _table_shape("authinfo", authinfos, {"user": "aiidauser_id", "computer": "dbcomputer_id"}),
    "link": _table_shape("link", links),
}


def lightweight(source: Table) -> TableClause:
    """``source`` as a bare table of typed columns, for queries.

    Aliasing a full ``Table`` copies its constraints and foreign keys into every alias, which
    made up most of the time to compile a small query; a ``TableClause`` with the same names and
    types renders the same SQL and converts results the same way, at a fifth of the cost.
    """
    return table(source.name, *(column(name, kind.type) for name, kind in source.c.items()))


NODES = lightweight(nodes)
LINKS = lightweight(links)
GROUP_NODES = lightweight(group_nodes)

#: The tables behind the vertex shapes (lightweight: see :func:`lightweight`).
BASE_TABLES: dict[str, TableClause] = {
    "node": NODES,
    "group": lightweight(groups),
    "computer": lightweight(computers),
    "user": lightweight(users),
    "comment": lightweight(comments),
    "log": lightweight(logs),
    "authinfo": lightweight(authinfos),
    "link": LINKS,
}

#: The edge of a recursive join: only the minimum depth of each (start, reached node) pair.
ANCESTRY = Shape("ancestry edge", ("depth",))

#: Edge shapes of the joins that go through a table of their own.
EDGE_SHAPES: dict[str, Shape] = {
    "link": _table_shape("link", links),
    "membership": _table_shape("group membership", group_nodes),
    "ancestry": ANCESTRY,
}
