"""The edges of the provenance graph as SQL: reachability along links, and group membership.

Both are hot paths (every new link asks whether it would close a cycle; groups receive
thousands of nodes at once), so each is one statement, or one per chunk of ids, on both dialects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Integer,
    delete,
    exists,
    func,
    literal,
    literal_column,
    select,
)

from provgraph.common.links import LinkType
from provgraph.exceptions import InputValidationError, NotExistent
from provgraph.storage.abstract import LinkWalk
from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.tables import group_nodes, groups, links, nodes

__all__ = ["add_group_nodes", "is_reachable", "remove_group_nodes", "walk_links"]

# Node ids per statement, well below the bound-parameter limits of both dialects.
_CHUNK = 5000


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _checked_ids(ids: Sequence[int], what: str) -> list[int]:
    """``ids`` without repeats, after making sure every one is an int."""
    for value in ids:
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputValidationError(f"{what} must be ints, got {value!r}")
    return list(dict.fromkeys(ids))


def is_reachable(conn: Connection, source_id: int, target_id: int) -> bool:
    """Whether links lead from ``source_id`` to ``target_id`` (a node reaches itself).

    A recursive CTE walks outputs breadth-first; ``UNION`` (not ``UNION ALL``) visits each node
    once, so diamonds and already-cyclic data cannot blow the walk up, and ``LIMIT 1`` lets the
    database stop as soon as the target appears. Each step looks outputs up through the link
    index as the dialect makes sure it does (``SqlDialect.recursive_step``).
    """
    _checked_ids([source_id, target_id], "node ids")
    if source_id == target_id:
        return True
    reached = (
        select(links.c.output_id.label("id"))
        .where(links.c.input_id == source_id)
        .cte("reached", recursive=True)
    )
    step = dialect_for(conn).recursive_step(reached, reached.c.id, links, "input_id", "output_id")
    reached = reached.union(step)
    statement = select(literal(1)).select_from(reached).where(reached.c.id == target_id).limit(1)
    return conn.execute(statement).first() is not None


def walk_links(
    conn: Connection,
    origins: Sequence[int],
    link_types: Sequence[str],
    *,
    backward: bool,
    depth: int | None,
    limit: int | None,
) -> LinkWalk:
    """The nodes ``depth`` links (or any number) away from ``origins`` along ``link_types``.

    Two statements whatever the graph's size: a recursive CTE finds every node with its
    distance (``UNION``: each (node, distance) once; without a depth each node once, so diamonds
    and cycles cannot multiply the work), and one SELECT reads the links that were followed (the
    links of the given types whose near end is an origin or a node closer than ``depth``).
    With ``limit``, the walk stops counting at ``limit + 1`` nodes and reads no link when it
    went past: the caller reports the excess without paying for it.
    """
    starts = _checked_ids(list(origins), "node ids")
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 0):
        raise InputValidationError(f"depth must be an int >= 0 or None, got {depth!r}")
    kinds: list[ColumnElement[str]] = [
        literal_column(f"'{kind}'") for kind in _checked_link_types(link_types)
    ]
    toward, away = ("output_id", "input_id") if backward else ("input_id", "output_id")
    if not starts or not kinds or depth == 0:
        return LinkWalk(distances={}, links=[], exceeded=False)
    dialect = dialect_for(conn)
    seed_link = links.alias("walk_seed")
    seed = select(seed_link.c[away].label("node"), literal(1, Integer).label("distance")).where(
        seed_link.c[toward].in_(starts), seed_link.c.type.in_(kinds)
    )
    if depth is None:
        seed = select(seed_link.c[away].label("node")).where(
            seed_link.c[toward].in_(starts), seed_link.c.type.in_(kinds)
        )
    walk = seed.cte("walked", recursive=True)
    step_link = links.alias("walk_step")
    conditions: list[ColumnElement[bool]] = [step_link.c.type.in_(kinds)]
    if depth is not None:
        conditions.append(walk.c.distance < depth)
    step = dialect.recursive_step(
        walk, walk.c.node, step_link, toward, away, conditions=conditions, name="walk_next"
    )
    if depth is not None:
        step = step.add_columns(walk.c.distance + 1)
    walk = walk.union(step)
    if depth is None:
        reached = select(walk.c.node, literal(1, Integer).label("distance")).distinct()
    else:
        reached = select(walk.c.node, func.min(walk.c.distance).label("distance")).group_by(walk.c.node)
    if limit is not None:
        reached = reached.limit(limit + 1)
    distances = {int(node): int(distance) for node, distance in conn.execute(reached)}
    if limit is not None and len(distances) > limit:
        return LinkWalk(distances=distances, links=[], exceeded=True)
    near = set(starts) | {node for node, distance in distances.items() if depth is None or distance < depth}
    followed: list[tuple[int, int, str, str]] = []
    for chunk in _chunks(sorted(near)):
        statement = select(links.c.input_id, links.c.output_id, links.c.type, links.c.label).where(
            links.c[toward].in_(chunk), links.c.type.in_(kinds)
        )
        followed.extend(
            (int(a), int(b), str(kind), str(label)) for a, b, kind, label in conn.execute(statement)
        )
    if depth is None:
        distances = {node: 0 for node in distances}  # distances are not measured without a depth
    return LinkWalk(distances=distances, links=followed, exceeded=False)


def _checked_link_types(link_types: Sequence[str]) -> list[str]:
    known = [kind.value for kind in LinkType]
    for kind in link_types:
        if kind not in known:
            raise InputValidationError(f"unknown link type {kind!r}; use one of {', '.join(known)}")
    return list(dict.fromkeys(link_types))


def _require_group(conn: Connection, group_id: int) -> None:
    _checked_ids([group_id], "group ids")
    if conn.execute(select(groups.c.id).where(groups.c.id == group_id)).first() is None:
        raise NotExistent(f"no group with pk {group_id}; store the group before adding nodes to it")


def _insert_memberships(conn: Connection, group_id: int, chunk: Sequence[int]) -> Insert:
    """INSERT ... SELECT of the memberships in ``chunk`` that the group does not have yet."""
    existing = exists().where(group_nodes.c.dbgroup_id == group_id, group_nodes.c.dbnode_id == nodes.c.id)
    source = select(literal(group_id), nodes.c.id).where(nodes.c.id.in_(chunk), ~existing)
    # ON CONFLICT covers a concurrent writer adding the same membership between SELECT and INSERT.
    return dialect_for(conn).insert_ignoring_conflicts(group_nodes, ["dbgroup_id", "dbnode_id"], source)


def add_group_nodes(conn: Connection, group_id: int, node_ids: Sequence[int]) -> None:
    """Add the memberships that do not exist yet; ``NotExistent`` names a missing group or node."""
    unique = _checked_ids(node_ids, "node ids")
    _require_group(conn, group_id)
    for chunk in _chunks(unique):
        found = set(conn.execute(select(nodes.c.id).where(nodes.c.id.in_(chunk))).scalars())
        if len(found) != len(chunk):
            missing = sorted(set(chunk) - found)
            raise NotExistent(
                f"cannot add nodes {missing[:10]} to group {group_id}: no such nodes"
                f"{f' ({len(missing)} in all)' if len(missing) > 10 else ''}; store them first"
            )
        conn.execute(_insert_memberships(conn, group_id, chunk))


def remove_group_nodes(conn: Connection, group_id: int, node_ids: Sequence[int]) -> None:
    """Delete the memberships of ``node_ids`` in the group; non-members are ignored."""
    unique = _checked_ids(node_ids, "node ids")
    _checked_ids([group_id], "group ids")
    for chunk in _chunks(unique):
        conn.execute(
            delete(group_nodes).where(
                group_nodes.c.dbgroup_id == group_id, group_nodes.c.dbnode_id.in_(chunk)
            )
        )
