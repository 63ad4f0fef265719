"""The FROM clause of a query: one alias per vertex, joined along the path, and the WHERE terms.

An inner join's filters go to WHERE. An outer join keeps its filters (the vertex's and its
edge's) in its ON clause, and joins edge and vertex as one parenthesised unit, so that a row
without a matching (edge, vertex) pair appears once, with NULLs, rather than vanishing or
appearing once per edge that led nowhere. When the first vertex serves only as the start of an
ancestors / descendants walk, the walk's seed stands in for it (see ``_start_is_implied``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.sql.expression import FromClause

from provgraph.storage.sql.dialects import SqlDialect
from provgraph.storage.sql.querybuilder.conditions import compile_conditions
from provgraph.storage.sql.querybuilder.description import Description, Vertex
from provgraph.storage.sql.querybuilder.entities import BASE_TABLES, GROUP_NODES, LINKS
from provgraph.storage.sql.querybuilder.recursive import ancestry_walk

__all__ = ["Sources", "build_sources"]


@dataclass
class Sources:
    """The joined FROM clause, the alias standing for each tag, and the WHERE conditions."""

    from_clause: FromClause
    aliases: dict[str, FromClause]
    where: list[ColumnElement[bool]] = field(default_factory=list)
    #: Tags whose rows may be all NULL (outer-joined vertices and their edges).
    nullable: set[str] = field(default_factory=set)


def _edge(vertex: Vertex, description: Description, dialect: SqlDialect) -> tuple[FromClause, str, str]:
    """The edge's alias, and its columns that meet the joined and the appended vertex."""
    relationship = vertex.relationship
    assert relationship is not None
    assert vertex.joined is not None
    name = f"edge_{vertex.index}"
    if relationship.kind == "link":
        return LINKS.alias(name), relationship.joined_column, relationship.appended_column
    if relationship.kind == "membership":
        return GROUP_NODES.alias(name), relationship.joined_column, relationship.appended_column
    with_depth = vertex.edge_tag is not None and description.mentions(vertex.edge_tag)
    start_filters = description.filters.get(vertex.joined)
    walk = ancestry_walk(relationship, start_filters, with_depth, dialect, f"walk_{vertex.index}")
    return walk, "start", "node"


def _join(sources: Sources, vertex: Vertex, description: Description, dialect: SqlDialect) -> None:
    relationship = vertex.relationship
    assert relationship is not None
    assert vertex.joined is not None
    table = BASE_TABLES[vertex.base]
    target = table.alias(f"{table.name}_{vertex.index}")
    sources.aliases[vertex.tag] = target
    condition = compile_conditions(description.filters.get(vertex.tag), target.c, dialect)
    if vertex.outer:
        sources.nullable.add(vertex.tag)
    if relationship.kind == "key":
        joined = sources.aliases[vertex.joined]
        on = target.c[relationship.appended_column] == joined.c[relationship.joined_column]
        join = sources.from_clause.outerjoin if vertex.outer else sources.from_clause.join
        sources.from_clause = join(target, on)
        sources.where.extend([condition] if condition is not None else [])
        return
    edge, toward, away = _edge(vertex, description, dialect)
    edge_condition = None
    if vertex.edge_tag is not None:
        sources.aliases[vertex.edge_tag] = edge
        edge_condition = compile_conditions(description.filters.get(vertex.edge_tag), edge.c, dialect)
        if vertex.outer:
            sources.nullable.add(vertex.edge_tag)
    target_on = target.c.id == edge.c[away]
    if vertex.joined not in sources.aliases:  # the walk's seed stands for the first vertex
        sources.from_clause = edge.join(target, target_on)
        sources.where.extend(c for c in (edge_condition, condition) if c is not None)
        return
    edge_on = edge.c[toward] == sources.aliases[vertex.joined].c.id
    if vertex.outer:
        # The edge and its vertex join as one unit, so an edge without its vertex adds no row.
        sources.from_clause = sources.from_clause.outerjoin(edge.join(target, target_on), edge_on)
    else:
        sources.from_clause = sources.from_clause.join(edge, edge_on).join(target, target_on)
    # Filters of a joined vertex and its edge go to WHERE for outer joins too (AiiDA's
    # semantics): they select result rows; a row whose outer-joined side is missing fails them.
    sources.where.extend(c for c in (edge_condition, condition) if c is not None)


def _start_is_implied(description: Description) -> bool:
    """Whether the first vertex only starts a walk (ancestors or descendants of it, nothing else).

    Then the walk's seed, which applies the vertex's filters and starts from links that point
    at existing nodes, stands for it, and the query skips a lookup of every start per result.
    """
    if len(description.vertices) < 2:
        return False
    first, second = description.vertices[:2]
    relationship = second.relationship
    return (
        relationship is not None
        and relationship.kind == "ancestry"
        and not second.outer
        and not description.projections.get(first.tag)
        and all(key.tag != first.tag for key in description.order)
        and all(vertex.joined != first.tag for vertex in description.vertices[2:])
    )


def build_sources(description: Description, dialect: SqlDialect) -> Sources:
    """Alias every vertex (and edge), join them in path order, and collect the WHERE terms."""
    first = description.vertices[0]
    table = BASE_TABLES[first.base]
    start: Any = table.alias(f"{table.name}_0")
    sources = Sources(start, {first.tag: start})
    if _start_is_implied(description):
        del sources.aliases[first.tag]
    else:
        condition = compile_conditions(description.filters.get(first.tag), start.c, dialect)
        sources.where.extend([condition] if condition is not None else [])
    for vertex in description.vertices[1:]:
        _join(sources, vertex, description, dialect)
    return sources
