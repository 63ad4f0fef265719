"""QueryBuilder: building and validating the query description (no query runs here)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError
from provgraph.orm import QueryBuilder
from provgraph.provenance import calcfunction


@calcfunction
def double(x: Any) -> Any:
    return orm.Int(2 * x.value)


def _path(qb: QueryBuilder) -> list[dict[str, Any]]:
    return list(qb.as_dict()["path"])


def _filters(qb: QueryBuilder) -> dict[str, Any]:
    return dict(qb.as_dict()["filters"])


# -- vertices, tags and type filters -----------------------------------------------------------


def test_exported_from_both_packages() -> None:
    import provgraph

    assert provgraph.QueryBuilder is orm.QueryBuilder is QueryBuilder


def test_first_vertex_description() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i")
    assert _path(qb) == [
        {
            "entity_type": "data.core.int.Int.",
            "orm_base": "node",
            "tag": "i",
            "joining_keyword": None,
            "joining_value": None,
            "edge_tag": None,
            "outerjoin": False,
        }
    ]
    assert _filters(qb) == {"i": {"node_type": {"like": "data.core.int.%"}}}
    assert qb.as_dict()["project"] == {"i": []}


def test_description_is_json_serialisable_and_a_copy() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i", filters={"attributes.value": {"in": (1, 2)}})
    described = qb.as_dict()
    assert json.loads(json.dumps(described)) == described
    assert described["filters"]["i"]["attributes.value"] == {"in": [1, 2]}
    described["filters"]["i"].clear()
    assert qb.as_dict()["filters"]["i"]  # as_dict() copies
    assert qb.as_dict(copy=False)["filters"] is qb.as_dict(copy=False)["filters"]


@pytest.mark.parametrize(
    ("cls", "subclassing", "expected"),
    [
        (orm.Int, True, {"like": "data.core.int.%"}),
        (orm.Int, False, {"==": "data.core.int.Int."}),
        (orm.Data, True, {"like": "data.%"}),
        (orm.Node, True, {"like": "%"}),
        (orm.ProcessNode, True, {"like": "process.%"}),
        (orm.CalcFunctionNode, False, {"==": "process.calculation.calcfunction.CalcFunctionNode."}),
        (orm.AbstractCode, True, {"like": "data.core.code.%"}),
        (orm.NumericType, True, {"or": [{"like": "data.core.float.%"}, {"like": "data.core.int.%"}]}),
        ((orm.Int, orm.Str), True, {"or": [{"like": "data.core.int.%"}, {"like": "data.core.str.%"}]}),
        ((orm.Int, orm.Str), False, {"or": [{"==": "data.core.int.Int."}, {"==": "data.core.str.Str."}]}),
    ],
)
def test_node_type_filters(cls: Any, subclassing: bool, expected: dict[str, Any]) -> None:
    qb = QueryBuilder().append(cls, tag="n", subclassing=subclassing)
    assert _filters(qb)["n"] == {"node_type": expected}


def test_tuple_of_classes_lists_the_entity_types() -> None:
    qb = QueryBuilder().append((orm.Int, orm.Float))
    assert _path(qb)[0]["entity_type"] == ["data.core.int.Int.", "data.core.float.Float."]
    assert _path(qb)[0]["tag"] == "Int-Float_1"


def test_entity_type_string_gives_the_same_filter_as_the_class() -> None:
    by_class = QueryBuilder().append(orm.Dict, tag="d")
    by_string = QueryBuilder().append(entity_type="data.core.dict.Dict.", tag="d")
    assert by_class.as_dict() == by_string.as_dict()


def test_like_patterns_escape_wildcards() -> None:
    qb = QueryBuilder().append(entity_type="data.my_plugin.some%thing.Thing.", tag="t")
    assert _filters(qb)["t"] == {"node_type": {"like": "data.my\\_plugin.some\\%thing.%"}}


def test_group_type_string_filters() -> None:
    qb = QueryBuilder().append(orm.Group, tag="g")
    assert _path(qb)[0]["entity_type"] == "group.core"
    assert _filters(qb)["g"] == {"type_string": {"like": "%"}}
    exact = QueryBuilder().append(orm.Group, tag="h", subclassing=False)
    assert _filters(exact)["h"] == {"type_string": {"==": "core"}}
    plugin = QueryBuilder().append(entity_type="group.core.upf", tag="u")
    assert _filters(plugin)["u"] == {"type_string": {"like": "core.upf%"}}


def test_process_function_filters_on_its_process_type() -> None:
    qb = QueryBuilder().append(double, tag="d")
    assert _path(qb)[0]["entity_type"] == "process.calculation.calcfunction.CalcFunctionNode."
    assert _filters(qb)["d"] == {
        "node_type": {"like": "process.calculation.calcfunction.%"},
        "process_type": {"==": f"{__name__}.double"},
    }
    assert QueryBuilder().append(double).as_dict()["path"][0]["tag"] == "CalcFunctionNode_1"


@pytest.mark.parametrize(
    ("cls", "tag", "base"),
    [
        (orm.Int, "Int_1", "node"),
        (orm.Node, "node_1", "node"),
        (orm.Group, "core_1", "group"),
        (orm.User, "user_1", "user"),
        (orm.Computer, "computer_1", "computer"),
        (orm.Comment, "comment_1", "comment"),
        (orm.Log, "log_1", "log"),
        (orm.AuthInfo, "authinfo_1", "authinfo"),
    ],
)
def test_automatic_tags(cls: type, tag: str, base: str) -> None:
    qb = QueryBuilder().append(cls)
    assert (_path(qb)[0]["tag"], _path(qb)[0]["orm_base"]) == (tag, base)


def test_automatic_tags_count_up() -> None:
    qb = QueryBuilder().append(orm.Int).append(orm.Int).append(orm.Int, with_outgoing="Int_1")
    assert [vertex["tag"] for vertex in _path(qb)] == ["Int_1", "Int_2", "Int_3"]


def test_other_entities_have_no_type_filters() -> None:
    qb = QueryBuilder().append(orm.User, tag="u", filters={"email": "a@b.c"})
    assert _filters(qb) == {"u": {"email": "a@b.c"}}


# -- relationships and edges -------------------------------------------------------------------


def test_default_join_of_nodes_is_with_incoming_of_the_previous() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i").append(orm.CalcFunctionNode, tag="c")
    vertex = _path(qb)[1]
    assert (vertex["joining_keyword"], vertex["joining_value"], vertex["edge_tag"]) == (
        "with_incoming",
        "i",
        "i--c",
    )
    assert _filters(qb)["i--c"] == {}
    assert qb.as_dict()["project"]["i--c"] == []


def test_default_join_of_other_entities_is_with_node() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i").append(orm.Computer, tag="c")
    assert (_path(qb)[1]["joining_keyword"], _path(qb)[1]["edge_tag"]) == ("with_node", None)


def test_default_join_that_does_not_fit_is_refused() -> None:
    qb = QueryBuilder().append(orm.User, tag="u")
    with pytest.raises(
        InputValidationError, match=r"with_incoming joins a node to a node.*name the relationship: with_user"
    ):
        qb.append(orm.Int)
    with pytest.raises(InputValidationError, match=r"with_node joins a group to a node.*with_user"):
        qb.append(orm.Group)
    groups = QueryBuilder().append(orm.Group, tag="g")
    with pytest.raises(InputValidationError, match="'g' is a group; join another vertex"):
        groups.append(orm.Group)


@pytest.mark.parametrize(
    ("first", "appended", "keyword", "edge"),
    [
        (orm.Node, orm.Node, "with_incoming", True),
        (orm.Node, orm.Node, "with_outgoing", True),
        (orm.Node, orm.Node, "with_ancestors", True),
        (orm.Node, orm.Node, "with_descendants", True),
        (orm.Group, orm.Node, "with_group", True),
        (orm.User, orm.Node, "with_user", False),
        (orm.Computer, orm.Node, "with_computer", False),
        (orm.Comment, orm.Node, "with_comment", False),
        (orm.Log, orm.Node, "with_log", False),
        (orm.Node, orm.Group, "with_node", True),
        (orm.User, orm.Group, "with_user", False),
        (orm.Node, orm.Computer, "with_node", False),
        (orm.Node, orm.User, "with_node", False),
        (orm.Group, orm.User, "with_group", False),
        (orm.Comment, orm.User, "with_comment", False),
        (orm.AuthInfo, orm.User, "with_authinfo", False),
        (orm.Node, orm.Comment, "with_node", False),
        (orm.User, orm.Comment, "with_user", False),
        (orm.Node, orm.Log, "with_node", False),
        (orm.Computer, orm.AuthInfo, "with_computer", False),
        (orm.User, orm.AuthInfo, "with_user", False),
    ],
)
def test_every_relationship(first: type, appended: type, keyword: str, edge: bool) -> None:
    relationship: dict[str, Any] = {keyword: "a"}
    qb = QueryBuilder().append(first, tag="a").append(appended, tag="b", **relationship)
    vertex = _path(qb)[1]
    assert (vertex["joining_keyword"], vertex["joining_value"]) == (keyword, "a")
    assert vertex["edge_tag"] == ("a--b" if edge else None)
    assert ("a--b" in _filters(qb)) is edge


@pytest.mark.parametrize(
    ("first", "appended", "keyword", "message"),
    [
        (orm.Node, orm.Node, "with_node", "'with_node' is not a relationship of a node"),
        (orm.Node, orm.User, "with_incoming", "'with_incoming' is not a relationship of a user"),
        (orm.Group, orm.Computer, "with_group", "'with_group' is not a relationship of a computer"),
        (orm.User, orm.Node, "with_group", "with_group joins a node to a group, but 'a' is a user"),
        (orm.Node, orm.AuthInfo, "with_computer", "with_computer joins a authinfo to a computer"),
        (orm.Node, orm.Log, "with_user", "'with_user' is not a relationship of a log"),
    ],
)
def test_relationships_that_do_not_fit_are_refused(
    first: type, appended: type, keyword: str, message: str
) -> None:
    qb = QueryBuilder().append(first, tag="a")
    relationship: dict[str, Any] = {keyword: "a"}
    with pytest.raises(InputValidationError, match=message):
        qb.append(appended, tag="b", **relationship)


def test_joining_value_may_be_a_class_in_the_path() -> None:
    qb = (
        QueryBuilder()
        .append(orm.CalcFunctionNode, tag="c")
        .append(orm.Int, with_outgoing=orm.CalcFunctionNode)
    )
    assert _path(qb)[1]["joining_value"] == "c"
    qb.append((orm.Int, orm.Float), tag="pair").append(
        orm.Int, tag="last", with_outgoing=(orm.Int, orm.Float)
    )
    assert _path(qb)[-1]["joining_value"] == "pair"


def test_class_appended_twice_is_ambiguous() -> None:
    qb = QueryBuilder().append(orm.Int, tag="a").append(orm.Int, tag="b")
    with pytest.raises(InputValidationError, match=r"Int was appended as \['a', 'b'\]"):
        qb.append(orm.Node, with_incoming=orm.Int)
    with pytest.raises(InputValidationError, match="neither a tag nor a class appended"):
        qb.add_filter(orm.Float, {"id": 1})


def test_joining_a_tag_not_yet_in_the_path_is_refused() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i")
    with pytest.raises(InputValidationError, match=r"unknown tag 'later'.*\['i'\]"):
        qb.append(orm.Node, with_incoming="later")
    with pytest.raises(InputValidationError, match="unknown tag 'x'"):
        QueryBuilder().append(orm.Int, with_incoming="x")


def test_joining_an_edge_tag_is_refused() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i").append(orm.Node, tag="n")
    with pytest.raises(InputValidationError, match="unknown tag 'i--n'"):
        qb.append(orm.Node, with_incoming="i--n")


def test_joining_keyword_and_value_arguments() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i")
    qb.append(orm.Node, tag="n", joining_keyword="with_outgoing", joining_value="i")
    assert _path(qb)[1]["joining_keyword"] == "with_outgoing"
    with pytest.raises(InputValidationError, match="one relationship per vertex"):
        qb.append(orm.Node, joining_keyword="with_outgoing", joining_value="i", with_incoming="i")
    with pytest.raises(InputValidationError, match="one relationship per vertex"):
        qb.append(orm.Node, with_outgoing="i", with_incoming="n")
    with pytest.raises(InputValidationError, match="without a joining_keyword"):
        qb.append(orm.Node, joining_value="i")


def test_unexpected_argument_is_refused() -> None:
    with pytest.raises(InputValidationError, match="unexpected argument 'filter'"):
        QueryBuilder().append(orm.Int, filter={"id": 1})
    with pytest.raises(InputValidationError, match="'with_everything' is not a relationship of a node"):
        QueryBuilder().append(orm.Int, tag="i").append(orm.Int, with_everything="i")


def test_legacy_direction() -> None:
    qb = (
        QueryBuilder()
        .append(orm.Int, tag="a")
        .append(orm.Node, tag="b")
        .append(orm.Node, tag="c", direction=-2)
    )
    assert (_path(qb)[2]["joining_keyword"], _path(qb)[2]["joining_value"]) == ("with_outgoing", "a")
    with pytest.raises(InputValidationError, match="direction must be a non-zero int"):
        qb.append(orm.Node, direction=0)
    with pytest.raises(InputValidationError, match="points before the first"):
        qb.append(orm.Node, direction=9)


def test_edge_tags_filters_and_projections() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i")
    qb.append(orm.Node, tag="n", edge_tag="link", edge_filters={"label": "x"}, edge_project=["label", "type"])
    described = qb.as_dict()
    assert described["path"][1]["edge_tag"] == "link"
    assert described["filters"]["link"] == {"label": "x"}
    assert described["project"]["link"] == [{"label": {}}, {"type": {}}]
    qb.add_filter("link", {"type": "create"})
    assert qb.as_dict()["filters"]["link"] == {"label": "x", "type": "create"}
    with pytest.raises(InputValidationError, match="edge tag 'link' is already used"):
        qb.append(orm.Node, edge_tag="link")


def test_edge_arguments_without_an_edge_are_refused() -> None:
    qb = QueryBuilder().append(orm.User, tag="u")
    with pytest.raises(
        InputValidationError, match="edge_filters given, but a with_user join of a node has no edge"
    ):
        qb.append(orm.Node, with_user="u", edge_filters={"id": 1})
    with pytest.raises(InputValidationError, match="edge_tag given, but the first vertex has no edge"):
        QueryBuilder().append(orm.Node, edge_tag="e")


def test_outerjoin_is_recorded() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i").append(orm.Node, outerjoin=True)
    assert _path(qb)[1]["outerjoin"] is True
    with pytest.raises(InputValidationError, match="outerjoin must be True or False"):
        qb.append(orm.Node, outerjoin="yes")  # type: ignore[arg-type]


def test_inputs_outputs_children_parents() -> None:
    qb = QueryBuilder().append(orm.CalcFunctionNode, tag="c")
    qb.inputs(tag="in").outputs(cls=orm.Int, tag="out").children(tag="kids").parents(
        tag="elders", project="id"
    )
    keywords = [
        (vertex["tag"], vertex["joining_keyword"], vertex["joining_value"]) for vertex in _path(qb)[1:]
    ]
    assert keywords == [
        ("in", "with_outgoing", "c"),
        ("out", "with_incoming", "in"),
        ("kids", "with_ancestors", "out"),
        ("elders", "with_descendants", "kids"),
    ]
    assert _filters(qb)["out"] == {"node_type": {"like": "data.core.int.%"}}
    with pytest.raises(InputValidationError, match="append"):
        QueryBuilder().outputs()


# -- argument errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cls": orm.Int, "entity_type": "data.core.int.Int."}, "not both"),
        ({}, "needs a class"),
        ({"cls": (orm.Int, orm.Group)}, "share an ORM base, got a mix of group, node"),
        ({"cls": ()}, "empty sequence"),
        ({"cls": "Int"}, "cls must be an ORM class"),
        ({"cls": dict}, "dict is not an ORM entity class"),
        ({"cls": 42}, "cls must be an ORM class"),
        ({"entity_type": 3}, "entity_type must be a string"),
        ({"entity_type": "Int"}, "neither a node_type"),
        ({"entity_type": "group_node"}, "edges, not vertices"),
        ({"cls": orm.Int, "orm_base": "group"}, "orm_base 'group' contradicts"),
        ({"cls": orm.Int, "tag": "a--b"}, "contains '--'"),
        ({"cls": orm.Int, "tag": ""}, "non-empty string"),
        ({"cls": orm.Int, "tag": 5}, "non-empty string"),
        ({"cls": orm.Int, "subclassing": "no"}, "subclassing must be True or False"),
        ({"cls": orm.Int, "filters": ["id"]}, "filters of 'Int_1' must be a dict"),
        ({"cls": orm.Int, "filters": {"or": {"id": 1}}}, "'or' in the filters of 'Int_1' takes a list"),
        ({"cls": orm.Int, "filters": {1: 2}}, "must be a non-empty string"),
        ({"cls": orm.Int, "project": 3}, "a projection of 'Int_1' must be a field name"),
        ({"cls": orm.Int, "project": {"id": "i"}}, "must be a dict with 'cast'"),
        ({"cls": orm.Int, "project": {"id": {"cast": "x"}}}, "cast 'x' of 'Int_1' is not one of"),
        ({"cls": orm.Int, "project": {"id": {"func": "sum"}}}, "func 'sum' of 'Int_1' is not one of"),
        ({"cls": orm.Int, "project": {"id": {"as": "n"}}}, "option 'as'"),
    ],
)
def test_append_argument_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputValidationError, match=message):
        QueryBuilder().append(**kwargs)


def test_tags_must_be_unique() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i").append(orm.Node, tag="n")
    with pytest.raises(InputValidationError, match="tag 'i' is already used"):
        qb.append(orm.Node, tag="i")
    with pytest.raises(InputValidationError, match="tag 'i--n' is already used"):
        qb.append(orm.Node, tag="x", edge_tag="i--n")


def test_refused_append_leaves_the_query_unchanged() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i")
    before = qb.as_dict()
    for bad in (
        {"tag": "n", "with_incoming": "nope"},
        {"tag": "n", "project": {"id": {"cast": "?"}}},
        {"tag": "n", "edge_project": 5},
        {"tag": "n", "edge_filters": "x"},
    ):
        with pytest.raises(InputValidationError):
            qb.append(orm.Node, **bad)
        assert qb.as_dict() == before
    qb.append(orm.Node, tag="n")  # the tag was not taken by the failed attempts
    assert qb.get_used_tags() == ["i", "n", "i--n"]
    assert qb.get_used_tags(edges=False) == ["i", "n"]


def test_constructor_argument_errors() -> None:
    with pytest.raises(InputValidationError, match="path must be a list"):
        QueryBuilder(path="data.core.int.Int.")
    with pytest.raises(InputValidationError, match="filters must be a dict"):
        QueryBuilder(path=[orm.Int], filters=[("Int_1", {})])  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="unknown tag 'x'"):
        QueryBuilder(path=[orm.Int], project={"x": "id"})
    with pytest.raises(InputValidationError, match="project_map maps tags"):
        QueryBuilder(path=[orm.Int], project_map={"Int_1": "id"})  # type: ignore[dict-item]


def test_constructor_takes_the_path_in_every_form() -> None:
    qb = QueryBuilder(
        path=[orm.Int, "data.core.float.Float.", {"cls": orm.Node, "tag": "n", "with_outgoing": "Int_1"}],
        filters={"n": {"id": 3}},
        project={"Int_1": "id"},
        limit=4,
        offset=1,
        order_by={"n": "id"},
        distinct=True,
    )
    described = qb.as_dict()
    assert [vertex["tag"] for vertex in described["path"]] == ["Int_1", "Float_1", "n"]
    assert described["filters"]["n"] == {"node_type": {"like": "%"}, "id": 3}
    assert described["project"]["Int_1"] == [{"id": {}}]
    assert (described["limit"], described["offset"], described["distinct"]) == (4, 1, True)
    assert described["order_by"] == [{"n": [{"id": {"order": "asc"}}]}]


# -- filters -----------------------------------------------------------------------------------


def test_add_filter_updates_per_field_and_may_replace_type_filters() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i", filters={"id": 1, "label": "a"})
    qb.add_filter("i", {"id": {">": 5}}).add_filter(orm.Int, {"node_type": "data.core.int.Int."})
    assert _filters(qb)["i"] == {"node_type": "data.core.int.Int.", "id": {">": 5}, "label": "a"}


def test_filters_keep_the_users_field_names_and_logic() -> None:
    spec = {
        "pk": {"in": [1, 2]},
        "or": [{"attributes.value": {">": 3}}, {"extras.x": {"!==": None}}],
        "~and": [{"label": {"like": "a%"}}, {"label": {"!ilike": "%b"}}],
        "ctime": {"and": [{">": "2020-01-01"}, {"<": "2030-01-01"}]},
    }
    qb = QueryBuilder().append(orm.Node, tag="n", filters=spec)
    assert _filters(qb)["n"] == {"node_type": {"like": "%"}, **spec}


def test_entities_as_filter_values_become_their_foreign_key() -> None:
    user = orm.User.collection.get_default()
    node = orm.Int(1).store()
    computer = orm.Computer("box", hostname="localhost").store()
    qb = QueryBuilder().append(
        orm.Node, tag="n", filters={"user": user, "computer": computer, "id": {"in": [node]}}
    )
    qb.append(orm.Comment, tag="c", with_node="n", filters={"node": node, "user": user})
    qb.append(orm.User, tag="u", with_comment="c")
    qb.append(orm.AuthInfo, tag="a", with_user="u", filters={"computer": computer})
    filters = _filters(qb)
    assert filters["n"] == {
        "node_type": {"like": "%"},
        "user_id": user.pk,
        "dbcomputer_id": computer.pk,
        "id": {"in": [node.pk]},
    }
    assert filters["c"] == {"dbnode_id": node.pk, "user_id": user.pk}
    assert filters["a"] == {"dbcomputer_id": computer.pk}


def test_unstored_entity_as_filter_value_is_refused() -> None:
    with pytest.raises(InputValidationError, match="not stored"):
        QueryBuilder().append(orm.Comment, filters={"node": orm.Int(3)})


def test_uuid_objects_become_text() -> None:
    import uuid

    value = uuid.uuid4()
    qb = QueryBuilder().append(orm.Node, tag="n", filters={"uuid": value})
    assert _filters(qb)["n"]["uuid"] == str(value)


# -- projections, ordering, window -------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("*", [{"*": {}}]),
        (["id", "uuid"], [{"id": {}}, {"uuid": {}}]),
        ({"attributes.value": {"cast": "i"}}, [{"attributes.value": {"cast": "i"}}]),
        ({"id": {"func": "count"}, "label": {}}, [{"id": {"func": "count"}}, {"label": {}}]),
        (("**", {"id": {"func": "max", "cast": "f"}}), [{"**": {}}, {"id": {"func": "max", "cast": "f"}}]),
    ],
)
def test_projection_forms(spec: Any, expected: list[dict[str, Any]]) -> None:
    qb = QueryBuilder().append(orm.Int, tag="i", project=spec)
    assert qb.as_dict()["project"]["i"] == expected


def test_add_projection_replaces() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i", project="id")
    qb.add_projection("i", ["uuid"]).add_projection(orm.Int, ["label", "ctime"])
    assert qb.as_dict()["project"]["i"] == [{"label": {}}, {"ctime": {}}]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"i": "id"}, [{"i": [{"id": {"order": "asc"}}]}]),
        ({"i": ["id", "label"]}, [{"i": [{"id": {"order": "asc"}}, {"label": {"order": "asc"}}]}]),
        ({"i": {"id": "desc"}}, [{"i": [{"id": {"order": "desc"}}]}]),
        ({"i": [{"id": {"order": "desc"}}]}, [{"i": [{"id": {"order": "desc"}}]}]),
        (
            {"i": [{"attributes.value": {"cast": "i"}}]},
            [{"i": [{"attributes.value": {"order": "asc", "cast": "i"}}]}],
        ),
        (
            [{"i": "id"}, {"n": {"label": "desc"}}],
            [{"i": [{"id": {"order": "asc"}}]}, {"n": [{"label": {"order": "desc"}}]}],
        ),
        ({orm.Int: "id"}, [{"i": [{"id": {"order": "asc"}}]}]),
        ({"i--n": "label"}, [{"i--n": [{"label": {"order": "asc"}}]}]),
        (None, []),
        ([], []),
    ],
)
def test_order_by_forms(spec: Any, expected: list[Any]) -> None:
    qb = QueryBuilder().append(orm.Int, tag="i").append(orm.Node, tag="n")
    qb.order_by({"n": "id"})
    assert qb.order_by(spec).as_dict()["order_by"] == expected  # replaces the earlier ordering


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("id", "order_by takes"),
        ({"x": "id"}, "unknown tag 'x'"),
        ({"i": "sideways"}, None),
        ({"i": {"id": "sideways"}}, "order 'sideways' of i.id is not 'asc' or 'desc'"),
        ({"i": {"id": {"direction": "asc"}}}, "takes only 'order' and 'cast'"),
        ({"i": {"id": {"cast": "q"}}}, "cast 'q'"),
        ({"i": {"id": 3}}, "must be 'asc', 'desc'"),
        ({"i": [3]}, "takes field names"),
    ],
)
def test_order_by_errors(spec: Any, message: str | None) -> None:
    qb = QueryBuilder().append(orm.Int, tag="i")
    if message is None:  # a field name: validated by the storage's compiler, not here
        qb.order_by(spec)
        return
    with pytest.raises(InputValidationError, match=message):
        qb.order_by(spec)


def test_limit_offset_distinct() -> None:
    qb = QueryBuilder().append(orm.Int).limit(3).offset(2).distinct()
    assert (qb.as_dict()["limit"], qb.as_dict()["offset"], qb.as_dict()["distinct"]) == (3, 2, True)
    assert qb.limit(None).distinct(False).as_dict()["limit"] is None
    for bad in (-1, 1.5, True, "3"):
        with pytest.raises(InputValidationError, match="limit must be a non-negative int"):
            qb.limit(bad)  # type: ignore[arg-type]
        with pytest.raises(InputValidationError, match="offset must be a non-negative int"):
            qb.offset(bad)  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="distinct must be True or False"):
        qb.distinct(1)  # type: ignore[arg-type]


def test_running_an_empty_query_is_refused() -> None:
    with pytest.raises(InputValidationError, match="no vertices"):
        QueryBuilder().count()
    with pytest.raises(InputValidationError, match="no vertices"):
        list(QueryBuilder().iterall())


def test_from_dict_refuses_unknown_keys() -> None:
    with pytest.raises(InputValidationError, match=r"unknown keys \['paths'\]"):
        QueryBuilder.from_dict({"paths": []})
    with pytest.raises(InputValidationError, match="takes a query description dict"):
        QueryBuilder.from_dict([])  # type: ignore[arg-type]


def test_backend_defaults_to_the_loaded_profile() -> None:
    from provgraph.manager import get_manager

    assert QueryBuilder().backend is get_manager().get_profile_storage()


def test_repr_shows_the_description() -> None:
    qb = QueryBuilder().append(orm.Int, tag="i")
    assert repr(qb).startswith("QueryBuilder(path=[{'entity_type': 'data.core.int.Int.'")
