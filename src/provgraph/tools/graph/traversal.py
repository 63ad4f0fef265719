"""Expand a set of nodes along links to a fixed point, set by set, never node by node.

Deleting or exporting a node takes along its neighbours as the graph traversal rules say
(:mod:`provgraph.tools.graph.rules`), and their neighbours, until nothing new turns up. Each
round asks the database for all neighbours of the newly found nodes along the followed
(link type, direction) pairs: one QueryBuilder query per direction per batch of
:data:`FILTER_SIZE` ids, projecting only ids and link columns. No ORM object is made and
nothing is asked per node, so the cost is a few queries per generation of the graph, whatever
its size; memory holds the ids found (and the links, only if asked for).

>>> from provgraph.tools.graph import get_nodes_export
>>> found = get_nodes_export([calculation.pk])               # doctest: +SKIP
>>> sorted(found["nodes"]) == sorted([*input_pks, calculation.pk, *output_pks])  # doctest: +SKIP
True
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, TypedDict

from provgraph.exceptions import InputValidationError, NotExistent
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.orm.utils.links import LinkQuadruple
from provgraph.tools.graph.rules import (
    RULE_NAMES,
    AppliedRules,
    Direction,
    GraphTraversalRules,
    validate_traversal_rules,
)

if TYPE_CHECKING:
    from provgraph.storage.abstract import StorageBackend

__all__ = [
    "FILTER_SIZE",
    "LinkQuadruple",
    "TraverseGraphOutput",
    "batched",
    "get_nodes_delete",
    "get_nodes_export",
    "traverse_graph",
]

#: Ids per ``IN (...)`` clause: large enough for few round trips, far below SQLite's and
#: PostgreSQL's limits on bound parameters (32,766 and 65,535).
FILTER_SIZE = 2_500


class TraverseGraphOutput(TypedDict):
    """What a traversal found: node ids, the links followed (None unless asked) and the rules used."""

    nodes: set[int]
    links: set[LinkQuadruple] | None
    rules: dict[str, bool]


MissingCallback = Callable[[set[int]], None]


def batched(ids: Iterable[int], size: int | None = None) -> Iterator[list[int]]:
    """``ids`` sorted and cut into lists of at most ``size`` (default :data:`FILTER_SIZE`), for ``IN``."""
    size = size or FILTER_SIZE
    ordered = sorted(ids)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def traverse_graph(
    starting_pks: Iterable[int],
    *,
    rules: Mapping[str, bool],
    backend: StorageBackend | None = None,
    get_links: bool = False,
    missing_callback: MissingCallback | None = None,
    filter_size: int | None = None,
) -> TraverseGraphOutput:
    """Every node reachable from ``starting_pks`` along the links the ``rules`` follow.

    ``rules`` maps rule names (``create_forward``, ...) to whether to follow them; names not
    given are not followed, and no ruleset is checked here (see :func:`get_nodes_export` and
    :func:`get_nodes_delete`). Starting pks that are not nodes raise ``NotExistent`` unless
    ``missing_callback`` takes them. With ``get_links`` the result also holds every link
    followed, as :class:`LinkQuadruple`; otherwise ``links`` is None. ``filter_size`` ids go
    into one query (default :data:`FILTER_SIZE`).
    """
    unknown = sorted(set(rules) - set(RULE_NAMES))
    if unknown:
        raise InputValidationError(f"unknown graph traversal rules: {', '.join(unknown)}")
    applied = AppliedRules({name: bool(rules.get(name, False)) for name in RULE_NAMES})
    starting = _checked_pks(starting_pks)
    links: set[LinkQuadruple] | None = set() if get_links else None
    query = QueryBuilder(backend=backend)  # resolves the default storage once
    storage = query.backend
    found = _existing_nodes(storage, starting, filter_size)
    missing = starting - found
    if missing:
        if missing_callback is None:
            raise NotExistent(
                f"{len(missing)} starting pks are not nodes: {sorted(missing)[:20]}; remove them first"
            )
        missing_callback(missing)
    directions: tuple[Direction, ...] = ("forward", "backward")
    steps = [
        (direction, tuple(link_type.value for link_type in applied.link_types(direction)))
        for direction in directions
        if applied.link_types(direction)
    ]
    frontier = set(found)
    while frontier and steps:
        reached: set[int] = set()
        for batch in batched(frontier, filter_size):
            for direction, link_types in steps:
                for link in _links_of(storage, batch, direction, link_types):
                    reached.add(link.target_id if direction == "forward" else link.source_id)
                    if links is not None:
                        links.add(link)
        frontier = reached - found
        found |= frontier
    return TraverseGraphOutput(nodes=found, links=links, rules=dict(applied.rules))


def get_nodes_export(
    starting_pks: Iterable[int],
    get_links: bool = False,
    backend: StorageBackend | None = None,
    **traversal_rules: bool,
) -> TraverseGraphOutput:
    """The nodes an archive of ``starting_pks`` must hold: the EXPORT rules, as ``verdi archive create``.

    ``traversal_rules`` switch the toggleable EXPORT rules (``create_backward``, ...).
    """
    applied = validate_traversal_rules(GraphTraversalRules.EXPORT, **traversal_rules)
    return traverse_graph(starting_pks, rules=applied.rules, backend=backend, get_links=get_links)


def get_nodes_delete(
    starting_pks: Iterable[int],
    get_links: bool = False,
    missing_callback: MissingCallback | None = None,
    backend: StorageBackend | None = None,
    **traversal_rules: bool,
) -> TraverseGraphOutput:
    """The nodes deleting ``starting_pks`` must take along: the DELETE rules, as ``verdi node delete``.

    ``traversal_rules`` switch the toggleable DELETE rules (``create_forward``,
    ``call_calc_forward``, ``call_work_forward``).
    """
    applied = validate_traversal_rules(GraphTraversalRules.DELETE, **traversal_rules)
    return traverse_graph(
        starting_pks,
        rules=applied.rules,
        backend=backend,
        get_links=get_links,
        missing_callback=missing_callback,
    )


def _checked_pks(starting_pks: Iterable[int]) -> set[int]:
    if isinstance(starting_pks, (str, bytes)) or not isinstance(starting_pks, Iterable):
        raise TypeError(f"starting_pks must be an iterable of ints, got {starting_pks!r}")
    pks = set(starting_pks)
    wrong = [pk for pk in pks if isinstance(pk, bool) or not isinstance(pk, int)]
    if wrong:
        raise TypeError(f"starting_pks must be ints; got {wrong[:5]!r}")
    return pks


def _existing_nodes(storage: StorageBackend, pks: Collection[int], filter_size: int | None) -> set[int]:
    existing: set[int] = set()
    for batch in batched(pks, filter_size):
        query = QueryBuilder(backend=storage).append(Node, filters={"id": {"in": batch}}, project=["id"])
        existing.update(query.all(flat=True))
    return existing


def _links_of(
    storage: StorageBackend, batch: list[int], direction: Direction, link_types: tuple[str, ...]
) -> Iterator[LinkQuadruple]:
    """The links of ``link_types`` leaving (forward) or entering (backward) the nodes of ``batch``."""
    query = QueryBuilder(backend=storage)
    query.append(Node, tag="known", filters={"id": {"in": batch}}, project=["id"])
    forward = direction == "forward"
    query.append(
        Node,
        joining_keyword="with_incoming" if forward else "with_outgoing",
        joining_value="known",
        project=["id"],
        edge_filters={"type": {"in": list(link_types)}},
        edge_project=["type", "label"],
    )
    for known, other, link_type, label in query.iterall(batch_size=FILTER_SIZE):
        if forward:
            yield LinkQuadruple(known, other, link_type, label)
        else:
            yield LinkQuadruple(other, known, link_type, label)
