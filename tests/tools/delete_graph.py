"""Graphs for the deletion tests (imported as ``tests.tools.delete_graph``).

``build_rule_graph`` records a small graph with calc- and workfunctions, where each toggleable
DELETE rule makes a visible difference. ``build_bulk_graph`` writes a large one straight through
the storage's bulk inserts (thousands of nodes in a second), for the batching and crash tests.
``snapshot`` reads every row a deletion may touch, to compare before and after.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass
from typing import Any

from provgraph import orm
from provgraph.provenance import calcfunction, workfunction
from provgraph.storage.abstract import EntityTypes, StorageBackend

__all__ = ["BulkGraph", "RuleGraph", "build_bulk_graph", "build_rule_graph", "dangling", "snapshot"]


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@calcfunction
def double(x: Any) -> Any:
    return x + x


@calcfunction
def explode(x: Any) -> Any:
    raise ValueError(f"deliberate failure for {x.value}")


@workfunction
def inner(a: Any) -> Any:
    return add(a, a)


@workfunction
def outer(a: Any) -> Any:
    return inner(a)


@dataclass
class RuleGraph:
    """outer(a) calls inner(a), which calls add(a, a) -> s; double(s) -> d; explode(x) failed; u alone.

    Both workflows return s. ``s`` and ``u`` are in the group ``kept``; ``s`` has a comment and
    the failed ``explode`` calculation a log.
    """

    a: int
    outer: int
    inner: int
    calc: int
    s: int
    calc2: int
    d: int
    x: int
    failed: int
    u: int
    group: int

    def pks(self, *names: str) -> set[int]:
        return {getattr(self, name) for name in names}

    def names(self, pks: set[int]) -> set[str]:
        return {name for name, pk in vars(self).items() if name != "group" and pk in pks}

    def all_nodes(self) -> set[str]:
        return {name for name in vars(self) if name != "group"}


def build_rule_graph() -> RuleGraph:
    """Record the graph in the loaded profile."""
    a = orm.Int(3).store()
    s = outer(a)
    calc = s.base.links.get_incoming(link_type=orm.LinkType.CREATE).one().node
    inner_node = calc.base.links.get_incoming(link_type=orm.LinkType.CALL_CALC).one().node
    outer_node = inner_node.base.links.get_incoming(link_type=orm.LinkType.CALL_WORK).one().node
    d = double(s)
    calc2 = d.base.links.get_incoming(link_type=orm.LinkType.CREATE).one().node
    x = orm.Int(13).store()
    with contextlib.suppress(ValueError):
        explode(x)
    (failed,) = [triple.node for triple in x.base.links.get_outgoing().all()]
    u = orm.Int(99).store()
    group = orm.Group("kept").store()
    group.add_nodes([s, u])
    s.base.comments.add("a comment on s")
    return RuleGraph(
        a=a.pk,
        outer=outer_node.pk,
        inner=inner_node.pk,
        calc=calc.pk,
        s=s.pk,
        calc2=calc2.pk,
        d=d.pk,
        x=x.pk,
        failed=failed.pk,
        u=u.pk,
        group=group.pk,
    )


@dataclass
class BulkGraph:
    """``units`` of: input Int -> calculation -> two output Ints; plus ``kept`` nodes that survive.

    Inputs and outputs are members of ``group``, each first output has a comment. Deleting
    ``inputs`` (default rules) takes every unit: ``doomed`` lists them all.
    """

    inputs: list[int]
    calcs: list[int]
    outputs: list[int]
    kept: list[int]
    group: int

    @property
    def doomed(self) -> set[int]:
        return {*self.inputs, *self.calcs, *self.outputs}


def build_bulk_graph(storage: StorageBackend, units: int, kept: int = 3) -> BulkGraph:
    """Write the graph with bulk inserts, in one transaction (needs a user in the storage)."""
    user = storage.get_rows(EntityTypes.USER, columns=["id"], limit=1)[0]["id"]
    with storage.transaction():
        inputs = _ints(storage, user, "in", units)
        calcs = storage.bulk_insert(
            EntityTypes.NODE,
            [
                {
                    "user_id": user,
                    "node_type": "process.calculation.calcfunction.CalcFunctionNode.",
                    "process_type": "tests.tools.delete_graph.split",
                    "label": f"split{index}",
                    "attributes": {"process_state": "finished", "exit_status": 0, "sealed": True},
                }
                for index in range(units)
            ],
            allow_defaults=True,
        )
        outputs = _ints(storage, user, "out", 2 * units)
        survivors = _ints(storage, user, "kept", kept)
        links = [
            {"input_id": i, "output_id": c, "type": "input_calc", "label": "x"}
            for i, c in zip(inputs, calcs, strict=True)
        ]
        for offset, label in enumerate(("first", "second")):
            links += [
                {"input_id": c, "output_id": outputs[2 * index + offset], "type": "create", "label": label}
                for index, c in enumerate(calcs)
            ]
        links += [
            {"input_id": a, "output_id": b, "type": "input_calc", "label": "x"}
            for a, b in itertools.pairwise(survivors)
        ]
        storage.bulk_insert(EntityTypes.LINK, links)
        (group,) = storage.bulk_insert(
            EntityTypes.GROUP,
            [{"label": "bulk", "user_id": user, "type_string": "core"}],
            allow_defaults=True,
        )
        storage.add_group_nodes(group, [*inputs, *outputs, *survivors])
        comments = [{"dbnode_id": pk, "user_id": user, "content": "first"} for pk in outputs[::2]]
        comments.append({"dbnode_id": survivors[0], "user_id": user, "content": "kept"})
        storage.bulk_insert(EntityTypes.COMMENT, comments, allow_defaults=True)
    return BulkGraph(inputs=inputs, calcs=calcs, outputs=outputs, kept=survivors, group=group)


def _ints(storage: StorageBackend, user: int, label: str, count: int) -> list[int]:
    rows = [
        {
            "user_id": user,
            "node_type": "data.core.int.Int.",
            "label": f"{label}{index}",
            "attributes": {"value": index},
        }
        for index in range(count)
    ]
    return storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)


def snapshot(storage: StorageBackend) -> dict[str, Any]:
    """Every node id, link, membership, comment and log (as tuples), and the group ids."""

    def rows(kind: EntityTypes, *columns: str) -> set[tuple[Any, ...]]:
        return {tuple(row[name] for name in columns) for row in storage.get_rows(kind, columns=list(columns))}

    return {
        "nodes": rows(EntityTypes.NODE, "id"),
        "links": rows(EntityTypes.LINK, "input_id", "output_id", "type", "label"),
        "members": rows(EntityTypes.GROUP_NODE, "dbgroup_id", "dbnode_id"),
        "comments": rows(EntityTypes.COMMENT, "id", "dbnode_id"),
        "logs": rows(EntityTypes.LOG, "id", "dbnode_id"),
        "groups": rows(EntityTypes.GROUP, "id"),
    }


def dangling(storage: StorageBackend) -> dict[str, int]:
    """How many rows point at a node that does not exist, per table and column (all must be 0)."""
    nodes = {row["id"] for row in storage.get_rows(EntityTypes.NODE, columns=["id"])}
    counts = {}
    for kind, column in (
        (EntityTypes.LINK, "input_id"),
        (EntityTypes.LINK, "output_id"),
        (EntityTypes.GROUP_NODE, "dbnode_id"),
        (EntityTypes.COMMENT, "dbnode_id"),
        (EntityTypes.LOG, "dbnode_id"),
    ):
        pointing = [row[column] for row in storage.get_rows(kind, columns=[column])]
        counts[f"{kind.value}.{column}"] = sum(pk not in nodes for pk in pointing)
    return counts
