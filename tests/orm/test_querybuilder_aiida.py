"""QueryBuilder behaviour that aiida-core's API promises: error types, edge tags on edgeless joins,
classifier helpers, outer-join filters, introspection, statistics."""

from __future__ import annotations

from typing import Any

import pytest

from provgraph import orm
from provgraph.exceptions import DbContentError, InputValidationError
from provgraph.manager import get_manager
from provgraph.orm import QueryBuilder
from provgraph.orm.querybuilder import (
    Classifier,
    _get_group_type_filter,
    _get_node_type_filter,
    _get_ormclass,
)
from provgraph.orm.utils.links import LinkQuadruple
from provgraph.storage.abstract import EntityTypes, StorageBackend


@pytest.mark.parametrize(
    ("build", "error"),
    [
        (lambda: QueryBuilder().append(orm.Int, tag="n").append(orm.Int, tag="n"), ValueError),
        (lambda: QueryBuilder().append(orm.Int, filters=["x"]), TypeError),
        (lambda: QueryBuilder().append(orm.Int, project=True), ValueError),
        (lambda: QueryBuilder().append(orm.Int).limit(2.3), TypeError),
        (lambda: QueryBuilder(offset=2.3), TypeError),
        (lambda: QueryBuilder().append(orm.Int).limit(-1), ValueError),
        (lambda: QueryBuilder().append(orm.Int, randomkeyword={}), ValueError),
    ],
)
def test_errors_are_also_aiidas_builtin_types(build: Any, error: type[Exception]) -> None:
    with pytest.raises(error) as caught:
        build()
    assert isinstance(caught.value, InputValidationError)


def test_refused_append_leaves_no_trace() -> None:
    qb = QueryBuilder()
    with pytest.raises(ValueError, match="randomkeyword"):
        qb.append(orm.Int, tag="s", randomkeyword={})
    assert "s" not in qb._projections
    assert "s" not in qb._filters
    assert "s" not in qb._tags
    with pytest.raises(ValueError, match="neither a tag nor a class"):
        qb._tags.get(orm.Int)
    qb.append(orm.Int, tag="s")
    assert qb._tags.get(orm.Int) == "s"


def test_edge_tag_on_a_join_without_an_edge_is_listed_but_holds_nothing() -> None:
    qb = QueryBuilder().append(orm.Node, tag="n").append(orm.Computer, with_node="n", tag="c", edge_tag="e")
    assert qb.get_used_tags() == ["n", "c", "e"]
    assert qb.get_used_tags(vertices=False) == ["e"]
    with pytest.raises(ValueError, match="edge tag of a join without an edge"):
        qb.add_filter("e", {"id": 1})
    with pytest.raises(ValueError, match="already used"):
        qb.append(orm.User, with_node="n", tag="e")
    with pytest.raises(ValueError, match="has no edge"):
        QueryBuilder().append(orm.Node, tag="n").append(orm.Computer, with_node="n", edge_filters={"id": 1})
    with pytest.raises(ValueError, match="has no edge"):
        QueryBuilder().append(orm.Node, edge_tag="x")


def test_edgeless_edge_tag_runs(backend: StorageBackend) -> None:
    computer = orm.Computer(
        "c", "localhost", transport_type="core.local", scheduler_type="core.direct"
    ).store()
    node = orm.CalculationNode()
    node.computer = computer
    node.store()
    qb = QueryBuilder().append(orm.Node, tag="n", project="id")
    qb.append(orm.Computer, with_node="n", tag="c", edge_tag="e")
    assert qb.all(flat=True) == [node.pk]
    assert QueryBuilder.from_dict(qb.as_dict()).get_used_tags() == ["n", "c", "e"]


def test_classifier_helpers() -> None:
    base, classifiers = _get_ormclass(orm.StructureData, None)
    assert base is EntityTypes.NODE
    assert classifiers[0].ormclass_type_string == orm.StructureData.class_node_type
    for args in ((orm.Group, None), (None, "group.core"), (None, "Group.core")):
        assert _get_ormclass(*args)[1][0].ormclass_type_string == "group.core"
    assert _get_ormclass(orm.AutoGroup, None)[1][0].ormclass_type_string == "group.core.auto"
    assert _get_ormclass(None, "User")[1][0] == Classifier("user")
    assert _get_ormclass(None, "data.Data.")[0] is EntityTypes.NODE
    for invalid in ("data", "data.Data", "."):
        with pytest.raises(DbContentError):
            _get_ormclass(None, invalid)
    assert _get_group_type_filter(Classifier("group.core"), False) == {"==": "core"}
    assert _get_group_type_filter(Classifier("group.core"), True) == {"like": "%"}
    assert _get_group_type_filter(Classifier("group.core.auto"), True) == {"like": "core.auto%"}
    assert _get_group_type_filter(Classifier("group.my_family"), True) == {"like": "my\\_family%"}
    assert _get_node_type_filter(Classifier("data.core.int.Int."), False) == {"==": "data.core.int.Int."}


def test_outer_join_filters_select_rows(backend: StorageBackend) -> None:
    parent = orm.Data().store()
    for good in (True, False):
        child = orm.CalculationNode()
        child.base.attributes.set("is_good", good)
        child.base.links.add_incoming(parent, orm.LinkType.INPUT_CALC, "parent")
        child.store()
    orm.CalculationNode().store()
    qb = QueryBuilder().append(orm.Node, tag="parent")
    qb.append(orm.Node, outerjoin=True, project="id", filters={"attributes.is_good": True})
    assert qb.count() == 1
    everything = QueryBuilder().append(orm.Node, tag="parent").append(orm.Node, outerjoin=True, project="id")
    assert everything.count() == 5  # parent with 2 children, 3 nodes without outputs


def test_impl_get_query_is_cached_per_description(backend: StorageBackend) -> None:
    qb = QueryBuilder().append(orm.Node, tag="n")
    first = qb._impl.get_query(qb.as_dict())
    qb.add_filter("n", {"label": "x"})
    second = qb._impl.get_query(qb.as_dict())
    assert second is not first
    assert qb._impl.get_query(qb.as_dict()) is second


def test_creation_statistics(backend: StorageBackend) -> None:
    before = backend.query().get_creation_statistics()
    nodes = [orm.Data().store(), orm.Int(1).store(), orm.Int(2).store()]
    after = backend.query().get_creation_statistics()
    assert after["total"] == before["total"] + 3
    assert after["types"]["data.core.int.Int."] == before["types"].get("data.core.int.Int.", 0) + 2
    day = nodes[0].ctime.strftime("%Y-%m-%d")
    assert after["ctime_by_day"][day] == before["ctime_by_day"].get(day, 0) + 3
    user = orm.User.collection.get_default()
    assert backend.query().get_creation_statistics(user_pk=user.pk)["total"] == after["total"]
    assert backend.query().get_creation_statistics(user_pk=user.pk + 1000)["total"] == 0


def test_query_runs_on_the_storage_open_at_each_run(backend: StorageBackend) -> None:
    orm.Data().store()
    qb = QueryBuilder().append(orm.Data)
    assert qb.count() == 1
    manager = get_manager()
    manager.reset_profile()
    assert not manager.profile_storage_loaded
    assert qb.count() == 1


def test_link_vertices(backend: StorageBackend) -> None:
    data = orm.Data().store()
    calc = orm.CalculationNode()
    calc.base.links.add_incoming(data, orm.LinkType.INPUT_CALC, "x")
    calc.store()
    out = orm.Data()
    out.base.links.add_incoming(calc, orm.LinkType.CREATE, "result")
    out.store()
    assert QueryBuilder().append(entity_type="link").count() == 2
    created = QueryBuilder().append(entity_type="link", filters={"type": orm.LinkType.CREATE.value})
    (link,) = created.one()
    assert link == LinkQuadruple(calc.pk, out.pk, "create", "result")
    assert link.link_label == "result"
    labels = QueryBuilder().append(entity_type="link", project=["label"], tag="l").order_by({"l": "label"})
    assert labels.all(flat=True) == ["result", "x"]
    assert QueryBuilder().append(entity_type="link", project="**").dict()[0]
    with pytest.raises(InputValidationError, match="link"):
        QueryBuilder().append(entity_type="link", tag="l").append(orm.Node, with_incoming="l")


def test_analyze_query_gives_the_database_plan(backend: StorageBackend) -> None:
    orm.Data().store()
    qb = QueryBuilder().append(orm.Data, filters={"extras.key": {"contains": ["x", 1]}})
    plan = qb.analyze_query(verbose=True)
    assert isinstance(plan, str)
    assert plan.strip()
    if backend.__class__.__name__.startswith("Psql"):
        assert "uuid" in plan
        assert "Execution Time" in plan
        assert "Execution Time" not in qb.analyze_query(execute=False)
