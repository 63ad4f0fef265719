"""Deleting nodes (``provgraph.tools.delete``) on each SQL backend: rules, dry runs, atomicity, files."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from tests.data_files import SMALL_ARCHIVE
from tests.tools.delete_graph import (
    BulkGraph,
    RuleGraph,
    add,
    build_bulk_graph,
    build_rule_graph,
    dangling,
    snapshot,
)

from provgraph import orm, tools
from provgraph.config.profile import Profile
from provgraph.exceptions import (
    InputValidationError,
    InvalidOperation,
    NotExistent,
    ReadOnlyStorageError,
    StorageError,
)
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sqlite_zip.backend import SqliteZipBackend
from provgraph.tools import delete as delete_module
from provgraph.tools.delete import (
    DeletionPlan,
    delete_group_nodes,
    delete_nodes,
    describe_nodes,
    group_node_pks,
    plan_deletion,
    run_deletion,
    type_name,
)
from provgraph.tools.graph.rules import GraphTraversalRules

EVERYTHING_FROM_A = {"a", "outer", "inner", "calc", "s", "calc2", "d"}


@pytest.fixture
def graph(backend: StorageBackend) -> RuleGraph:
    return build_rule_graph()


def remaining(graph: RuleGraph, backend: StorageBackend) -> set[str]:
    """The graph's nodes still in the storage, by name."""
    return graph.names({row["id"] for row in backend.get_rows(EntityTypes.NODE, columns=["id"])})


def test_exported_as_aiida_tools_names() -> None:
    assert {"delete_group_nodes", "delete_nodes"} <= set(tools.__all__)
    assert tools.delete_nodes is delete_nodes
    assert tools.delete_group_nodes is delete_group_nodes
    assert all(hasattr(delete_module, name) for name in delete_module.__all__)


def test_default_rules_delete_everything_downstream_and_the_callers(
    graph: RuleGraph, backend: StorageBackend
) -> None:
    pks, deleted = delete_nodes([graph.a], dry_run=False)
    assert deleted is True
    assert graph.names(pks) == EVERYTHING_FROM_A
    assert remaining(graph, backend) == graph.all_nodes() - EVERYTHING_FROM_A
    assert set(dangling(backend).values()) == {0}


# What deleting each node takes along with aiida-core's DELETE defaults (worked out by hand from
# the rule table in spec/links-and-nodes.md): inputs stay; a process takes its outputs and its
# callers; a workflow its callees; data the processes that used, created or returned it.
WITH_DEFAULTS = {
    "a": EVERYTHING_FROM_A,
    "outer": EVERYTHING_FROM_A - {"a"},
    "inner": EVERYTHING_FROM_A - {"a"},
    "calc": EVERYTHING_FROM_A - {"a"},
    "s": EVERYTHING_FROM_A - {"a"},
    "calc2": {"calc2", "d"},
    "d": {"calc2", "d"},
    "x": {"x", "failed"},
    "failed": {"failed"},
    "u": {"u"},
}


def test_default_rules_from_each_node(graph: RuleGraph, backend: StorageBackend) -> None:
    before = snapshot(backend)
    assert set(WITH_DEFAULTS) == graph.all_nodes()
    for start, expected in WITH_DEFAULTS.items():
        pks, deleted = delete_nodes([getattr(graph, start)])
        assert (graph.names(pks), deleted) == (expected, False), start
    assert snapshot(backend) == before


# (start, rule switched off, deleted with the rule on, deleted with it off)
TOGGLES = [
    ("calc", "create_forward", {"calc", "s", "inner", "outer", "calc2", "d"}, {"calc", "inner", "outer"}),
    ("inner", "call_calc_forward", {"inner", "outer", "calc", "s", "calc2", "d"}, {"inner", "outer"}),
    ("outer", "call_work_forward", {"outer", "inner", "calc", "s", "calc2", "d"}, {"outer"}),
]


@pytest.mark.parametrize("toggle", TOGGLES, ids=[rule for _, rule, _, _ in TOGGLES])
@pytest.mark.parametrize("follow", [True, False])
def test_each_toggleable_rule_changes_what_goes(
    graph: RuleGraph, backend: StorageBackend, toggle: tuple[str, str, set[str], set[str]], follow: bool
) -> None:
    start, rule, with_rule, without_rule = toggle
    toggleable = {name for name, item in GraphTraversalRules.DELETE.rules.items() if item.toggleable}
    assert {name for _, name, _, _ in TOGGLES} == toggleable
    expected = with_rule if follow else without_rule
    pks, deleted = delete_nodes([getattr(graph, start)], dry_run=False, **{rule: follow})
    assert deleted is True
    assert graph.names(pks) == expected
    assert remaining(graph, backend) == graph.all_nodes() - expected
    assert set(dangling(backend).values()) == {0}


def test_rules_combine(graph: RuleGraph, backend: StorageBackend) -> None:
    pks, _ = delete_nodes([graph.outer], dry_run=False, call_calc_forward=False)
    assert graph.names(pks) == {"outer", "inner"}  # the workflow it calls goes, that one's calculation not
    assert remaining(graph, backend) == graph.all_nodes() - {"outer", "inner"}


def test_fixed_and_unknown_rules_are_refused_before_anything(
    graph: RuleGraph, backend: StorageBackend
) -> None:
    before = snapshot(backend)
    with pytest.raises(
        ValueError, match="input rule input_calc_forward is not toggleable for ruleset DELETE"
    ):
        delete_nodes([graph.a], dry_run=False, input_calc_forward=False)
    with pytest.raises(ValueError, match="must be boolean"):
        delete_nodes([graph.a], dry_run=False, create_forward="no")  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="unknown graph traversal rules: create_sideways"):
        delete_nodes([graph.a], dry_run=False, create_sideways=True)
    with pytest.raises(TypeError, match="dry_run must be a bool or a callable"):
        delete_nodes([graph.a], dry_run=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be ints"):
        delete_nodes(["1"], dry_run=False)  # type: ignore[list-item]
    assert snapshot(backend) == before


def test_links_memberships_comments_and_logs_go_with_the_nodes(
    graph: RuleGraph, backend: StorageBackend
) -> None:
    assert backend.count_rows(EntityTypes.LOG, {"dbnode_id": graph.failed}) >= 1
    assert backend.count_rows(EntityTypes.COMMENT, {"dbnode_id": graph.s}) == 1
    pks, _ = delete_nodes([graph.a, graph.x], dry_run=False)
    assert graph.names(pks) == EVERYTHING_FROM_A | {"x", "failed"}
    after = snapshot(backend)
    assert after["logs"] == set()
    assert after["comments"] == set()
    assert after["members"] == {(graph.group, graph.u)}  # the group stays, with its surviving member
    assert after["groups"] == {(graph.group,)}
    assert after["links"] == set()
    assert after["nodes"] == {(graph.u,)}


def test_dry_run_changes_nothing(graph: RuleGraph, backend: StorageBackend) -> None:
    before = snapshot(backend)
    pks, deleted = delete_nodes([graph.a])  # dry_run defaults to True, as in aiida-core
    assert (graph.names(pks), deleted) == (EVERYTHING_FROM_A, False)
    seen: list[set[int]] = []

    def decline(found: set[int]) -> bool:
        seen.append(found)
        return True

    pks, deleted = delete_nodes([graph.a], dry_run=decline)
    assert deleted is False
    assert seen == [pks]
    assert graph.names(pks) == EVERYTHING_FROM_A
    assert delete_group_nodes([graph.group])[1] is False
    assert snapshot(backend) == before
    pks, deleted = delete_nodes([graph.a], dry_run=lambda found: False)  # confirmed
    assert deleted is True
    assert remaining(graph, backend) == graph.all_nodes() - EVERYTHING_FROM_A


def test_unknown_pks_are_skipped_with_one_warning(
    graph: RuleGraph, backend: StorageBackend, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="provgraph.tools.delete"):
        pks, deleted = delete_nodes([graph.u, 987_654, 987_655], dry_run=False)
    assert (graph.names(pks), deleted) == ({"u"}, True)
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert warnings == ["2 of the given pks are not nodes and were skipped: 987654, 987655"]
    assert remaining(graph, backend) == graph.all_nodes() - {"u"}
    assert delete_nodes([987_654], dry_run=False) == (set(), True)
    plan = plan_deletion([graph.a, 987_654])
    assert plan.missing == {987_654}
    assert plan.starting == {graph.a}


def test_delete_group_nodes_keeps_the_group(
    graph: RuleGraph, backend: StorageBackend, caplog: pytest.LogCaptureFixture
) -> None:
    assert group_node_pks([graph.group]) == graph.pks("s", "u")
    with caplog.at_level(logging.WARNING, logger="provgraph.tools.delete"):
        pks, deleted = delete_group_nodes([graph.group, 424_242], dry_run=False)
    assert deleted is True
    # s takes its creator and the workflows that returned it; they take their callers; d goes as s's user.
    assert graph.names(pks) == {"s", "u", "calc", "inner", "outer", "calc2", "d"}
    assert remaining(graph, backend) == {"a", "x", "failed"}
    assert snapshot(backend)["groups"] == {(graph.group,)}
    assert orm.load_group(graph.group).count() == 0
    assert "1 of the given group pks are not groups and were skipped: 424242" in caplog.text


def test_a_plan_with_groups_deletes_them_in_the_same_transaction(
    graph: RuleGraph, backend: StorageBackend
) -> None:
    with pytest.raises(NotExistent, match="no groups with pks 515151"):
        plan_deletion([graph.u], groups=[graph.group, 515_151])
    plan = plan_deletion([graph.u], groups=[graph.group])
    assert run_deletion(plan) == {graph.u}
    assert snapshot(backend)["groups"] == set()
    empty = orm.Group("empty").store()
    assert run_deletion(plan_deletion([], groups=[empty.pk])) == frozenset()
    assert orm.Group.collection.count() == 0


def test_the_graph_growing_after_the_plan_stops_the_deletion(
    graph: RuleGraph, backend: StorageBackend
) -> None:
    plan = plan_deletion([graph.u])
    assert plan.pks == {graph.u}
    add(orm.load_node(graph.u), orm.Int(1))  # new work uses u: deleting u now takes it along
    before = snapshot(backend)
    with pytest.raises(
        InvalidOperation, match="the graph changed after the nodes to delete were chosen"
    ) as refused:
        run_deletion(plan)
    new_calc = orm.load_node(graph.u).base.links.get_outgoing().one().node
    assert f": 1 node outside them (pk {new_calc.pk}) is now tied to them" in str(refused.value)
    assert snapshot(backend) == before


def test_nodes_gone_since_the_plan_are_not_an_error(graph: RuleGraph, backend: StorageBackend) -> None:
    plan = plan_deletion([graph.a])
    delete_nodes([graph.calc2], dry_run=False)
    assert graph.names(run_deletion(plan)) == EVERYTHING_FROM_A - {"calc2", "d"}
    assert remaining(graph, backend) == {"x", "failed", "u"}


@pytest.mark.parametrize("failing", ["second batch", "group"])
def test_a_failure_midway_leaves_everything_as_it_was(
    backend: StorageBackend, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    bulk = build_bulk_graph(backend, units=5)
    monkeypatch.setattr(delete_module, "BATCH_SIZE", 4)
    before = snapshot(backend)
    calls: list[list[int]] = []
    real_delete = backend.delete_nodes_and_connections

    def delete_then_fail(pks: list[int]) -> None:
        calls.append(list(pks))
        if failing == "second batch" and len(calls) == 2:
            # The first batch is gone inside the transaction: the failure undoes real work.
            assert backend.count_rows(EntityTypes.NODE) == len(before["nodes"]) - 4
            raise StorageError("the disk is on fire")
        real_delete(pks)

    def refuse_group(entity_type: EntityTypes, ids: list[int]) -> None:
        raise StorageError("the disk is on fire")

    monkeypatch.setattr(backend, "delete_nodes_and_connections", delete_then_fail)
    if failing == "group":
        monkeypatch.setattr(backend, "delete_rows", refuse_group)
    plan = plan_deletion(bulk.inputs, groups=[bulk.group])
    assert plan.pks == bulk.doomed
    with pytest.raises(StorageError, match="the disk is on fire"):
        run_deletion(plan)
    assert len(calls) == (2 if failing == "second batch" else 5)
    assert snapshot(backend) == before


def test_works_in_batches_without_a_query_per_node(
    backend: StorageBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    bulk = build_bulk_graph(backend, units=3_000)  # 12,003 nodes
    calls = {"queries": 0, "reads": 0, "deletes": 0}
    real_query, real_read = backend.query_rows, backend.get_rows
    real_delete = backend.delete_nodes_and_connections

    def counted_query(*args: Any, **kwargs: Any) -> Any:
        calls["queries"] += 1
        return real_query(*args, **kwargs)

    def counted_read(*args: Any, **kwargs: Any) -> Any:
        calls["reads"] += 1
        return real_read(*args, **kwargs)

    def counted_delete(pks: list[int]) -> None:
        calls["deletes"] += 1
        assert len(pks) <= delete_module.BATCH_SIZE
        real_delete(pks)

    monkeypatch.setattr(backend, "query_rows", counted_query)
    monkeypatch.setattr(backend, "get_rows", counted_read)
    monkeypatch.setattr(backend, "delete_nodes_and_connections", counted_delete)
    progress: list[tuple[str, int, int]] = []
    plan = plan_deletion(bulk.inputs)
    assert run_deletion(plan, progress=lambda *report: progress.append(report)) == bulk.doomed
    assert calls["deletes"] == 3  # 12,000 nodes in batches of 5,000
    # Planning: a traversal of three generations by batches of 2,500 ids; then, inside the
    # transaction, one round of row reads per batch: dozens of queries, not one per node.
    assert calls["queries"] < 30, calls
    assert calls["reads"] <= 3 * 5, calls
    assert progress == [("Deleting nodes", done, 12_000) for done in (0, 5_000, 10_000, 12_000)]
    assert snapshot(backend)["nodes"] == {(pk,) for pk in bulk.kept}
    assert set(dangling(backend).values()) == {0}


def test_deleted_files_become_unreferenced_but_stay_in_the_container(backend: StorageBackend) -> None:
    storage = cast(SqlDosBackend, backend)

    def stored_file(content: str, name: str) -> tuple[orm.Node, str]:
        node = orm.SinglefileData.from_string(content, filename=name).store()
        return node, node.base.repository.metadata["o"][name]["k"]

    _kept, shared_key = stored_file("shared by two nodes", "kept.txt")
    doomed_shared, _ = stored_file("shared by two nodes", "doomed.txt")
    doomed_own, own_key = stored_file("only in the doomed node", "own.txt")
    assert {shared_key, own_key}.isdisjoint(storage.get_unreferenced_keyset())
    delete_nodes([doomed_shared.pk, doomed_own.pk], dry_run=False)
    unreferenced = storage.get_unreferenced_keyset()
    assert own_key in unreferenced
    assert shared_key not in unreferenced
    assert storage.get_repository().has_objects([own_key, shared_key]) == [True, True]


def test_describe_nodes(graph: RuleGraph) -> None:
    listing = describe_nodes(graph.pks(*EVERYTHING_FROM_A), limit=3)
    assert listing.total == 7
    assert dict(listing.counts) == {
        "data.core.int.Int.": 3,
        "process.calculation.calcfunction.CalcFunctionNode.": 2,
        "process.workflow.workfunction.WorkFunctionNode.": 2,
    }
    assert listing.counts[0] == ("data.core.int.Int.", 3)
    assert [row.pk for row in listing.first] == sorted(graph.pks(*EVERYTHING_FROM_A))[:3]
    assert [row.type_name for row in listing.first] == ["Int", "WorkFunctionNode", "WorkFunctionNode"]
    assert listing.first[0].uuid == orm.load_node(graph.a).uuid
    assert listing.more == 4
    assert describe_nodes([], limit=3).total == 0
    assert (type_name(""), type_name("data.core.int.Int.")) == ("Node", "Int")


@pytest.fixture
def archive_storage(tmp_path: Path) -> Iterator[Callable[[], SqliteZipBackend]]:
    archive = Path(shutil.copy(SMALL_ARCHIVE, tmp_path / "small.aiida"))
    opened: list[SqliteZipBackend] = []

    def open_it() -> SqliteZipBackend:
        opened.append(SqliteZipBackend(Profile.new("archive", "core.sqlite_zip", {"filepath": str(archive)})))
        return opened[-1]

    yield open_it
    for storage in opened:
        storage.close()


def test_a_read_only_storage_refuses_in_one_line(archive_storage: Callable[[], SqliteZipBackend]) -> None:
    storage = archive_storage()
    pk = orm.QueryBuilder(backend=storage).append(orm.Node, project=["id"]).first(flat=True)
    with pytest.raises(ReadOnlyStorageError) as refused:
        delete_nodes([pk], dry_run=False, backend=storage)
    assert "read-only" in str(refused.value)
    assert "provgraph archive import" in str(refused.value)
    assert "\n" not in str(refused.value)
    with pytest.raises(ReadOnlyStorageError):
        delete_group_nodes([1], dry_run=lambda pks: False, backend=storage)
    plan = plan_deletion([pk], backend=storage)
    with pytest.raises(ReadOnlyStorageError):
        run_deletion(plan, backend=storage)
    pks, deleted = delete_nodes([pk], backend=storage)  # a dry run only reads
    assert deleted is False
    assert pk in pks


def test_a_plan_is_a_frozen_value(graph: RuleGraph) -> None:
    plan = plan_deletion([graph.u])
    assert isinstance(plan, DeletionPlan)
    with pytest.raises(AttributeError):
        plan.pks = frozenset()  # type: ignore[misc]
    assert plan.rules["create_forward"] is True
    assert plan_deletion([graph.u], create_forward=False).rules["create_forward"] is False


def test_bulk_graph_fixture_is_what_it_says(backend: StorageBackend) -> None:
    bulk: BulkGraph = build_bulk_graph(backend, units=2)
    assert len(bulk.doomed) == 8
    assert plan_deletion(bulk.inputs).pks == bulk.doomed
    assert group_node_pks([bulk.group]) == {*bulk.inputs, *bulk.outputs, *bulk.kept}
