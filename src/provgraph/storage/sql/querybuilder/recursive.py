"""The walk behind ``with_ancestors`` / ``with_descendants``: a recursive CTE over provenance links.

The walk yields ``(start, node)`` pairs: ``node`` is reached from ``start`` along ``create`` and
``input_calc`` links, upwards for ancestors, downwards for descendants. Three choices keep it
fast and finite:

- The seed starts from the joined vertex's own filters (a join to one node starts from that
  node's links, not from every link in the database).
- ``UNION`` (not ``UNION ALL``) keeps each row once, so diamonds and shared ancestors cannot
  multiply the work: without depth each pair is visited once; with depth each (pair, depth),
  bounded by the length of the longest path, and a ``GROUP BY`` keeps the minimum.
- Each step probes the link index as the dialect makes sure it does
  (``SqlDialect.recursive_step``, shared with ``storage/sql/graph.py``): on PostgreSQL a
  ``LATERAL`` subquery fenced by ``OFFSET 0``, since with stale statistics, just after a bulk
  insert, the planner would otherwise hash-join every link at every step.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, Select, func, literal, literal_column, select
from sqlalchemy.sql.expression import FromClause

from provgraph.storage.sql.dialects import SqlDialect
from provgraph.storage.sql.querybuilder.conditions import compile_conditions, is_empty, referenced_columns
from provgraph.storage.sql.querybuilder.description import Junction
from provgraph.storage.sql.querybuilder.entities import LINKS, NODES
from provgraph.storage.sql.querybuilder.relationships import PROVENANCE_LINK_TYPES, Relationship

__all__ = ["ancestry_walk"]

# The link types as constants in the SQL text: no parameters to expand on every run.
_FOLLOWED: list[ColumnElement[str]] = [literal_column(f"'{kind}'") for kind in PROVENANCE_LINK_TYPES]


def _is_followed(link_type: ColumnElement[str]) -> ColumnElement[bool]:
    return link_type.in_(_FOLLOWED)


def _seed(
    relationship: Relationship,
    start_filters: Junction | None,
    with_depth: bool,
    dialect: SqlDialect,
    name: str,
) -> Select[tuple[int, ...]]:
    """The first step: links out of (or into) the nodes that pass the joined vertex's filters."""
    link = LINKS.alias(f"{name}_seed_link")
    start = link.c[relationship.joined_column]
    columns = [start.label("start"), link.c[relationship.appended_column].label("node")]
    if with_depth:
        columns.append(literal(0, Integer).label("depth"))
    seed = select(*columns).where(_is_followed(link.c.type))
    if is_empty(start_filters):
        return seed
    if referenced_columns(start_filters) <= {("id", ())}:
        # Filters on the pk alone (the usual "ancestors of this node") apply to the link itself.
        condition = compile_conditions(start_filters, {"id": start}, dialect)
    else:
        origin = NODES.alias(f"{name}_seed_node")
        seed = seed.select_from(origin.join(link, start == origin.c.id))
        condition = compile_conditions(start_filters, origin.c, dialect)
    return seed if condition is None else seed.where(condition)


def ancestry_walk(
    relationship: Relationship,
    start_filters: Junction | None,
    with_depth: bool,
    dialect: SqlDialect,
    name: str,
) -> FromClause:
    """A selectable of ``(start, node[, depth])``: every node reached from every start, once.

    ``depth`` (only ``with_depth``) is the length of the shortest path minus one: 0 for a direct
    link. ``name`` keeps the CTEs of several walks in one query apart.
    """
    walk = _seed(relationship, start_filters, with_depth, dialect, name).cte(name, recursive=True)
    toward, away = relationship.joined_column, relationship.appended_column
    link = LINKS.alias(f"{name}_link")
    step = dialect.recursive_step(
        walk,
        walk.c.node,
        link,
        toward,
        away,
        carried=[walk.c.start],
        conditions=[_is_followed(link.c.type)],
        name=f"{name}_next",
    )
    if with_depth:
        step = step.add_columns(walk.c.depth + 1)
    walk = walk.union(step)
    if not with_depth:
        return walk
    shortest = func.min(walk.c.depth).label("depth")
    return (
        select(walk.c.start, walk.c.node, shortest)
        .group_by(walk.c.start, walk.c.node)
        .subquery(f"{name}_min")
    )
