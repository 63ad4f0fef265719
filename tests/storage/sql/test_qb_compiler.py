"""The QueryBuilder compiler of the SQL backends: descriptions in, rows out, on both dialects.

Descriptions are written in the format of docs/querybuilder.md; ``vertex`` and ``query`` only
fill in the keys a test does not care about.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import pytest
from tests.storage.sql.descriptions import vertex

from provgraph.exceptions import InputValidationError
from provgraph.storage import EntityTypes
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.tables import ENTITY_TABLES, nodes

INT = "data.core.int.Int."
DICT = "data.core.dict.Dict."
CALC = "process.calculation.calcfunction.CalcFunctionNode."


def query(
    *path: dict[str, Any],
    filters: dict[str, Any] | None = None,
    project: dict[str, Any] | None = None,
    order_by: list[dict[str, Any]] | None = None,
    limit: int | None = None,
    offset: int | None = None,
    distinct: bool = False,
) -> dict[str, Any]:
    return {
        "path": list(path),
        "filters": filters or {},
        "project": project or {},
        "project_map": {},
        "order_by": order_by or [],
        "limit": limit,
        "offset": offset,
        "distinct": distinct,
    }


def rows(storage: SqlDosBackend, description: dict[str, Any]) -> list[tuple[Any, ...]]:
    return list(storage.query_rows(description))


def ids_of(storage: SqlDosBackend, description: dict[str, Any]) -> list[Any]:
    """The single projected column of every row, sorted (None first)."""
    found = [row[0] for row in storage.query_rows(description)]
    return sorted(found, key=lambda value: (value is not None, value))


@dataclass(frozen=True)
class Graph:
    """Two users, two computers, five nodes with links, two groups, a comment, a log, an authinfo.

    d1 (Int 1) and d2 (Int 5) are inputs of calc (input_calc, labels x, y), which created out
    (Int 6, label "result"); lone is a Dict with nested attributes and no links.
    """

    alice: int
    bob: int
    local: int
    remote: int
    d1: int
    d2: int
    calc: int
    out: int
    lone: int
    full: int
    empty: int
    comment: int
    log: int
    authinfo: int


def _node(user: int, label: str, node_type: str, attributes: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"user_id": user, "label": label, "node_type": node_type, "attributes": attributes, **more}


@pytest.fixture
def graph(storage: SqlDosBackend) -> Graph:
    users = storage.bulk_insert(
        EntityTypes.USER,
        [{"email": "alice@x", "first_name": "A"}, {"email": "bob@x", "first_name": "B"}],
        allow_defaults=True,
    )
    alice, bob = users
    local, remote = storage.bulk_insert(
        EntityTypes.COMPUTER, [{"label": "localhost"}, {"label": "remote"}], allow_defaults=True
    )
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    node_rows = [
        _node(alice, "d1", INT, {"value": 1}, ctime=moment),
        _node(alice, "d2", INT, {"value": 5}),
        _node(bob, "calc", CALC, {"sealed": True}, dbcomputer_id=local, process_type="add"),
        _node(bob, "out", INT, {"value": 6}),
        _node(alice, "lone", DICT, {"a": {"b": "x"}, "f": 2.5}, extras={"tag": "t"}),
    ]
    d1, d2, calc, out, lone = storage.bulk_insert(EntityTypes.NODE, node_rows, allow_defaults=True)
    links = [
        {"input_id": d1, "output_id": calc, "label": "x", "type": "input_calc"},
        {"input_id": d2, "output_id": calc, "label": "y", "type": "input_calc"},
        {"input_id": calc, "output_id": out, "label": "result", "type": "create"},
    ]
    storage.bulk_insert(EntityTypes.LINK, links)
    full, empty = storage.bulk_insert(
        EntityTypes.GROUP,
        [{"label": "full", "user_id": alice}, {"label": "empty", "user_id": bob}],
        allow_defaults=True,
    )
    storage.add_group_nodes(full, [d1, d2])
    (comment,) = storage.bulk_insert(
        EntityTypes.COMMENT, [{"dbnode_id": calc, "user_id": alice, "content": "hi"}], allow_defaults=True
    )
    (log,) = storage.bulk_insert(
        EntityTypes.LOG,
        [{"dbnode_id": calc, "loggername": "l", "levelname": "INFO", "message": "m"}],
        allow_defaults=True,
    )
    (authinfo,) = storage.bulk_insert(
        EntityTypes.AUTHINFO, [{"aiidauser_id": alice, "dbcomputer_id": local}], allow_defaults=True
    )
    return Graph(alice, bob, local, remote, d1, d2, calc, out, lone, full, empty, comment, log, authinfo)


# -- the example of the contract -----------------------------------------------------------------


def test_the_documented_example(storage: SqlDosBackend, graph: Graph) -> None:
    description = {
        "path": [
            {"entity_type": "data.core.int.Int.", "orm_base": "node", "tag": "i",
             "joining_keyword": None, "joining_value": None, "edge_tag": None, "outerjoin": False},
            {"entity_type": "process.calculation.calcfunction.CalcFunctionNode.", "orm_base": "node",
             "tag": "c", "joining_keyword": "with_incoming", "joining_value": "i",
             "edge_tag": "i--c", "outerjoin": False},
        ],
        "filters": {
            "i": {"node_type": {"like": "data.core.int.%"}, "attributes.value": {">": 3}},
            "c": {"node_type": {"like": "process.calculation.calcfunction.%"}},
            "i--c": {"label": "y"},
        },
        "project": {"i": [{"id": {}}, {"attributes.value": {"cast": "i"}}], "c": [{"*": {}}],
                    "i--c": [{"label": {}}]},
        "project_map": {},
        "order_by": [{"i": [{"id": {"order": "desc"}}]}],
        "limit": None, "offset": None, "distinct": False,
    }  # fmt: skip
    (row,) = rows(storage, description)
    assert row[:2] == (graph.d2, 5)
    assert row[2] == storage.get_rows(EntityTypes.NODE, {"id": graph.calc})[0]
    assert row[3] == "y"


# -- relationships -------------------------------------------------------------------------------

# (appended base, keyword, joined base, joined tag's filter, appended field, expected values)
RELATIONSHIP_CASES: list[tuple[str, str, str, str, str, str, list[str]]] = [
    ("node", "with_incoming", "node", "label", "d1", "label", ["calc"]),
    ("node", "with_outgoing", "node", "label", "calc", "label", ["d1", "d2"]),
    ("node", "with_ancestors", "node", "label", "d1", "label", ["calc", "out"]),
    ("node", "with_descendants", "node", "label", "out", "label", ["calc", "d1", "d2"]),
    ("node", "with_group", "group", "label", "full", "label", ["d1", "d2"]),
    ("node", "with_user", "user", "email", "bob@x", "label", ["calc", "out"]),
    ("node", "with_computer", "computer", "label", "localhost", "label", ["calc"]),
    ("node", "with_comment", "comment", "content", "hi", "label", ["calc"]),
    ("node", "with_log", "log", "message", "m", "label", ["calc"]),
    ("group", "with_node", "node", "label", "d2", "label", ["full"]),
    ("group", "with_user", "user", "email", "bob@x", "label", ["empty"]),
    ("computer", "with_node", "node", "label", "calc", "label", ["localhost"]),
    ("user", "with_node", "node", "label", "out", "email", ["bob@x"]),
    ("user", "with_group", "group", "label", "empty", "email", ["bob@x"]),
    ("user", "with_comment", "comment", "content", "hi", "email", ["alice@x"]),
    ("user", "with_authinfo", "authinfo", "enabled", "", "email", ["alice@x"]),
    ("comment", "with_node", "node", "label", "calc", "content", ["hi"]),
    ("comment", "with_user", "user", "email", "alice@x", "content", ["hi"]),
    ("log", "with_node", "node", "label", "calc", "message", ["m"]),
    ("authinfo", "with_computer", "computer", "label", "localhost", "enabled", ["True"]),
    ("authinfo", "with_user", "user", "email", "alice@x", "enabled", ["True"]),
]


@pytest.mark.parametrize(
    "case", RELATIONSHIP_CASES, ids=[f"{case[0]}-{case[1]}" for case in RELATIONSHIP_CASES]
)
def test_every_relationship(
    storage: SqlDosBackend, graph: Graph, case: tuple[str, str, str, str, str, str, list[str]]
) -> None:
    appended, keyword, joined, field, value, projected, expected = case
    filter_value: Any = True if field == "enabled" else value
    description = query(
        vertex("j", joined),
        vertex("a", appended, keyword, "j"),
        filters={"j": {field: filter_value}},
        project={"a": [{projected: {}}]},
    )
    assert [str(found) for found in ids_of(storage, description)] == expected


def test_relationships_chain_across_entities(storage: SqlDosBackend, graph: Graph) -> None:
    """Users who own groups that hold inputs of a calculation run on localhost."""
    description = query(
        vertex("computer", "computer"),
        vertex("calc", "node", "with_computer", "computer"),
        vertex("input", "node", "with_outgoing", "calc"),
        vertex("group", "group", "with_node", "input"),
        vertex("owner", "user", "with_group", "group"),
        filters={"computer": {"label": "localhost"}},
        project={"owner": ["email"], "input": ["label"]},
        distinct=True,
    )
    assert sorted(rows(storage, description)) == [("d1", "alice@x"), ("d2", "alice@x")]


# -- outer joins ---------------------------------------------------------------------------------


def test_outer_key_join_keeps_unmatched_rows(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("n"),
        vertex("c", "computer", "with_node", "n", outer=True),
        project={"n": ["label"], "c": ["label"]},
        order_by=[{"n": ["id"]}],
    )
    assert rows(storage, description) == [
        ("d1", None),
        ("d2", None),
        ("calc", "localhost"),
        ("out", None),
        ("lone", None),
    ]
    inner = query(vertex("n"), vertex("c", "computer", "with_node", "n"), project={"n": ["label"]})
    assert rows(storage, inner) == [("calc",)]


def test_outer_join_filters_go_into_where(storage: SqlDosBackend, graph: Graph) -> None:
    """AiiDA's semantics: filters of an outer-joined vertex and edge select rows after the join,
    so a left row without a match fails them; without such filters it stays, with NULLs."""
    description = query(
        vertex("n"),
        vertex("o", "node", "with_incoming", "n", edge="e", outer=True),
        filters={"n": {"label": {"in": ["d1", "calc"]}}, "o": {"label": "out"}, "e": {"type": "create"}},
        project={"n": ["label"], "o": ["label"], "e": ["label"]},
        order_by=[{"n": ["id"]}],
    )
    assert rows(storage, description) == [("calc", "out", "result")]
    unfiltered = query(
        vertex("n"),
        vertex("o", "node", "with_incoming", "n", edge="e", outer=True),
        filters={"n": {"label": {"in": ["lone", "calc"]}}},
        project={"n": ["label"], "o": ["label"]},
        order_by=[{"n": ["id"]}],
    )
    assert rows(storage, unfiltered) == [("calc", "out"), ("lone", None)]


def test_outer_key_join_filter_goes_into_where(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("n"),
        vertex("c", "computer", "with_node", "n", outer=True),
        filters={"c": {"label": "localhost"}},
        project={"n": ["label"]},
    )
    assert rows(storage, description) == [("calc",)]


def test_outer_link_join_gives_one_null_row_and_none_for_star(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("n"),
        vertex("o", "node", "with_incoming", "n", edge="e", outer=True),
        filters={"n": {"label": {"in": ["calc", "out"]}}},
        project={"n": ["label"], "o": ["*"], "e": ["*"]},
        order_by=[{"n": ["id"]}],
    )
    found = rows(storage, description)
    assert [(row[0], row[1] is None, row[2] is None) for row in found] == [
        ("calc", False, False),
        ("out", True, True),
    ]
    assert found[0][2]["label"] == "result"


def test_outer_group_membership(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("g", "group"),
        vertex("n", "node", "with_group", "g", edge="m", outer=True),
        project={"g": ["label"], "n": ["label"], "m": ["dbnode_id"]},
    )
    assert sorted(rows(storage, description), key=str) == [
        ("empty", None, None),
        ("full", "d1", graph.d1),
        ("full", "d2", graph.d2),
    ]


def test_outer_recursive_join(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("n"),
        vertex("a", "node", "with_descendants", "n", edge="e", outer=True),
        filters={"n": {"label": {"in": ["d1", "calc"]}}},
        project={"n": ["label"], "a": ["label"], "e": ["depth"]},
    )
    assert sorted(rows(storage, description), key=str) == [
        ("calc", "d1", 0),
        ("calc", "d2", 0),
        ("d1", None, None),
    ]


# -- edges ---------------------------------------------------------------------------------------


def test_link_edge_filters_and_projections(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("c"),
        vertex("i", "node", "with_outgoing", "c", edge="link"),
        filters={"link": {"type": "input_calc", "label": {"like": "%"}}},
        project={"i": ["label"], "link": ["id", "input_id", "output_id", "label", "type"]},
        order_by=[{"link": [{"label": {"order": "desc"}}]}],
    )
    found = rows(storage, description)
    assert [(row[0], row[2], row[3], row[4], row[5]) for row in found] == [
        ("d2", graph.d2, graph.calc, "y", "input_calc"),
        ("d1", graph.d1, graph.calc, "x", "input_calc"),
    ]
    assert all(isinstance(row[1], int) for row in found)
    path = (vertex("c"), vertex("o", "node", "with_incoming", "c", edge="l"))
    (only,) = rows(storage, query(*path, filters={"c": {"label": "calc"}}, project={"l": ["*"]}))
    assert list(only[0]) == ["id", "input_id", "output_id", "label", "type"]
    assert only[0]["type"] == "create"
    flat = query(*path, filters={"c": {"label": "calc"}}, project={"l": ["**"]})
    assert rows(storage, flat) == [tuple(only[0].values())]


def test_edge_projections_follow_their_vertex(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("i"),
        vertex("c", "node", "with_incoming", "i", edge="i--c"),
        vertex("o", "node", "with_incoming", "c", edge="c--o"),
        filters={"i": {"label": "d1"}},
        project={"c--o": ["label"], "o": ["label"], "i--c": ["label"], "c": ["label"], "i": ["label"]},
    )
    assert rows(storage, description) == [("d1", "calc", "x", "out", "result")]


def test_membership_edge(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("n"),
        vertex("g", "group", "with_node", "n", edge="m"),
        filters={"m": {"dbnode_id": graph.d2}},
        project={"g": ["label"], "m": ["dbgroup_id", "dbnode_id"]},
    )
    assert rows(storage, description) == [("full", graph.full, graph.d2)]


# -- filters -------------------------------------------------------------------------------------


def labels(storage: SqlDosBackend, filters: dict[str, Any]) -> list[str]:
    description = query(
        vertex("n"), filters={"n": filters}, project={"n": ["label"]}, order_by=[{"n": ["id"]}]
    )
    return [row[0] for row in storage.query_rows(description)]


def test_filters_on_columns_and_aliases(storage: SqlDosBackend, graph: Graph) -> None:
    assert labels(storage, {"label": "calc"}) == ["calc"]
    assert labels(storage, {"pk": graph.out}) == ["out"]
    assert labels(storage, {"id": {">": graph.calc}}) == ["out", "lone"]
    assert labels(storage, {"user": graph.bob}) == ["calc", "out"]
    assert labels(storage, {"computer": graph.local}) == ["calc"]
    assert labels(storage, {"process_type": None}) == ["d1", "d2", "out", "lone"]
    assert labels(storage, {"label": {"!in": ["d1", "d2"]}}) == ["calc", "out", "lone"]
    assert labels(storage, {"label": {"~like": "d%"}, "node_type": INT}) == ["out"]
    assert labels(storage, {"label": {">=": "d", "<": "e"}}) == ["d1", "d2"]
    assert labels(storage, {"attributes.value": {">": 3}}) == ["d2", "out"]


def test_logical_filters(storage: SqlDosBackend, graph: Graph) -> None:
    assert labels(storage, {"or": [{"label": "d1"}, {"label": "out"}]}) == ["d1", "out"]
    assert labels(storage, {"and": [{"node_type": INT}, {"label": {"like": "d%"}}]}) == ["d1", "d2"]
    assert labels(storage, {"~or": [{"label": "d1"}, {"node_type": INT}]}) == ["calc", "lone"]
    assert labels(storage, {"!and": [{"node_type": INT}, {"label": {"like": "d%"}}]}) == [
        "calc",
        "out",
        "lone",
    ]
    assert labels(storage, {"label": {"or": [{"==": "d1"}, {"==": "lone"}]}}) == ["d1", "lone"]
    assert labels(storage, {"label": {"and": [{"like": "%o%"}, {"!==": "lone"}]}}) == ["out"]
    assert labels(storage, {"label": {"~or": [{"==": "d1"}, {"like": "%o%"}]}}) == ["d2", "calc"]
    assert labels(storage, {"or": []}) == ["d1", "d2", "calc", "out", "lone"]
    assert labels(storage, {"label": {}}) == ["d1", "d2", "calc", "out", "lone"]


def test_conditions_every_row_meets_leave_no_sql_but_keep_their_negations(
    storage: SqlDosBackend, graph: Graph
) -> None:
    """AiiDA's ``node_type LIKE '%'`` (the base Node class) costs nothing, and still negates to nothing."""
    everything = ["d1", "d2", "calc", "out", "lone"]
    assert labels(storage, {"node_type": {"like": "%"}}) == everything
    assert labels(storage, {"node_type": {"ilike": "%%"}, "label": {"like": "d%"}}) == ["d1", "d2"]
    assert labels(storage, {"node_type": {"!like": "%"}}) == []
    assert labels(storage, {"~and": [{"node_type": {"like": "%"}}]}) == []
    assert labels(storage, {"~or": [{"node_type": {"like": "%"}}, {"label": "d1"}]}) == []
    assert labels(storage, {"or": [{"node_type": {"like": "%"}}, {"label": "d1"}]}) == everything
    assert labels(storage, {"process_type": {"like": "%"}}) == ["calc"]  # nullable: NULL does not match
    text = storage.query_sql(query(vertex("n"), filters={"n": {"node_type": {"like": "%"}, "label": "d1"}}))
    assert "LIKE" not in text
    assert "IS NOT NULL" not in text  # label and node_type are NOT NULL: no guards either


def test_ancestors_of_one_node_start_from_its_links(storage: SqlDosBackend, graph: Graph) -> None:
    """A pk filter (and the base Node class's type filter) on the start goes onto the walk's seed links."""
    description = query(
        vertex("start"),
        vertex("a", "node", "with_descendants", "start"),
        filters={"start": {"node_type": {"like": "%"}, "id": graph.out}},
        project={"a": ["id"]},
    )
    assert ids_of(storage, description) == sorted([graph.d1, graph.d2, graph.calc])
    seed = storage.query_sql(description).split("UNION")[0]
    assert "db_dbnode" not in seed


def test_count_is_a_plain_count_without_a_window(storage: SqlDosBackend, graph: Graph) -> None:
    from provgraph.storage.sql.querybuilder.compiler import compile_count, render_sql

    dialect = storage.sql.engine.dialect
    plain = render_sql(compile_count(query(vertex("n"), filters={"n": {"label": "d1"}}), dialect), dialect)
    assert plain.startswith("SELECT count(*)")
    assert "counted" not in plain
    windowed = render_sql(compile_count(query(vertex("n"), limit=2), dialect), dialect)
    assert "counted" in windowed


JSON_VALUES: list[Any] = [
    "text", 5, 5.0, -0.5, True, False, None, [1, "a", [True]], {"k": [None, 1.5]}, [], {},
    2**53, -(2**63), 2**63 - 1, 2**63, -(2**63) - 1, 2**70, "[1]", "{}", "true", "5",
]  # fmt: skip


@pytest.mark.parametrize("batch_size", [1, 2, 3, 1000])
def test_json_projections_keep_every_type_in_every_batch(storage: SqlDosBackend, batch_size: int) -> None:
    """JSON values come back as their Python values whatever else their batch holds.

    Batches of one type convert in one go, mixed ones value by value; integers beyond 64 bits
    stay exact; an absent key and JSON null are both None.
    """
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "j@x"}], allow_defaults=True)[0]
    documents: list[dict[str, Any]] = [{"v": value} for value in JSON_VALUES] + [{}, {"v": "last"}]
    node_rows = [_node(user, f"n{index}", DICT, doc) for index, doc in enumerate(documents)]
    storage.bulk_insert(EntityTypes.NODE, node_rows, allow_defaults=True)
    description = query(
        vertex("n"),
        project={"n": ["attributes.v", {"attributes.v": {"cast": "j"}}, "label"]},
        order_by=[{"n": ["id"]}],
    )
    found = list(storage.query_rows(description, batch_size=batch_size))
    expected = [(doc.get("v"), doc.get("v"), f"n{index}") for index, doc in enumerate(documents)]
    assert found == expected
    assert [tuple(map(type, row)) for row in found] == [tuple(map(type, row)) for row in expected]
    grouped = query(vertex("n"), project={"n": [{"attributes.v": {"func": "count"}}]})
    assert rows(storage, grouped) == [(len(documents) - 1,)]  # present values, JSON null included


def test_filters_on_several_tags(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("i"),
        vertex("c", "node", "with_incoming", "i"),
        vertex("u", "user", "with_node", "i"),
        filters={"u": {"email": "alice@x"}, "c": {"node_type": CALC}, "i": {"attributes.value": {"<": 3}}},
        project={"i": ["label"]},
    )
    assert rows(storage, description) == [("d1",)]


# -- projections ---------------------------------------------------------------------------------


def test_star_gives_the_row_dict_of_get_rows(storage: SqlDosBackend, graph: Graph) -> None:
    for base, entity_type, pk in [
        ("node", EntityTypes.NODE, graph.lone),
        ("group", EntityTypes.GROUP, graph.full),
        ("computer", EntityTypes.COMPUTER, graph.local),
        ("user", EntityTypes.USER, graph.alice),
        ("comment", EntityTypes.COMMENT, graph.comment),
        ("log", EntityTypes.LOG, graph.log),
        ("authinfo", EntityTypes.AUTHINFO, graph.authinfo),
    ]:
        (row,) = rows(storage, query(vertex("x", base), filters={"x": {"id": pk}}, project={"x": ["*"]}))
        expected = storage.get_rows(entity_type, {"id": pk})[0]
        assert dict(row[0]) == dict(expected)
        assert set(row[0]) == set(ENTITY_TABLES[entity_type].c.keys())


def test_star_values_have_python_types(storage: SqlDosBackend, graph: Graph) -> None:
    (row,) = rows(storage, query(vertex("x"), filters={"x": {"id": graph.d1}}))
    node = row[0]
    assert node["attributes"] == {"value": 1}
    assert isinstance(node["uuid"], str)
    assert len(node["uuid"]) == 36
    assert node["ctime"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert node["ctime"].tzinfo is not None


def test_nothing_projected_means_star_of_the_last_vertex(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("i"), vertex("c", "node", "with_incoming", "i"), filters={"i": {"id": graph.d1}}
    )
    (row,) = rows(storage, description)
    assert len(row) == 1
    assert row[0]["id"] == graph.calc


def test_double_star_flattens_columns_in_table_order(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(vertex("x"), filters={"x": {"id": graph.d1}}, project={"x": ["id", "**", "label"]})
    (row,) = rows(storage, description)
    expected = storage.get_rows(EntityTypes.NODE, {"id": graph.d1})[0]
    names = nodes.c.keys()
    assert row == (graph.d1, *(expected[name] for name in names), "d1")
    assert len(row) == 15


def test_column_projections_with_aliases(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("x"),
        filters={"x": {"id": graph.calc}},
        project={"x": ["pk", "user", "computer", "uuid", {"ctime": {}}, "attributes", "extras"]},
    )
    (row,) = rows(storage, description)
    assert row[:3] == (graph.calc, graph.bob, graph.local)
    assert isinstance(row[3], str)
    assert row[4].tzinfo is not None
    assert row[5:] == ({"sealed": True}, {})
    aliases = query(vertex("c", "comment"), project={"c": ["node", "user", "pk"]})
    assert rows(storage, aliases) == [(graph.calc, graph.alice, graph.comment)]
    auth = query(vertex("a", "authinfo"), project={"a": ["user", "computer"]})
    assert rows(storage, auth) == [(graph.alice, graph.local)]


def test_json_projections_and_casts(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("x"),
        filters={"x": {"id": graph.lone}},
        project={
            "x": [
                "attributes.a",
                "attributes.a.b",
                {"attributes.f": {"cast": "f"}},
                {"attributes.a.b": {"cast": "t"}},
                "attributes.missing",
                "extras.tag",
                {"attributes.a": {"cast": "j"}},
            ]
        },
    )
    (row,) = rows(storage, description)
    assert row[0] == {"b": "x"}
    assert row[1] == "x"
    assert row[2] == pytest.approx(2.5)
    assert isinstance(row[2], float)
    assert row[3] == "x"
    assert row[4] is None
    assert row[5] == "t"
    assert row[6] == {"b": "x"}
    cast_int = query(
        vertex("x"), filters={"x": {"node_type": INT}}, project={"x": [{"attributes.value": {"cast": "i"}}]}
    )
    assert ids_of(storage, cast_int) == [1, 5, 6]


def test_aggregate_functions(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("x"),
        filters={"x": {"node_type": INT}},
        project={
            "x": [
                {"id": {"func": "count"}},
                {"id": {"func": "max"}},
                {"id": {"func": "min"}},
                {"attributes.value": {"func": "max", "cast": "i"}},
                {"attributes.value": {"func": "min", "cast": "i"}},
                {"ctime": {"func": "min"}},
            ]
        },
    )
    ((count, largest, smallest, max_value, min_value, earliest),) = rows(storage, description)
    assert (count, largest, smallest, max_value, min_value) == (3, graph.out, graph.d1, 6, 1)
    assert earliest == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert storage.query_count(description) == 1


# -- order, limit, offset, distinct, count -------------------------------------------------------


def test_order_limit_offset(storage: SqlDosBackend, graph: Graph) -> None:
    def ordered(order: list[dict[str, Any]], **window: Any) -> list[str]:
        return [
            row[0]
            for row in rows(storage, query(vertex("n"), project={"n": ["label"]}, order_by=order, **window))
        ]

    assert ordered([{"n": [{"id": {"order": "desc"}}]}]) == ["lone", "out", "calc", "d2", "d1"]
    assert ordered([{"n": ["label"]}]) == ["calc", "d1", "d2", "lone", "out"]
    assert ordered([{"n": ["user", {"label": {"order": "desc"}}]}]) == ["lone", "d2", "d1", "out", "calc"]
    assert ordered([{"n": ["id"]}], limit=2) == ["d1", "d2"]
    assert ordered([{"n": ["id"]}], limit=2, offset=3) == ["out", "lone"]
    assert ordered([{"n": ["id"]}], offset=4) == ["lone"]
    assert ordered([{"n": ["id"]}], limit=0) == []


def test_order_by_json_path_and_nullable_columns(storage: SqlDosBackend, graph: Graph) -> None:
    by_value = query(
        vertex("n"),
        filters={"n": {"node_type": INT}},
        project={"n": ["label"]},
        order_by=[{"n": [{"attributes.value": {"order": "desc", "cast": "i"}}]}],
    )
    assert rows(storage, by_value) == [("out",), ("d2",), ("d1",)]
    # NULLs sort last ascending and first descending on both dialects.
    ascending = query(vertex("n"), project={"n": ["label"]}, order_by=[{"n": ["computer", "id"]}])
    assert [row[0] for row in rows(storage, ascending)] == ["calc", "d1", "d2", "out", "lone"]
    descending = query(
        vertex("n"), project={"n": ["label"]}, order_by=[{"n": [{"computer": {"order": "desc"}}, "id"]}]
    )
    assert [row[0] for row in rows(storage, descending)] == ["d1", "d2", "out", "lone", "calc"]


def test_distinct_and_count(storage: SqlDosBackend, graph: Graph) -> None:
    repeated = query(
        vertex("i"),
        vertex("c", "node", "with_incoming", "i"),
        filters={"c": {"node_type": CALC}},
        project={"c": ["id"]},
    )
    assert rows(storage, repeated) == [(graph.calc,), (graph.calc,)]
    assert storage.query_count(repeated) == 2
    unique = {**repeated, "distinct": True}
    assert rows(storage, unique) == [(graph.calc,)]
    assert storage.query_count(unique) == 1
    everything = query(vertex("n"))
    assert storage.query_count(everything) == 5
    assert storage.query_count({**everything, "limit": 2}) == 2
    assert storage.query_count({**everything, "offset": 4}) == 1
    assert storage.query_count({**everything, "limit": 3, "offset": 3}) == 2
    assert storage.query_count(query(vertex("n"), filters={"n": {"label": "none"}})) == 0


def test_distinct_ordered_by_projected_fields(storage: SqlDosBackend, graph: Graph) -> None:
    """PostgreSQL sorts DISTINCT rows only by selected expressions: JSON sort keys ride along hidden."""
    ints = {"n": {"node_type": INT}}
    by_value = query(
        vertex("n"),
        filters=ints,
        project={"n": [{"attributes.value": {"cast": "i"}}]},
        order_by=[{"n": [{"attributes.value": {"order": "desc", "cast": "i"}}]}],
        distinct=True,
    )
    assert rows(storage, by_value) == [(6,), (5,), (1,)]
    by_user = query(
        vertex("n"), project={"n": ["user"]}, order_by=[{"n": [{"user": {"order": "desc"}}]}], distinct=True
    )
    assert rows(storage, by_user) == [(graph.bob,), (graph.alice,)]
    whole = query(
        vertex("n"),
        filters=ints,
        project={"n": ["*"]},
        order_by=[{"n": [{"label": {"order": "desc"}}]}],
        distinct=True,
    )
    assert [row[0]["label"] for row in rows(storage, whole)] == ["out", "d2", "d1"]
    covered = query(
        vertex("n"),
        filters=ints,
        project={"n": ["attributes"]},
        order_by=[{"n": [{"attributes.value": {"cast": "f"}}]}],
        distinct=True,
    )
    assert rows(storage, covered) == [({"value": 1},), ({"value": 5},), ({"value": 6},)]
    assert storage.query_count(covered) == 3


def test_compiled_queries_are_reused_but_results_are_not(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(vertex("n"), filters={"n": {"user": graph.bob}}, project={"n": ["label"]})
    assert rows(storage, description) == [("calc",), ("out",)]
    storage.bulk_insert(EntityTypes.NODE, [{"user_id": graph.bob, "label": "new"}], allow_defaults=True)
    assert sorted(rows(storage, description)) == [("calc",), ("new",), ("out",)]
    # True equals 1 in Python, but is no pk: the cache must tell them apart.
    by_pk = query(vertex("n"), filters={"n": {"id": graph.d1}}, project={"n": ["id"]})
    assert rows(storage, by_pk) == [(graph.d1,)]
    with pytest.raises(InputValidationError):
        storage.query_rows(query(vertex("n"), filters={"n": {"id": True}}, project={"n": ["id"]}))


# -- execution -----------------------------------------------------------------------------------


def test_rows_stream_in_batches_and_early_break_releases_the_connection(storage: SqlDosBackend) -> None:
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "s@x"}], allow_defaults=True)[0]
    storage.bulk_insert(
        EntityTypes.NODE, [{"user_id": user, "label": f"n{i}"} for i in range(250)], allow_defaults=True
    )
    description = query(vertex("n"), project={"n": ["id", "*"]}, order_by=[{"n": ["id"]}])
    assert len(list(storage.query_rows(description, batch_size=7))) == 250
    pool = storage.sql.engine.pool
    for seen, _row in enumerate(storage.query_rows(description, batch_size=10), start=1):
        if seen == 15:
            break
    gc.collect()
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    storage.bulk_insert(EntityTypes.NODE, [{"user_id": user, "label": "late"}], allow_defaults=True)
    assert storage.query_count(description) == 251
    stream = storage.query_rows(description, batch_size=5)
    next(stream)
    stream.close()
    assert pool.checkedout() == 0  # type: ignore[attr-defined]
    with storage.transaction():
        storage.bulk_insert(EntityTypes.NODE, [{"user_id": user, "label": "in-tx"}], allow_defaults=True)
    assert storage.query_count(description) == 252


def test_large_results_stream_through_a_server_side_cursor(storage: SqlDosBackend, graph: Graph) -> None:
    """On PostgreSQL rows come through a named cursor, batch by batch; a small limit skips it."""
    ids = query(vertex("n"), project={"n": ["id"]}, order_by=[{"n": ["id"]}])
    one = query(vertex("n"), project={"n": ["id"]}, order_by=[{"n": ["id"]}], limit=1)
    with storage.transaction() as connection:  # the query runs on this connection: it sees its cursors
        streamed = storage.query_rows(ids, batch_size=2)
        first = next(streamed)
        open_while_streaming = _open_cursors(connection)
        rows = [first, *streamed]
        limited = storage.query_rows(one, batch_size=2)
        first_of_one = next(limited)
        open_while_limited = _open_cursors(connection)
        rest_of_one = list(limited)
    assert rows == [(pk,) for pk in sorted((graph.d1, graph.d2, graph.calc, graph.out, graph.lone))]
    assert [first_of_one, *rest_of_one] == rows[:1]
    if storage.sql.engine.dialect.name == "postgresql":
        assert open_while_streaming == 1
        assert open_while_limited == 0


def _open_cursors(connection: Any) -> int:
    if connection.dialect.name != "postgresql":
        return 0
    count: int = connection.exec_driver_sql("SELECT count(*) FROM pg_cursors").scalar_one()
    return count


def test_writes_while_a_stream_is_open(storage: SqlDosBackend) -> None:
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "s@x"}], allow_defaults=True)[0]
    storage.bulk_insert(
        EntityTypes.NODE, [{"user_id": user, "label": f"n{i}"} for i in range(30)], allow_defaults=True
    )
    description = query(vertex("n"), project={"n": ["id"]}, order_by=[{"n": ["id"]}])
    stream = storage.query_rows(description, batch_size=4)
    first = next(stream)
    storage.bulk_update(EntityTypes.NODE, [{"id": first[0], "label": "changed"}])
    assert len(list(stream)) == 29
    assert storage.get_rows(EntityTypes.NODE, {"id": first[0]})[0]["label"] == "changed"


def test_a_query_inside_a_transaction_sees_its_rows(storage: SqlDosBackend) -> None:
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "s@x"}], allow_defaults=True)[0]
    description = query(vertex("n"), project={"n": ["label"]})
    with storage.transaction():
        storage.bulk_insert(EntityTypes.NODE, [{"user_id": user, "label": "pending"}], allow_defaults=True)
        assert list(storage.query_rows(description)) == [("pending",)]
        assert storage.query_count(description) == 1
        storage.bulk_insert(EntityTypes.NODE, [{"user_id": user, "label": "more"}], allow_defaults=True)
    assert storage.query_count(description) == 2


def test_validation_happens_when_query_rows_is_called(storage: SqlDosBackend) -> None:
    with pytest.raises(InputValidationError, match="unknown tag"):
        storage.query_rows(query(vertex("n"), filters={"m": {"id": 1}}))
    with pytest.raises(InputValidationError, match="batch_size"):
        storage.query_rows(query(vertex("n")), batch_size=0)


def test_query_sql(storage: SqlDosBackend, graph: Graph) -> None:
    description = query(
        vertex("i"),
        vertex("a", "node", "with_descendants", "i", edge="e"),
        filters={"i": {"label": "out"}, "e": {"depth": {"<": 4}}},
        project={"a": ["label"], "e": ["depth"]},
        limit=3,
    )
    text = storage.query_sql(description)
    assert text.startswith("WITH RECURSIVE")
    assert "'out'" not in text
    inline = storage.query_sql(description, inline=True)
    assert "'out'" in inline
    assert "input_calc" in inline


# -- validation ----------------------------------------------------------------------------------

BAD_QUERIES: list[tuple[dict[str, Any], str]] = [
    ({"path": []}, "non-empty list"),
    ({"path": [{"orm_base": "node"}]}, "non-empty str 'tag'"),
    (query(vertex("n", "group_node")), "orm_base 'group_node'"),
    (query(vertex("l", "link"), vertex("n", "node", "with_incoming", "l")), "link"),
    (query(vertex("n"), vertex("n", "user", "with_node", "n")), "used twice"),
    (query(vertex("n"), vertex("m", "node", "with_incoming", "x")), "earlier vertex"),
    (query(vertex("n"), vertex("m", "node", "with_incoming", "m")), "earlier vertex"),
    (query(vertex("n"), vertex("m", "node", "with_friends", "n")), "valid keywords for a node"),
    (query(vertex("n"), vertex("m", "node", None, "n")), "cannot be joined with None"),
    (query(vertex("u", "user"), vertex("m", "node", "with_incoming", "u")), "but the joined tag is a user"),
    (query(vertex("n"), vertex("g", "group", "with_group", "n")), "valid keywords for a group"),
    (query(vertex("n"), vertex("c", "computer", "with_user", "n")), "valid keywords for a computer"),
    (query(vertex("n", "node", "with_incoming", "n")), "first vertex"),
    (query(vertex("n"), vertex("m", "node", "with_incoming", "n", edge="n", outer=True)), "used twice"),
    (query({**vertex("n"), "outerjoin": "yes"}), "outerjoin must be a bool"),
    (query(vertex("n"), filters={"x": {"id": 1}}), "unknown tag 'x'"),
    (query(vertex("n"), project={"x": ["id"]}), "unknown tag 'x'"),
    (query(vertex("n"), order_by=[{"x": ["id"]}]), "unknown tag 'x'"),
    (query(vertex("n"), filters={"n": {"colour": 1}}), "no field 'colour'.*uuid"),
    (query(vertex("n"), project={"n": ["colour"]}), "no field 'colour'"),
    (query(vertex("n"), order_by=[{"n": ["colour"]}]), "no field 'colour'"),
    (query(vertex("u", "user"), filters={"u": {"attributes.x": 1}}), "user has no field 'attributes'"),
    (query(vertex("n"), filters={"n": {"label.x": 1}}), "does not hold JSON"),
    (query(vertex("n"), project={"n": ["uuid.x"]}), "does not hold JSON"),
    (query(vertex("n"), project={"n": ["attributes..x"]}), "empty key"),
    (query(vertex("n"), project={"n": [{"id": {"cast": "x"}}]}), "cast 'x'"),
    (query(vertex("n"), project={"n": [{"id": {"func": "sum"}}]}), "func 'sum'"),
    (query(vertex("n"), project={"n": [{"id": {"colour": 1}}]}), "unknown keys"),
    (query(vertex("n"), project={"n": [{"*": {"func": "count"}}]}), "neither"),
    (query(vertex("n"), project={"n": [{"attributes.x": {"func": "max"}}]}), "needs a 'cast'"),
    (query(vertex("n"), project={"n": [{"id": {"func": "count"}}, "label"]}), "aggregates"),
    (query(vertex("n"), project={"n": "id"}), "must be a list"),
    (query(vertex("n"), order_by=[{"n": [{"id": {"order": "up"}}]}]), "order 'up'"),
    (query(vertex("n"), order_by=[{"n": [{"id": {"cast": "q"}}]}]), "cast 'q'"),
    (query(vertex("n"), order_by=[{"n": ["*"]}]), "not '\\*'"),
    (query(vertex("n"), order_by=["id"]), "each entry"),  # type: ignore[list-item]
    (query(vertex("n"), project={"n": ["id"]}, order_by=[{"n": ["label"]}], distinct=True), "distinct"),
    (
        query(
            vertex("n"),
            project={"n": [{"attributes.x": {"cast": "i"}}]},
            order_by=[{"n": [{"attributes.x": {"cast": "f"}}]}],
            distinct=True,
        ),
        "distinct",
    ),
    (query(vertex("n"), limit=-1), "'limit' must be a non-negative int"),
    (query(vertex("n"), offset=1.5), "'offset' must be a non-negative int"),  # type: ignore[arg-type]
    ({**query(vertex("n")), "limit": True}, "'limit'"),
    ({**query(vertex("n")), "distinct": "yes"}, "'distinct' must be a bool"),
    (query(vertex("n"), filters={"n": {"or": {"id": 1}}}), "'or' takes a list"),
    (query(vertex("n"), filters={"n": {"id": {"and": [1]}}}), "must be dicts"),
    (query(vertex("n"), filters={"n": ["id"]}), "filters must be a dict"),
    (
        query(vertex("n"), vertex("u", "user", "with_node", "n", edge="n--u"), filters={"n--u": {"id": 1}}),
        "no edge",
    ),
    (
        query(vertex("n"), vertex("u", "user", "with_node", "n", edge="n--u"), project={"n--u": ["id"]}),
        "no edge",
    ),
    (
        query(vertex("n"), vertex("m", "node", "with_incoming", "n", edge="e"), filters={"e": {"depth": 1}}),
        "link has no",
    ),
    (
        query(vertex("n"), vertex("m", "node", "with_ancestors", "n", edge="e"), project={"e": ["path"]}),
        "'depth'",
    ),
    (
        query(vertex("n"), vertex("g", "group", "with_node", "n", edge="e"), project={"e": ["label"]}),
        "dbgroup_id",
    ),
]


@pytest.mark.parametrize(("description", "message"), BAD_QUERIES, ids=[case[1] for case in BAD_QUERIES])
def test_invalid_descriptions_are_refused_before_any_sql(
    storage: SqlDosBackend, description: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputValidationError, match=message):
        storage.query_rows(description)
    with pytest.raises(InputValidationError, match=message):
        storage.query_count(description)
    with pytest.raises(InputValidationError, match=message):
        storage.query_sql(description)


@pytest.mark.parametrize("batch_size", [1, 3, 1000])
def test_sorted_json_projections_come_in_order_with_every_type(
    storage: SqlDosBackend, batch_size: int
) -> None:
    """A sorted one-vertex query projecting JSON: on SQLite the ids are sorted alone and each row
    read by id after (``SqlDialect.rows_after_sorted_keys``); the rows, their order, types,
    ties, windows and directions are those of sorting the projected rows themselves."""
    user = storage.bulk_insert(EntityTypes.USER, [{"email": "s@x"}], allow_defaults=True)[0]
    documents: list[dict[str, Any]] = [{"v": value} for value in JSON_VALUES] + [{}]
    labels = [f"l{index % 4}" for index in range(len(documents))]  # ties, broken by id
    node_rows = [_node(user, label, DICT, doc) for label, doc in zip(labels, documents, strict=True)]
    ids = storage.bulk_insert(EntityTypes.NODE, node_rows, allow_defaults=True)
    by_id = {pk: (doc.get("v"), label) for pk, doc, label in zip(ids, documents, labels, strict=True)}
    for descending in (False, True):
        ordered = sorted(ids, key=lambda pk: (by_id[pk][1], pk), reverse=descending)
        direction = "desc" if descending else "asc"
        order = [{"n": [{"label": {"order": direction}}, {"id": {"order": direction}}]}]
        for limit, offset in ((None, None), (5, None), (None, 7), (4, 3)):
            description = query(
                vertex("n"),
                project={"n": ["id", "attributes.v", "label"]},
                order_by=order,
                limit=limit,
                offset=offset,
            )
            found = list(storage.query_rows(description, batch_size=batch_size))
            window = ordered[offset or 0 :][:limit] if limit is not None else ordered[offset or 0 :]
            expected = [(pk, *by_id[pk]) for pk in window]
            assert found == expected, (direction, limit, offset)
            assert [tuple(map(type, row)) for row in found] == [tuple(map(type, row)) for row in expected]
    sorted_by_text = query(vertex("n"), project={"n": ["attributes.v"]}, order_by=[{"n": ["description"]}])
    if storage.sql.dialect.name == "sqlite":
        assert "CROSS JOIN" in storage.query_sql(sorted_by_text)
        plan = storage.query_plan(sorted_by_text)
        assert plan.count("TEMP B-TREE") == 1, plan  # the ids are sorted (no index), the rows never are
        assert "TEMP B-TREE" not in plan.split("SCAN ordered")[1], plan
    else:
        assert "CROSS JOIN" not in storage.query_sql(sorted_by_text)


def test_sorted_queries_that_gain_nothing_sort_their_rows_directly(storage: SqlDosBackend) -> None:
    """No id-first plan where the order is the id's own, nothing JSON is projected, or the query
    joins, aggregates or is distinct."""
    by_label = [{"n": ["label"]}]
    plain = [
        query(vertex("n"), project={"n": ["attributes.v"]}, order_by=[{"n": ["id"]}]),
        query(vertex("n"), project={"n": ["label", "ctime"]}, order_by=[{"n": ["ctime"]}]),
        query(vertex("n"), project={"n": ["attributes.v", "label"]}, order_by=by_label, distinct=True),
        query(
            vertex("n"),
            vertex("u", "user", "with_node", "n"),
            project={"n": ["attributes.v"]},
            order_by=by_label,
        ),
        query(vertex("n"), project={"n": [{"attributes.v": {"func": "count"}}]}, order_by=by_label),
    ]
    for description in plain:
        assert "CROSS JOIN" not in storage.query_sql(description)
