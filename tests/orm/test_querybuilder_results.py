"""QueryBuilder end to end: results, ORM entities, relationships and type filters on both backends."""

from __future__ import annotations

import tracemalloc
import types
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, MultipleObjectsError, NotExistent
from provgraph.orm import QueryBuilder
from provgraph.provenance import calcfunction


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@dataclass
class Graph:
    user: orm.User
    computer: orm.Computer
    authinfo: orm.AuthInfo
    a: orm.Int
    b: orm.Int
    total: orm.Int
    calc: orm.CalcFunctionNode
    f: orm.Float
    s: orm.Str
    d: orm.Dict
    plain: orm.Data
    group: orm.Group
    auto: orm.Group
    comment: orm.Comment
    log: orm.Log


@pytest.fixture
def graph() -> Graph:
    """a, b -> add -> total; some other data; two groups, a comment, a log, a configured computer."""
    user = orm.User.collection.get_default()
    computer = orm.Computer("qb-box", hostname="localhost").store()
    authinfo = computer.configure(user)
    a = orm.Int(1, computer=computer).store()
    b = orm.Int(2, label="b").store()
    total, calc = add.run_get_node(a, b)
    f = orm.Float(1.5).store()
    s = orm.Str("hi").store()
    d = orm.Dict({"x": 1, "nested": {"y": 2}}).store()
    plain = orm.Data().store()
    group = orm.Group("qb-group").store()
    group.add_nodes([a, d])
    auto = orm.Group("qb-auto", type_string="core.auto").store()
    auto.add_nodes(b)
    comment = orm.Comment(a, user, "note").store()
    log = orm.Log(datetime.now(timezone.utc), "qb.test", "INFO", calc.pk, "ran").store()  # type: ignore[arg-type]
    return Graph(user, computer, authinfo, a, b, total, calc, f, s, d, plain, group, auto, comment, log)


def _pks(qb: QueryBuilder) -> list[int]:
    return sorted(qb.all(flat=True))


def _ids(*entities: orm.Entity) -> list[int]:
    return sorted(entity.pk for entity in entities if entity.pk is not None)


# -- entities and type filters -----------------------------------------------------------------


def test_star_gives_entities_of_their_own_class(graph: Graph) -> None:
    found = QueryBuilder().append(orm.Data).order_by({orm.Data: "id"}).all(flat=True)
    expected = [graph.a, graph.b, graph.total, graph.f, graph.s, graph.d, graph.plain]
    assert found == expected
    assert [type(node) for node in found] == [type(node) for node in expected]
    assert found[0].value == 1
    assert found[0].is_stored


@pytest.mark.parametrize(
    ("cls", "subclassing", "names"),
    [
        (orm.Int, True, ["a", "b", "total"]),
        (orm.Int, False, ["a", "b", "total"]),
        (orm.NumericType, True, ["a", "b", "total", "f"]),
        (orm.BaseType, True, ["a", "b", "total", "f", "s"]),
        ((orm.Int, orm.Str), True, ["a", "b", "total", "s"]),
        (orm.Data, False, ["plain"]),
        (orm.ProcessNode, True, ["calc"]),
        (orm.CalcFunctionNode, False, ["calc"]),
        (orm.WorkflowNode, True, []),
        (add, True, ["calc"]),
    ],
)
def test_type_filters_select_the_classes(graph: Graph, cls: Any, subclassing: bool, names: list[str]) -> None:
    qb = QueryBuilder().append(cls, subclassing=subclassing, project="id")
    assert _pks(qb) == _ids(*(getattr(graph, name) for name in names))


def test_node_base_class_matches_every_node(graph: Graph) -> None:
    assert QueryBuilder().append(orm.Node).count() == orm.Node.collection.count()


def test_entity_type_strings(graph: Graph) -> None:
    qb = QueryBuilder().append(entity_type=["data.core.str.Str.", "data.core.dict.Dict."], project="id")
    assert _pks(qb) == _ids(graph.s, graph.d)
    assert QueryBuilder().append(entity_type="group.core", project="label").all(flat=True) in (
        ["qb-group", "qb-auto"],
        ["qb-auto", "qb-group"],
    )


def test_group_type_strings(graph: Graph) -> None:
    every = QueryBuilder().append(orm.Group).all(flat=True)
    assert sorted(group.label for group in every) == ["qb-auto", "qb-group"]
    assert all(isinstance(group, orm.Group) for group in every)
    only_core = QueryBuilder().append(orm.Group, subclassing=False, project="label")
    assert only_core.all(flat=True) == ["qb-group"]


@pytest.mark.parametrize(
    ("cls", "attribute"),
    [
        (orm.User, "user"),
        (orm.Computer, "computer"),
        (orm.AuthInfo, "authinfo"),
        (orm.Comment, "comment"),
        (orm.Log, "log"),
    ],
)
def test_other_entities_load_as_their_class(graph: Graph, cls: type[orm.Entity], attribute: str) -> None:
    (found,) = QueryBuilder().append(cls).all(flat=True)
    assert isinstance(found, cls)
    assert found.pk == getattr(graph, attribute).pk


# -- projections -------------------------------------------------------------------------------


def test_projected_columns_and_attributes(graph: Graph) -> None:
    qb = QueryBuilder().append(
        orm.Dict,
        project=[
            "id",
            "uuid",
            "node_type",
            "ctime",
            "attributes",
            "attributes.nested.y",
            "attributes.missing",
        ],
    )
    (row,) = qb.all()
    assert row[:3] == [graph.d.pk, graph.d.uuid, "data.core.dict.Dict."]
    assert isinstance(row[1], str)
    assert isinstance(row[3], datetime)
    assert row[3].tzinfo is not None
    assert row[4:] == [{"x": 1, "nested": {"y": 2}}, 2, None]


def test_casts_and_aggregates(graph: Graph) -> None:
    qb = QueryBuilder().append(
        orm.Int, filters={"id": graph.a.pk}, project={"attributes.value": {"cast": "f"}}
    )
    (value,) = qb.all(flat=True)
    assert value == 1.0
    assert isinstance(value, float)
    count = QueryBuilder().append(orm.Int, project={"id": {"func": "count"}}).all()
    assert count == [[3]]
    largest = QueryBuilder().append(orm.Int, project={"attributes.value": {"func": "max", "cast": "i"}}).one()
    assert largest == [3]


def test_no_projection_projects_the_last_vertex(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.Int, tag="i", filters={"id": graph.a.pk}).append(orm.CalcFunctionNode)
    assert qb.all() == [[graph.calc]]
    assert qb.as_dict()["project"] == {"i": [], "CalcFunctionNode_1": [], "i--CalcFunctionNode_1": []}


def test_flat_flattens_every_row(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.Int, project=["id", "attributes.value"]).order_by({orm.Int: "id"})
    assert qb.all(flat=True) == [graph.a.pk, 1, graph.b.pk, 2, graph.total.pk, 3]


# -- first, one, count, window, ordering -------------------------------------------------------


def test_first(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.Int, project=["id", "label"]).order_by({orm.Int: {"id": "desc"}})
    assert qb.first() == [graph.total.pk, ""]
    assert (
        QueryBuilder().append(orm.Int, project="id").order_by({orm.Int: "id"}).first(flat=True) == graph.a.pk
    )
    assert QueryBuilder().append(orm.Int).order_by({orm.Int: "id"}).first() == [graph.a]
    assert QueryBuilder().append(orm.Int, filters={"id": -1}).first() is None
    assert qb.as_dict()["limit"] is None  # first() does not change the query


def test_one(graph: Graph) -> None:
    assert QueryBuilder().append(orm.Int, filters={"label": "b"}).one() == [graph.b]
    with pytest.raises(NotExistent, match="No result"):
        QueryBuilder().append(orm.Int, filters={"label": "nothing"}).one()
    with pytest.raises(MultipleObjectsError, match="More than one"):
        QueryBuilder().append(orm.Int).one()
    assert QueryBuilder().append(orm.Int).limit(1).one()  # a limit of one leaves one row


def test_count_limit_offset_order(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.Int, project="id")
    assert qb.count() == 3
    ordered = qb.order_by({orm.Int: {"id": "desc"}}).limit(2).offset(1)
    assert ordered.all(flat=True) == [graph.b.pk, graph.a.pk]
    assert ordered.count() == 2
    by_value = QueryBuilder().append(orm.NumericType, project="id")
    by_value.order_by({orm.NumericType: [{"attributes.value": {"order": "desc", "cast": "f"}}]})
    assert by_value.all(flat=True) == [graph.total.pk, graph.b.pk, graph.f.pk, graph.a.pk]


def test_distinct(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.CalcFunctionNode, tag="c", project="id").append(orm.Int, with_outgoing="c")
    assert qb.all(flat=True) == [graph.calc.pk, graph.calc.pk]
    assert qb.distinct().all(flat=True) == [graph.calc.pk]


def test_entities_as_filter_values(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.Node, filters={"computer": graph.computer}, project="id")
    assert qb.all(flat=True) == [graph.a.pk]
    comments = QueryBuilder().append(
        orm.Comment, filters={"node": graph.a, "user": graph.user}, project="content"
    )
    assert comments.all(flat=True) == ["note"]


# -- relationships -----------------------------------------------------------------------------


def test_inputs_with_link_edges(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.CalcFunctionNode, tag="c")
    qb.append(orm.Int, tag="i", with_outgoing="c", project="id", edge_project=["label", "type"])
    assert sorted(qb.all()) == sorted([[graph.a.pk, "x", "input_calc"], [graph.b.pk, "y", "input_calc"]])
    assert _pks(QueryBuilder().append(orm.CalcFunctionNode).inputs(project="id")) == _ids(graph.a, graph.b)


def test_outputs_and_edge_filters(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.CalcFunctionNode, tag="c")
    qb.append(
        orm.Node, with_incoming="c", edge_filters={"type": "create"}, project="id", edge_project="label"
    )
    assert qb.all() == [[graph.total.pk, "result"]]
    none = QueryBuilder().append(orm.CalcFunctionNode).outputs(edge_filters={"label": "other"})
    assert none.count() == 0


def test_ancestors_and_descendants(graph: Graph) -> None:
    parents = QueryBuilder().append(orm.Int, tag="t", filters={"id": graph.total.pk})
    parents.append(orm.Node, with_descendants="t", project="id", edge_project="depth")
    assert sorted(parents.all()) == sorted([[graph.calc.pk, 0], [graph.a.pk, 1], [graph.b.pk, 1]])
    children = QueryBuilder().append(orm.Int, filters={"id": graph.a.pk}).children(project="id")
    assert _pks(children) == _ids(graph.calc, graph.total)
    assert _pks(QueryBuilder().append(orm.Int, filters={"id": graph.total.pk}).parents(project="id")) == _ids(
        graph.a, graph.b, graph.calc
    )


def test_groups_and_members(graph: Graph) -> None:
    members = QueryBuilder().append(orm.Group, tag="g", filters={"label": "qb-group"})
    members.append(orm.Node, with_group="g", project="id", edge_project="dbnode_id")
    assert sorted(members.all()) == [[pk, pk] for pk in _ids(graph.a, graph.d)]
    groups_of_b = QueryBuilder().append(orm.Int, tag="b", filters={"id": graph.b.pk})
    groups_of_b.append(orm.Group, with_node="b", project="label")
    assert groups_of_b.all(flat=True) == ["qb-auto"]
    only_core = QueryBuilder().append(orm.Int, tag="b", filters={"id": graph.b.pk})
    assert only_core.append(orm.Group, with_node="b", subclassing=False).count() == 0


def test_users(graph: Graph) -> None:
    owned = QueryBuilder().append(orm.User, tag="u").append(orm.Node, with_user="u")
    assert owned.count() == orm.Node.collection.count()
    owner = QueryBuilder().append(orm.Int, filters={"id": graph.a.pk}).append(orm.User, project="email")
    assert owner.all(flat=True) == [graph.user.email]
    group_owner = QueryBuilder().append(orm.Group, tag="g", filters={"label": "qb-auto"})
    assert group_owner.append(orm.User, with_group="g").one() == [graph.user]
    assert QueryBuilder().append(orm.User, tag="u").append(orm.Group, with_user="u").count() == 2


def test_computers_and_authinfos(graph: Graph) -> None:
    on_box = QueryBuilder().append(orm.Computer, tag="c").append(orm.Node, with_computer="c", project="id")
    assert on_box.all(flat=True) == [graph.a.pk]
    computer = (
        QueryBuilder().append(orm.Int, filters={"id": graph.a.pk}).append(orm.Computer, project="label")
    )
    assert computer.all(flat=True) == ["qb-box"]
    authinfo = QueryBuilder().append(orm.Computer, tag="c").append(orm.AuthInfo, with_computer="c")
    assert authinfo.one() == [graph.authinfo]
    user = QueryBuilder().append(orm.AuthInfo, tag="a").append(orm.User, with_authinfo="a", project="email")
    assert user.all(flat=True) == [graph.user.email]
    by_user = QueryBuilder().append(orm.User, tag="u").append(orm.AuthInfo, with_user="u", project="id")
    assert by_user.all(flat=True) == [graph.authinfo.pk]


def test_comments_and_logs(graph: Graph) -> None:
    commented = QueryBuilder().append(orm.Comment, tag="c").append(orm.Node, with_comment="c", project="id")
    assert commented.all(flat=True) == [graph.a.pk]
    on_a = (
        QueryBuilder().append(orm.Int, tag="a", filters={"id": graph.a.pk}).append(orm.Comment, with_node="a")
    )
    assert on_a.one() == [graph.comment]
    author = QueryBuilder().append(orm.Comment, tag="c").append(orm.User, with_comment="c", project="email")
    assert author.all(flat=True) == [graph.user.email]
    written = QueryBuilder().append(orm.User, tag="u").append(orm.Comment, with_user="u", project="content")
    assert written.all(flat=True) == ["note"]
    logged = QueryBuilder().append(orm.Log, tag="l").append(orm.Node, with_log="l", project="id")
    assert logged.all(flat=True) == [graph.calc.pk]
    logs = QueryBuilder().append(orm.ProcessNode, tag="p").append(orm.Log, with_node="p", project="message")
    assert logs.all(flat=True) == ["ran"]


def test_outer_join_gives_none_for_the_missing_side(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.Int, tag="i", project="id")
    qb.append(orm.Node, with_incoming="i", outerjoin=True, project="*")
    rows = dict(qb.all())
    assert rows == {graph.a.pk: graph.calc, graph.b.pk: graph.calc, graph.total.pk: None}


def test_outer_join_class_filters_select_rows_as_in_aiida(graph: Graph) -> None:
    """A class other than Node filters node_type in WHERE, like any filter of the joined vertex
    (aiida's semantics): a row whose outer-joined side is missing does not pass it."""
    qb = QueryBuilder().append(orm.Int, tag="i", project="id")
    qb.append(orm.ProcessNode, with_incoming="i", outerjoin=True, project="*")
    assert dict(qb.all()) == {graph.a.pk: graph.calc, graph.b.pk: graph.calc}


# -- running -----------------------------------------------------------------------------------


def test_iterall_streams_in_batches(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.Data, project=["id", "*"]).order_by({orm.Data: "id"})
    rows = qb.iterall(batch_size=2)
    assert isinstance(rows, types.GeneratorType)
    first = next(rows)
    assert first == [graph.a.pk, graph.a]
    assert [first, *rows] == qb.all()
    assert list(qb.iterall(batch_size=1)) == qb.all(batch_size=3)


def test_bad_batch_size_is_refused(graph: Graph) -> None:
    with pytest.raises(InputValidationError, match="batch_size"):
        QueryBuilder().append(orm.Int).all(batch_size=0)


def test_compiler_refuses_unknown_fields_before_running(graph: Graph) -> None:
    with pytest.raises(InputValidationError, match="no field 'colour'"):
        QueryBuilder().append(orm.Int, filters={"colour": "red"}).all()
    with pytest.raises(InputValidationError):
        QueryBuilder().append(orm.Int, filters={"attributes.value": {"is": 3}}).count()


def test_as_sql(graph: Graph) -> None:
    qb = QueryBuilder().append(orm.Int, filters={"label": "needle"}, project="id")
    assert "SELECT" in qb.as_sql().upper()
    assert "needle" in qb.as_sql(inline=True)


def test_iterall_memory_does_not_grow_with_the_rows() -> None:
    orm.store_many([orm.Int(value) for value in range(3000)])
    qb = QueryBuilder().append(orm.Int, project=["*", "attributes"])
    tracemalloc.start()
    try:
        for _ in qb.iterall(batch_size=100):
            pass
        _, streamed = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        rows = qb.all()
        _, whole = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(rows) == 3000
    assert streamed < whole / 4
