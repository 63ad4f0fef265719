"""The nodes that lie on cycles of a directed graph given as a stream of edges.

Provenance links (CREATE, INPUT_CALC, INPUT_WORK) must never form a cycle; the check reads all
of them once and peels the graph like Kahn's algorithm, twice: forward (drop nodes with no
incoming edge left) and then backward (drop nodes with no outgoing edge left). What survives
both lies on a cycle or on a path from one cycle to another; in a healthy graph nothing does.

Memory is a few machine words per edge and per node id (``array`` columns indexed by node id,
an adjacency list in compressed rows), not a Python object per edge: a million links cost some
tens of megabytes, and the work is a handful of passes over them.

>>> nodes_on_cycles([(1, 2), (2, 3), (3, 1), (3, 4), (5, 1)])
[1, 2, 3]
>>> nodes_on_cycles([(1, 2), (2, 3)])
[]
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Iterable

__all__ = ["nodes_on_cycles"]


def nodes_on_cycles(edges: Iterable[tuple[int, int]]) -> list[int]:
    """The node ids, ascending, that survive peeling ``edges`` from both ends (see the module)."""
    sources, targets = array("i"), array("i")
    for source, target in edges:
        sources.append(source)
        targets.append(target)
    if not sources:
        return []
    size = max(sources + targets) + 1
    alive = bytearray(size)
    for node in itertools.chain(sources, targets):
        alive[node] = 1
    _peel(size, alive, sources, targets)  # forward: nodes nothing leads into go
    _peel(size, alive, targets, sources)  # backward: nodes that lead nowhere go
    return [node for node in range(size) if alive[node]]


def _peel(size: int, alive: bytearray, tails: array[int], heads: array[int]) -> None:
    """Kahn's algorithm along ``tails -> heads`` among the ``alive`` nodes; clears the freed ones.

    Only edges between two alive nodes count, so the second pass sees what the first left.
    """
    pairs = zip(tails, heads, strict=True)
    kept_tails, kept_heads = array("i"), array("i")
    for tail, head in pairs:
        if alive[tail] and alive[head]:
            kept_tails.append(tail)
            kept_heads.append(head)
    waiting = array("i", bytes(4 * size))  # edges still leading into each node
    for head in kept_heads:
        waiting[head] += 1
    starts, ends = _adjacency(size, kept_tails, kept_heads)
    ready = [node for node in range(size) if alive[node] and not waiting[node]]
    while ready:
        node = ready.pop()
        alive[node] = 0
        for position in range(starts[node], starts[node + 1]):
            head = ends[position]
            waiting[head] -= 1
            if not waiting[head]:
                ready.append(head)


def _adjacency(size: int, tails: array[int], heads: array[int]) -> tuple[array[int], array[int]]:
    """Compressed rows: the heads of node ``n``'s edges are ``ends[starts[n]:starts[n + 1]]``."""
    counts = array("q", bytes(8 * size))
    for tail in tails:
        counts[tail] += 1
    starts = array("q", itertools.accumulate(counts, initial=0))
    filled = array("q", starts[:-1])
    ends = array("i", bytes(4 * len(tails)))
    for tail, head in zip(tails, heads, strict=True):
        ends[filled[tail]] = head
        filled[tail] += 1
    return starts, ends
