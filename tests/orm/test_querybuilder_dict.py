"""QueryBuilder: iterdict/dict shapes, project_map, and the as_dict/from_dict round trip."""

from __future__ import annotations

import copy
import json
import types
from typing import Any

import pytest

from provgraph import orm
from provgraph.orm import QueryBuilder
from provgraph.provenance import calcfunction


@calcfunction
def scale(x: Any, factor: Any) -> Any:
    return orm.Int(x.value * factor.value)


@pytest.fixture
def calc() -> orm.CalcFunctionNode:
    """x=3, factor=2 -> scale -> 6, and an unrelated Str."""
    _, node = scale.run_get_node(orm.Int(3), orm.Int(2))
    orm.Str("unrelated").store()
    return node


def _input_query() -> QueryBuilder:
    qb = QueryBuilder()
    qb.append(orm.Int, tag="i", filters={"attributes.value": {">": 2}}, project=["id", "attributes.value"])
    qb.append(orm.CalcFunctionNode, tag="c", with_incoming="i", project="*", edge_project=["label", "type"])
    return qb


def test_iterdict_shape(calc: orm.CalcFunctionNode) -> None:
    (x,) = [triple.node for triple in calc.base.links.get_incoming() if triple.link_label == "x"]
    rows = _input_query().iterdict()
    assert isinstance(rows, types.GeneratorType)
    assert list(rows) == [
        {
            "i": {"id": x.pk, "attributes.value": 3},
            "c": {"*": calc},
            "i--c": {"label": "x", "type": "input_calc"},
        }
    ]


def test_dict_lists_the_iterdict_rows(calc: orm.CalcFunctionNode) -> None:
    qb = QueryBuilder().append(orm.Int, tag="i", project=["id"]).order_by({"i": "id"})
    assert qb.dict() == list(qb.iterdict(batch_size=1))
    assert [row["i"]["id"] for row in qb.dict()] == sorted(qb.all(flat=True))


def test_only_projected_tags_appear(calc: orm.CalcFunctionNode) -> None:
    qb = QueryBuilder().append(orm.CalcFunctionNode, tag="c").append(orm.Int, tag="out", project="id")
    assert [list(row) for row in qb.dict()] == [["out"]]


def test_default_projection_in_iterdict(calc: orm.CalcFunctionNode) -> None:
    qb = QueryBuilder().append(orm.CalcFunctionNode, tag="c")
    assert qb.dict() == [{"c": {"*": calc}}]


def test_project_map_renames_keys(calc: orm.CalcFunctionNode) -> None:
    qb = QueryBuilder(project_map={"c": {"id": "pk", "attributes.process_label": "label"}})
    qb.append(orm.CalcFunctionNode, tag="c", project=["id", "attributes.process_label", "uuid"])
    assert qb.dict() == [{"c": {"pk": calc.pk, "label": "scale", "uuid": calc.uuid}}]
    assert qb.all() == [[calc.pk, "scale", calc.uuid]]  # rows keep their order, names do not matter


def test_double_star_expands_to_every_column(calc: orm.CalcFunctionNode) -> None:
    qb = QueryBuilder().append(orm.CalcFunctionNode, tag="c", project="**")
    qb.append(orm.Int, tag="out", project="id", edge_project="**")
    (row,) = qb.dict()
    assert list(row["c"]) == [
        "id",
        "uuid",
        "node_type",
        "process_type",
        "label",
        "description",
        "ctime",
        "mtime",
        "attributes",
        "extras",
        "repository_metadata",
        "dbcomputer_id",
        "user_id",
    ]
    assert row["c"]["id"] == calc.pk
    assert row["c"]["process_type"] == f"{__name__}.scale"
    assert list(row["c--out"]) == ["id", "input_id", "output_id", "label", "type"]
    assert (row["c--out"]["input_id"], row["c--out"]["output_id"]) == (calc.pk, row["out"]["id"])
    assert len(qb.first()) == 13 + 1 + 5


def test_round_trip_gives_the_same_description_and_results(calc: orm.CalcFunctionNode) -> None:
    qb = _input_query()
    qb.append(
        orm.Int, tag="out", with_incoming="c", project="attributes.value", edge_filters={"type": "create"}
    )
    qb.append(orm.Group, tag="g", with_node="out", outerjoin=True, project="label")
    qb.append(orm.User, tag="u", with_node="i", project="email")
    qb.order_by([{"i": {"id": "desc"}}, {"c": "id"}]).limit(5).offset(0).distinct()
    described = qb.as_dict()
    rebuilt = QueryBuilder.from_dict(described)
    assert rebuilt.as_dict() == described
    through_json = QueryBuilder.from_dict(json.loads(json.dumps(described)))
    assert through_json.as_dict() == described
    expected = qb.all()
    assert len(expected) == 1
    assert rebuilt.all() == expected
    assert through_json.all() == expected


def test_round_trip_keeps_type_filters_that_entity_type_strings_cannot_express(
    calc: orm.CalcFunctionNode,
) -> None:
    qb = QueryBuilder().append(scale, tag="s", project="id").append(orm.NumericType, tag="n", project="id")
    described = qb.as_dict()
    rebuilt = QueryBuilder.from_dict(described)
    assert rebuilt.as_dict() == described
    assert rebuilt.all() == qb.all()
    assert len(qb.all()) == 1


def test_round_trip_of_all_entity_kinds(calc: orm.CalcFunctionNode) -> None:
    qb = QueryBuilder().append(orm.User, tag="u").append(orm.Comment, tag="c", with_user="u")
    qb.append(orm.Node, tag="node_1", with_comment="c")
    qb.append(orm.Log, tag="l", with_node="node_1").append(orm.Computer, tag="co", with_node="node_1")
    qb.append(orm.AuthInfo, with_computer="co")
    described = qb.as_dict()
    assert QueryBuilder.from_dict(described).as_dict() == described
    assert QueryBuilder.from_dict(described).count() == 0


def test_deepcopy_is_independent(calc: orm.CalcFunctionNode) -> None:
    qb = QueryBuilder().append(orm.Int, tag="i", project="id")
    clone = copy.deepcopy(qb)
    clone.add_filter("i", {"attributes.value": 6})
    assert clone.backend is qb.backend
    assert len(qb.all()) == 3
    assert len(clone.all()) == 1
    assert "attributes.value" not in qb.as_dict()["filters"]["i"]
