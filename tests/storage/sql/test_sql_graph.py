"""Reachability along links and group membership in the SQL backends."""

from __future__ import annotations

import itertools
import time

import pytest
from tests.storage.sql.rowdata import add_group, add_links, add_nodes, add_user

from provgraph.exceptions import InputValidationError, NotExistent
from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend

MEMBERS = EntityTypes.GROUP_NODE


def members(storage: SqlDosBackend, group: int) -> list[int]:
    rows = storage.get_rows(MEMBERS, {"dbgroup_id": group}, columns=["dbnode_id"], order_by=["dbnode_id"])
    return [row["dbnode_id"] for row in rows]


# -- reachability ------------------------------------------------------------------------------


def test_reachability_on_chain_diamond_and_disconnected_nodes(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    a, b, c, d, e, lone = add_nodes(storage, user, 6)
    add_links(storage, [(a, b), (a, c), (b, d), (c, d), (d, e)])
    assert storage.is_reachable(a, e)
    assert storage.is_reachable(b, d)
    assert storage.is_reachable(a, b)
    assert not storage.is_reachable(e, a)
    assert not storage.is_reachable(b, c)
    assert not storage.is_reachable(a, lone)
    assert not storage.is_reachable(lone, a)


def test_a_node_reaches_itself(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    (lone,) = add_nodes(storage, user, 1)
    assert storage.is_reachable(lone, lone)


def test_reachability_terminates_on_cyclic_data(storage: SqlDosBackend) -> None:
    """Links written past the rules may form a cycle; the walk must still end."""
    user = add_user(storage)
    a, b, c, outside = add_nodes(storage, user, 4)
    add_links(storage, [(a, b), (b, c), (c, a)])
    assert storage.is_reachable(c, b)
    assert not storage.is_reachable(a, outside)


def test_reachability_does_not_enumerate_paths(storage: SqlDosBackend) -> None:
    """40 fully connected layers of two nodes hold 2**40 paths but only 80 nodes."""
    user = add_user(storage)
    layers = [add_nodes(storage, user, 2) for _ in range(40)]
    add_links(storage, [(s, t) for upper, lower in itertools.pairwise(layers) for s in upper for t in lower])
    (outside,) = add_nodes(storage, user, 1)
    start = time.perf_counter()
    assert storage.is_reachable(layers[0][0], layers[-1][1])
    assert not storage.is_reachable(layers[0][0], outside)
    assert time.perf_counter() - start < 1.0


def test_reachability_on_a_10000_long_chain_is_fast(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    chain = add_nodes(storage, user, 10_000)
    add_links(storage, list(itertools.pairwise(chain)))
    storage.is_reachable(chain[0], chain[1])  # warm the connection pool
    start = time.perf_counter()
    assert storage.is_reachable(chain[0], chain[-1])
    assert not storage.is_reachable(chain[-1], chain[0])
    assert storage.is_reachable(chain[5000], chain[5001])
    elapsed = time.perf_counter() - start
    assert elapsed < 0.5, f"three reachability queries on a 10,000-long chain took {elapsed:.2f}s"


def test_reachability_inside_a_transaction_sees_new_links(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    a, b = add_nodes(storage, user, 2)
    with storage.transaction():
        add_links(storage, [(a, b)])
        assert storage.is_reachable(a, b)


# -- group membership --------------------------------------------------------------------------


def test_add_group_nodes_is_idempotent_and_keeps_existing(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    nodes = add_nodes(storage, user, 5)
    group = add_group(storage, user)
    storage.add_group_nodes(group, nodes[:3])
    before = storage.get_rows(MEMBERS, {"dbgroup_id": group})
    storage.add_group_nodes(group, [nodes[4], nodes[0], nodes[4], nodes[2]])
    storage.add_group_nodes(group, nodes[:3])
    storage.add_group_nodes(group, [])
    assert members(storage, group) == [nodes[0], nodes[1], nodes[2], nodes[4]]
    after = storage.get_rows(MEMBERS, {"dbgroup_id": group})
    assert [row for row in after if row["dbnode_id"] in nodes[:3]] == before


def test_add_group_nodes_refuses_missing_group_or_nodes(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    nodes = add_nodes(storage, user, 2)
    group = add_group(storage, user)
    with pytest.raises(NotExistent, match="no group with pk 999999"):
        storage.add_group_nodes(999_999, nodes)
    with pytest.raises(NotExistent, match=r"cannot add nodes \[888888\] to group"):
        storage.add_group_nodes(group, [nodes[0], 888_888])
    assert members(storage, group) == []


def test_add_5000_nodes_to_a_group_in_one_call(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    nodes = add_nodes(storage, user, 7_000)
    group = add_group(storage, user)
    storage.add_group_nodes(group, nodes[:2_000])
    start = time.perf_counter()
    storage.add_group_nodes(group, nodes[2_000:])
    elapsed = time.perf_counter() - start
    assert storage.count_rows(MEMBERS, {"dbgroup_id": group}) == 7_000
    assert elapsed < 2.0, f"adding 5,000 nodes to a group took {elapsed:.2f}s"
    storage.add_group_nodes(group, nodes)  # more than one chunk, all present already
    assert storage.count_rows(MEMBERS) == 7_000


def test_remove_group_nodes_ignores_non_members_and_other_groups(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    nodes = add_nodes(storage, user, 6_000)
    group, other = add_group(storage, user, "g"), add_group(storage, user, "other")
    storage.add_group_nodes(group, nodes[:4])
    storage.add_group_nodes(other, nodes)
    storage.remove_group_nodes(group, [nodes[1], nodes[3], nodes[5]])
    assert members(storage, group) == [nodes[0], nodes[2]]
    storage.remove_group_nodes(other, nodes[:5_500])
    assert members(storage, other) == nodes[5_500:]
    assert storage.count_rows(EntityTypes.NODE) == 6_000


def test_membership_changes_roll_back_with_their_transaction(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    nodes = add_nodes(storage, user, 3)
    group = add_group(storage, user)
    storage.add_group_nodes(group, nodes[:1])

    def change_then_fail() -> None:
        with storage.transaction():
            storage.add_group_nodes(group, nodes)
            storage.remove_group_nodes(group, nodes[:1])
            assert members(storage, group) == nodes[1:]
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError, match="roll back"):
        change_then_fail()
    assert members(storage, group) == nodes[:1]


# -- walks along links (pictures of the graph) ---------------------------------------------------


def _typed_links(storage: SqlDosBackend, links: list[tuple[int, int, str, str]]) -> None:
    rows = [{"input_id": a, "output_id": b, "type": kind, "label": label} for a, b, kind, label in links]
    storage.bulk_insert(EntityTypes.LINK, rows)


def test_walks_follow_the_given_link_types_to_the_given_depth(storage: SqlDosBackend) -> None:
    """x -> calc -> y -> calc2 -> z, a workflow calling both calcs and returning z."""
    user = add_user(storage)
    x, calc, y, calc2, z, work, other = add_nodes(storage, user, 7)
    followed = [
        (x, calc, "input_calc", "x"),
        (calc, y, "create", "result"),
        (y, calc2, "input_calc", "y"),
        (calc2, z, "create", "result"),
    ]
    calls = [
        (work, calc, "call_calc", "step1"),
        (work, calc2, "call_calc", "step2"),
        (work, z, "return", "z"),
    ]
    _typed_links(
        storage, [*followed, *calls, (x, work, "input_work", "x"), (other, calc2, "input_calc", "o")]
    )
    chain = ["input_calc", "create"]
    down = storage.walk_links([x], chain, backward=False)
    assert down.distances == {calc: 0, y: 0, calc2: 0, z: 0}
    assert sorted(down.links) == sorted(followed)
    two = storage.walk_links([x], chain, backward=False, depth=2)
    assert two.distances == {calc: 1, y: 2}
    assert sorted(two.links) == sorted(followed[:2])
    up = storage.walk_links([z], chain, backward=True, depth=2)
    assert up.distances == {calc2: 1, y: 2, other: 2}
    assert (other, calc2, "input_calc", "o") in up.links
    called = storage.walk_links([work], ["call_calc", "return"], backward=False)
    assert set(called.distances) == {calc, calc2, z}
    assert storage.walk_links([x], chain, backward=False, depth=0).distances == {}
    assert storage.walk_links([lone := add_nodes(storage, user, 1)[0]], chain, backward=False).distances == {}
    assert lone not in down.distances


def test_a_walk_past_its_limit_stops_counting_and_reads_no_link(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    hub, *spokes = add_nodes(storage, user, 51)
    _typed_links(storage, [(hub, spoke, "create", f"s{index}") for index, spoke in enumerate(spokes)])
    walk = storage.walk_links([hub], ["create"], backward=False, limit=10)
    assert walk.exceeded
    assert len(walk.distances) == 11
    assert walk.links == []
    assert not storage.walk_links([hub], ["create"], backward=False, limit=50).exceeded


def test_walks_end_on_cyclic_data_and_on_dense_layers(storage: SqlDosBackend) -> None:
    user = add_user(storage)
    a, b, c = add_nodes(storage, user, 3)
    add_links(storage, [(a, b), (b, c), (c, a)])
    assert storage.walk_links([a], ["create"], backward=False).distances == {a: 0, b: 0, c: 0}
    assert storage.walk_links([a], ["create"], backward=False, depth=5).distances == {b: 1, c: 2, a: 3}
    layers = [add_nodes(storage, user, 2) for _ in range(30)]  # 2**30 paths, 60 nodes
    add_links(storage, [(s, t) for upper, lower in itertools.pairwise(layers) for s in upper for t in lower])
    start = time.perf_counter()
    walk = storage.walk_links(layers[0][:1], ["create"], backward=False, depth=40)
    assert len(walk.distances) == 58
    assert time.perf_counter() - start < 10


def test_walk_arguments_are_checked(storage: SqlDosBackend) -> None:
    for bad in ({"origins": ["1"]}, {"link_types": ["nosuch"]}, {"depth": -1}, {"depth": True}):
        arguments = {"origins": [1], "link_types": ["create"], "backward": False, **bad}
        with pytest.raises(InputValidationError):
            storage.walk_links(**arguments)  # type: ignore[arg-type]
