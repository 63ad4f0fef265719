"""The edges of the provenance graph as SQL: reachability along links, and group membership.

Both are hot paths (every new link asks whether it would close a cycle; groups receive
thousands of nodes at once), so each is one statement, or one per chunk of ids, on both dialects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, Insert, delete, exists, literal, select

from provgraph.exceptions import InputValidationError, NotExistent
from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.tables import group_nodes, groups, links, nodes

__all__ = ["add_group_nodes", "is_reachable", "remove_group_nodes"]

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
