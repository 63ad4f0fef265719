"""Recursive joins of the QueryBuilder (with_ancestors / with_descendants) on both SQL backends.

The walk follows only ``create`` and ``input_calc`` links, returns each (start, node) pair once
with its shortest depth (0 for a direct link), and must stay fast on long chains and finite on
graphs with exponentially many paths.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import Any

import pytest

from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend

DATA = "data.core.int.Int."
CALC = "process.calculation.calcfunction.CalcFunctionNode."
WORK = "process.workflow.workfunction.WorkFunctionNode."


def vertex(
    tag: str, keyword: str | None = None, joined: str | None = None, *, edge: str | None = None
) -> dict[str, Any]:
    return {
        "entity_type": "",
        "orm_base": "node",
        "tag": tag,
        "joining_keyword": keyword,
        "joining_value": joined,
        "edge_tag": edge,
        "outerjoin": False,
    }


def walk(
    direction: str,
    start: dict[str, Any],
    reached: dict[str, Any] | None = None,
    edge: dict[str, Any] | None = None,
    project: tuple[str, ...] = ("s.label", "n.label"),
) -> dict[str, Any]:
    """Nodes reached from the ``start`` nodes: ``with_ancestors`` gives descendants, and vice versa."""
    projections: dict[str, list[str]] = {}
    for item in project:
        tag, field = item.split(".", 1)
        projections.setdefault(tag, []).append(field)
    return {
        "path": [vertex("s"), vertex("n", direction, "s", edge="e")],
        "filters": {"s": start, "n": reached or {}, "e": edge or {}},
        "project": projections,
        "project_map": {},
        "order_by": [],
        "limit": None,
        "offset": None,
        "distinct": False,
    }


def found(storage: SqlDosBackend, description: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(storage.query_rows(description), key=repr)


def ancestors(start: str, **more: Any) -> dict[str, Any]:
    return walk("with_descendants", {"label": start}, **more)


def descendants(start: str, **more: Any) -> dict[str, Any]:
    return walk("with_ancestors", {"label": start}, **more)


class Builder:
    """Nodes by label and typed links between them, written through the row API."""

    def __init__(self, storage: SqlDosBackend) -> None:
        self.storage = storage
        self.user = storage.bulk_insert(EntityTypes.USER, [{"email": "g@x"}], allow_defaults=True)[0]
        self.ids: dict[str, int] = {}

    def nodes(self, labels: Sequence[str], node_type: str = DATA) -> list[int]:
        rows = [{"user_id": self.user, "label": label, "node_type": node_type} for label in labels]
        new = self.storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
        self.ids.update(zip(labels, new, strict=True))
        return new

    def links(self, triples: Sequence[tuple[str, str, str]]) -> None:
        rows = [
            {
                "input_id": self.ids[source],
                "output_id": self.ids[target],
                "label": f"{source}-{target}",
                "type": kind,
            }
            for source, target, kind in triples
        ]
        self.storage.bulk_insert(EntityTypes.LINK, rows)


@pytest.fixture
def build(storage: SqlDosBackend) -> Builder:
    return Builder(storage)


def test_ancestors_and_descendants_of_a_chain_with_depths(storage: SqlDosBackend, build: Builder) -> None:
    build.nodes(["a", "b", "c", "d"])
    build.links([("a", "b", "create"), ("b", "c", "input_calc"), ("c", "d", "create")])
    project = ("n.label", "e.depth")
    assert found(storage, ancestors("d", project=project)) == [("a", 2), ("b", 1), ("c", 0)]
    assert found(storage, descendants("a", project=project)) == [("b", 0), ("c", 1), ("d", 2)]
    assert found(storage, descendants("d")) == []
    assert found(storage, ancestors("a")) == []


def test_a_diamond_gives_each_node_once_at_its_shortest_depth(storage: SqlDosBackend, build: Builder) -> None:
    build.nodes(["top", "left", "right", "long", "bottom"])
    build.links(
        [
            ("top", "left", "create"),
            ("top", "right", "create"),
            ("left", "bottom", "create"),
            ("right", "long", "create"),
            ("long", "bottom", "create"),
        ]
    )
    assert found(storage, ancestors("bottom")) == [
        ("bottom", "left"),
        ("bottom", "long"),
        ("bottom", "right"),
        ("bottom", "top"),
    ]
    with_depth = found(storage, ancestors("bottom", project=("n.label", "e.depth")))
    assert with_depth == [("left", 0), ("long", 0), ("right", 1), ("top", 1)]
    assert found(storage, descendants("top", project=("n.label", "e.depth"))) == [
        ("bottom", 1),
        ("left", 0),
        ("long", 1),
        ("right", 0),
    ]


def test_shared_ancestors_are_reported_per_start(storage: SqlDosBackend, build: Builder) -> None:
    build.nodes(["root", "mid", "x", "y"])
    build.links(
        [("root", "mid", "create"), ("mid", "x", "create"), ("mid", "y", "create"), ("root", "y", "create")]
    )
    description = walk(
        "with_descendants", {"label": {"in": ["x", "y"]}}, project=("s.label", "n.label", "e.depth")
    )
    assert found(storage, description) == [
        ("x", "mid", 0),
        ("x", "root", 1),
        ("y", "mid", 0),
        ("y", "root", 0),
    ]
    count_all = walk("with_descendants", {"label": {"in": ["x", "y"]}})
    assert storage.query_count(count_all) == 4


def test_only_provenance_links_are_followed(storage: SqlDosBackend, build: Builder) -> None:
    """input_work, call and return links belong to the call stack, not the data provenance."""
    build.nodes(["input", "result", "late"])
    build.nodes(["workflow"], WORK)
    build.nodes(["calc"], CALC)
    build.links(
        [
            ("input", "workflow", "input_work"),
            ("workflow", "calc", "call_calc"),
            ("input", "calc", "input_calc"),
            ("calc", "result", "create"),
            ("workflow", "result", "return"),
            ("result", "late", "input_work"),
        ]
    )
    assert found(storage, descendants("input", project=("n.label",))) == [("calc",), ("result",)]
    assert found(storage, ancestors("result", project=("n.label",))) == [("calc",), ("input",)]
    assert found(storage, ancestors("late", project=("n.label",))) == []
    assert found(storage, descendants("workflow", project=("n.label",))) == []


def test_filters_on_both_ends_and_on_depth(storage: SqlDosBackend, build: Builder) -> None:
    build.nodes(["i1", "i2", "o1", "o2"])
    build.nodes(["c1", "c2"], CALC)
    build.links(
        [
            ("i1", "c1", "input_calc"),
            ("c1", "o1", "create"),
            ("o1", "c2", "input_calc"),
            ("i2", "c2", "input_calc"),
            ("c2", "o2", "create"),
        ]
    )
    data_only = {"node_type": DATA}
    description = walk(
        "with_descendants", {"label": {"like": "o%"}}, data_only, project=("s.label", "n.label")
    )
    assert found(storage, description) == [("o1", "i1"), ("o2", "i1"), ("o2", "i2"), ("o2", "o1")]
    shallow = walk(
        "with_descendants", {"label": "o2"}, edge={"depth": {"<=": 1}}, project=("n.label", "e.depth")
    )
    assert found(storage, shallow) == [("c2", 0), ("i2", 1), ("o1", 1)]
    ordered = ancestors("o2", project=("n.label",))
    ordered["order_by"] = [{"e": [{"depth": {"order": "desc"}}]}, {"n": ["label"]}]
    assert list(storage.query_rows(ordered)) == [("i1",), ("c1",), ("i2",), ("o1",), ("c2",)]


def test_a_recursive_join_can_be_joined_on(storage: SqlDosBackend, build: Builder) -> None:
    """Two walks in one query: the descendants of the ancestors of a node."""
    build.nodes(["a", "b", "c", "side"])
    build.links([("a", "b", "create"), ("b", "c", "create"), ("a", "side", "create")])
    description = {
        "path": [
            vertex("s"),
            vertex("up", "with_descendants", "s", edge="e1"),
            vertex("down", "with_ancestors", "up"),
        ],
        "filters": {"s": {"label": "c"}, "e1": {"depth": 1}},
        "project": {"up": ["label"], "down": ["label"]},
        "project_map": {},
        "order_by": [{"down": ["label"]}],
        "limit": None,
        "offset": None,
        "distinct": False,
    }
    assert list(storage.query_rows(description)) == [("a", "b"), ("a", "c"), ("a", "side")]


def test_exponentially_many_paths_stay_cheap(storage: SqlDosBackend, build: Builder) -> None:
    """30 fully connected layers of two nodes: 2**30 paths, 60 nodes."""
    layers = [[f"l{index}a", f"l{index}b"] for index in range(30)]
    for layer in layers:
        build.nodes(layer)
    build.links(
        [(s, t, "create") for upper, lower in itertools.pairwise(layers) for s in upper for t in lower]
    )
    start = time.perf_counter()
    reached = found(storage, ancestors("l29a", project=("n.label", "e.depth")))
    assert len(reached) == 58
    assert ("l0a", 28) in reached
    assert storage.query_count(descendants("l0b")) == 58
    assert time.perf_counter() - start < 2.0


def _chain(build: Builder, length: int) -> list[int]:
    labels = [f"n{index}" for index in range(length)]
    ids = build.nodes(labels)
    rows = [
        {"input_id": source, "output_id": target, "label": "l", "type": "create"}
        for source, target in itertools.pairwise(ids)
    ]
    build.storage.bulk_insert(EntityTypes.LINK, rows)
    return ids


def test_ancestors_of_a_10000_long_chain(storage: SqlDosBackend, build: Builder) -> None:
    ids = _chain(build, 10_001)
    description = walk("with_descendants", {"id": ids[-1]}, project=("n.id",))
    storage.query_count(walk("with_descendants", {"id": ids[1]}))  # warm the connection pool
    start = time.perf_counter()
    reached = list(storage.query_rows(description))
    elapsed = time.perf_counter() - start
    assert len(reached) == 10_000
    assert {row[0] for row in reached} == set(ids[:-1])
    assert elapsed < 2.0, f"ancestors of a 10,000-long chain took {elapsed:.2f}s"
    with_depth = walk("with_descendants", {"id": ids[-1]}, edge={"depth": 9_999}, project=("n.id", "e.depth"))
    assert list(storage.query_rows(with_depth)) == [(ids[0], 9_999)]
    start = time.perf_counter()
    assert storage.query_count(walk("with_ancestors", {"id": ids[0]})) == 10_000
    assert time.perf_counter() - start < 2.0
