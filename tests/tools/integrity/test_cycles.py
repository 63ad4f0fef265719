"""``nodes_on_cycles`` against a plain definition: a node survives the peeling exactly when it lies
on a cycle or on a path from one cycle to another."""

from __future__ import annotations

import doctest
from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from provgraph.tools.integrity import cycles
from provgraph.tools.integrity.cycles import nodes_on_cycles

EDGES = st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12)), max_size=30)


def _reach(edges: Iterable[tuple[int, int]]) -> dict[int, set[int]]:
    """Every node's set of nodes reachable by one or more edges."""
    successors: dict[int, set[int]] = {}
    for source, target in edges:
        successors.setdefault(source, set()).add(target)
        successors.setdefault(target, set())
    reach = {}
    for start, following in successors.items():
        seen: set[int] = set()
        frontier = list(following)
        while frontier:
            node = frontier.pop()
            if node not in seen:
                seen.add(node)
                frontier.extend(successors[node])
        reach[start] = seen
    return reach


@settings(max_examples=300, deadline=None)
@given(EDGES)
def test_the_survivors_are_the_nodes_between_cycles(edges: list[tuple[int, int]]) -> None:
    reach = _reach(edges)
    on_a_cycle = {node for node, reached in reach.items() if node in reached}
    between = {
        node
        for node in reach
        if any(node in reach[cycle] or node == cycle for cycle in on_a_cycle)
        and any(cycle in reach[node] or node == cycle for cycle in on_a_cycle)
    }
    assert nodes_on_cycles(iter(edges)) == sorted(between)


def test_simple_graphs() -> None:
    assert nodes_on_cycles([]) == []
    assert nodes_on_cycles([(3, 3)]) == [3]  # a self-link is a cycle
    assert nodes_on_cycles([(1, 2), (1, 2), (2, 3)]) == []  # repeated edges are no cycle
    two_cycles = [(1, 2), (2, 1), (2, 5), (5, 6), (6, 7), (7, 6), (7, 9)]
    assert nodes_on_cycles(two_cycles) == [1, 2, 5, 6, 7]  # 5 lies between them, 9 after them


def test_module_examples_run() -> None:
    result = doctest.testmod(cycles, report=False)
    assert result.attempted
    assert result.failed == 0
