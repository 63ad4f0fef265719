"""The integrity checks' set queries: rows that break rules no constraint enforces.

Each function builds one SELECT over a whole table; :class:`~provgraph.storage.sql.base.SqlBackend`
streams its rows. The grouping happens in the database (``GROUP BY ... HAVING count(*) > 1``), so
a healthy storage of a million links returns no row at all, and only the problems travel. The
statements are dialect-neutral Core: UUIDs are compared as lower-case text on both databases
(PostgreSQL keeps them canonical already; SQLite keeps whatever text was written, so
``ABC...`` and ``abc...`` pass its unique constraint while naming the same UUID).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    Boolean,
    Integer,
    Select,
    Text,
    cast,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)

from provgraph.exceptions import InputValidationError
from provgraph.storage.abstract import EntityTypes
from provgraph.storage.sql.tables import ENTITY_TABLES, links, nodes

__all__ = [
    "dangling_links",
    "duplicate_uuids",
    "link_clashes",
    "link_ends",
    "link_shapes",
]

_NODE_COLUMNS = frozenset({"input_id", "output_id"})
_CLASH_COLUMNS = _NODE_COLUMNS | {"label"}


def dangling_links() -> Select[tuple[int, int, int, bool, bool]]:
    """Links whose input or output node is missing, with which end is, by link id."""
    source, target = nodes.alias("source"), nodes.alias("target")
    input_missing = type_coerce(source.c.id.is_(None), Boolean)
    output_missing = type_coerce(target.c.id.is_(None), Boolean)
    return (
        select(links.c.id, links.c.input_id, links.c.output_id, input_missing, output_missing)
        .select_from(
            links.outerjoin(source, source.c.id == links.c.input_id).outerjoin(
                target, target.c.id == links.c.output_id
            )
        )
        .where(or_(source.c.id.is_(None), target.c.id.is_(None)))
        .order_by(links.c.id)
    )


def link_shapes() -> Select[tuple[str, str, str, bool, int, int]]:
    """Links between existing nodes grouped by type, end node types and whether they are self-links."""
    source, target = nodes.alias("source"), nodes.alias("target")
    self_link = type_coerce(links.c.input_id == links.c.output_id, Boolean)
    return (
        select(
            links.c.type,
            source.c.node_type,
            target.c.node_type,
            self_link,
            func.count(),
            func.min(links.c.id),
        )
        .select_from(
            links.join(source, source.c.id == links.c.input_id).join(target, target.c.id == links.c.output_id)
        )
        .group_by(links.c.type, source.c.node_type, target.c.node_type, links.c.input_id == links.c.output_id)
        .order_by(links.c.type, source.c.node_type, target.c.node_type)
    )


def link_clashes(groupings: Sequence[tuple[str, Sequence[str]]]) -> Select[tuple[int, int, int, int]] | None:
    """One UNION ALL of a ``GROUP BY columns HAVING count(*) > 1`` per grouping; None for none."""
    parts = []
    for index, (link_type, columns) in enumerate(groupings):
        unknown = [column for column in columns if column not in _CLASH_COLUMNS]
        if not columns or unknown or columns[0] not in _NODE_COLUMNS:
            raise InputValidationError(
                f"link clash columns must be some of {sorted(_CLASH_COLUMNS)}, the first a node id, "
                f"got {list(columns)!r}"
            )
        grouped = [links.c[column] for column in columns]
        parts.append(
            select(
                literal(index, Integer).label("grouping"),
                grouped[0].label("node_id"),
                func.count().label("links"),
                func.min(links.c.id).label("first_id"),
            )
            .where(links.c.type == link_type)
            .group_by(*grouped)
            .having(func.count() > 1)
        )
    if not parts:
        return None
    union = union_all(*parts).subquery("clashes")
    return select(union.c.grouping, union.c.node_id, union.c.links, union.c.first_id).order_by(
        union.c.grouping, union.c.first_id
    )


def link_ends(link_types: Sequence[str]) -> Select[tuple[int, int]]:
    """Input and output ids of the links of the given types."""
    return select(links.c.input_id, links.c.output_id).where(links.c.type.in_(list(link_types)))


def duplicate_uuids(entity_type: EntityTypes) -> Select[tuple[str, int, int]]:
    """UUIDs (as lower-case text) held by several rows of the entity's table."""
    table = ENTITY_TABLES[EntityTypes(entity_type)]
    if "uuid" not in table.c:
        raise InputValidationError(f"{EntityTypes(entity_type).value} rows have no UUID to compare")
    key = func.lower(cast(table.c.uuid, Text))
    return (
        select(key, func.count(), func.min(table.c.id))
        .group_by(key)
        .having(func.count() > 1)
        .order_by(func.min(table.c.id))
    )
