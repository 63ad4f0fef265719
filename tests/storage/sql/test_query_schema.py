"""The query schema and the SQL compiler cannot drift apart, and every word of the schema runs.

``provgraph.storage.query_schema`` declares the vocabulary of a query description; the frontend
validates with it and the SQL compiler keys its SQL by it. These tests check both directions
(the compiler has SQL for every schema item, and for nothing else), then run every relationship
keyword, operator (plain and negated), logical key, cast, projection function and ordering
keyword on SQLite and PostgreSQL, against real databases.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from tests.storage.sql import qb_reference as ref
from tests.storage.sql.descriptions import vertex
from tests.storage.sql.module_storage import open_storage

from provgraph import orm
from provgraph.exceptions import InputValidationError
from provgraph.orm import QueryBuilder
from provgraph.orm.querybuilder.normalise import normalise_filters, normalise_order_by, normalise_projections
from provgraph.orm.querybuilder.path import edge_kind, joined_base
from provgraph.storage import EntityTypes
from provgraph.storage import query_schema as schema
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.querybuilder.entities import (
    BASE_TABLES,
    EDGE_SHAPES,
    ENTITY_SHAPES,
    GROUP_NODES,
    LINKS,
)
from provgraph.storage.sql.querybuilder.json_projection import compile_json_projection
from provgraph.storage.sql.querybuilder.operators import OPERATOR_SQL
from provgraph.storage.sql.querybuilder.projections import AGGREGATES
from provgraph.storage.sql.querybuilder.relationships import JOIN_COLUMNS, RELATIONSHIPS

BACKENDS = ["core.sqlite_dos", pytest.param("core.psql_dos", marks=pytest.mark.requires_psql)]
INT = "data.core.int.Int."
CALC = "process.calculation.calcfunction.CalcFunctionNode."

# -- the compiler has SQL for every schema item, and for nothing else -----------------------------


def test_every_relationship_has_join_columns_and_no_others() -> None:
    keys = {(item.appended, item.keyword) for item in schema.RELATIONSHIPS}
    assert len(keys) == len(schema.RELATIONSHIPS), "a relationship is declared twice"
    assert set(JOIN_COLUMNS) == keys
    assert set(RELATIONSHIPS) == {(appended.value, keyword) for appended, keyword in keys}


def test_join_columns_exist_on_the_tables_they_name() -> None:
    edge_tables = {"link": LINKS, "ancestry": LINKS, "membership": GROUP_NODES}
    for relationship in RELATIONSHIPS.values():
        if relationship.kind == "key":
            assert relationship.appended_column in BASE_TABLES[relationship.appended].c
            assert relationship.joined_column in BASE_TABLES[relationship.joined].c
        else:
            edge = edge_tables[relationship.kind]
            assert {relationship.appended_column, relationship.joined_column} <= set(edge.c.keys())


def test_every_operator_has_sql_and_no_others() -> None:
    assert set(OPERATOR_SQL) == set(schema.OPERATORS)
    for name, operator in schema.OPERATORS.items():
        assert (OPERATOR_SQL[name].column is None) == operator.json_only, name
    assert set(schema.OPERATOR_ALIASES.values()) <= set(schema.OPERATORS)
    assert not set(schema.OPERATOR_ALIASES) & set(schema.OPERATORS)


def test_every_function_has_sql_and_no_others() -> None:
    assert set(AGGREGATES) == set(schema.FUNCTIONS)


def test_every_base_and_edge_has_a_shape_and_no_others() -> None:
    assert set(ENTITY_SHAPES) == set(BASE_TABLES) == {base.value for base in schema.ORM_BASES}
    assert set(EDGE_SHAPES) == {kind.value for kind in schema.EdgeKind}
    joined = {item.joined for item in schema.RELATIONSHIPS} | {item.appended for item in schema.RELATIONSHIPS}
    assert joined == schema.ORM_BASES - schema.STANDALONE_BASES


def test_the_compiler_refuses_a_cast_outside_the_schema() -> None:
    from sqlalchemy.dialects import postgresql, sqlite

    column = BASE_TABLES["node"].c.attributes
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        for cast in schema.CASTS:
            compile_json_projection(column, ("x",), cast, dialect)
        with pytest.raises(InputValidationError, match="unknown cast 'q'"):
            compile_json_projection(column, ("x",), "q", dialect)


def test_parse_operator() -> None:
    assert schema.parse_operator("like") == (schema.OPERATORS["like"], False)
    assert schema.parse_operator("!in") == (schema.OPERATORS["in"], True)
    assert schema.parse_operator("~=>") == (schema.OPERATORS[">="], True)
    assert schema.parse_operator("is") is None
    assert schema.parse_operator(["=="]) is None


# -- the frontend reads the same schema -----------------------------------------------------------


@pytest.mark.parametrize(
    "relationship", schema.RELATIONSHIPS, ids=lambda r: f"{r.appended.value}-{r.keyword}"
)
def test_the_frontend_knows_every_relationship(relationship: schema.Relationship) -> None:
    assert joined_base(relationship.appended, relationship.keyword) is relationship.joined
    assert edge_kind(relationship.appended, relationship.keyword) is relationship.edge_rows


def test_the_frontend_accepts_every_schema_word_and_refuses_others() -> None:
    for spelled in [*schema.OPERATORS, *schema.OPERATOR_ALIASES]:
        for prefix in ("", *schema.NEGATIONS):
            normalise_filters({"label": {prefix + spelled: "x"}}, EntityTypes.NODE, "n")
    for key in schema.LOGICAL_KEYS:
        normalise_filters({key: [{"label": "x"}]}, EntityTypes.NODE, "n")
        normalise_filters({"label": {key: [{"like": "x%"}]}}, EntityTypes.NODE, "n")
    for cast in schema.CASTS:
        normalise_projections({"id": {"cast": cast}}, "n")
        normalise_order_by({"n": {"id": {"cast": cast}}}, str)
    for function in schema.FUNCTIONS:
        normalise_projections({"id": {"func": function}}, "n")
    for order in schema.ORDERS:
        normalise_order_by({"n": {"id": order}}, str)
    with pytest.raises(InputValidationError, match="unknown operator 'is'"):
        normalise_filters({"label": {"is": "x"}}, EntityTypes.NODE, "n")
    with pytest.raises(InputValidationError, match="unknown operator 'is'"):
        normalise_filters({"label": {"or": [{"is": "x"}]}}, EntityTypes.NODE, "n")
    with pytest.raises(InputValidationError, match="takes a list"):
        normalise_filters({"label": {"or": {"like": "x"}}}, EntityTypes.NODE, "n")


def test_an_unknown_operator_is_refused_at_append() -> None:
    qb = QueryBuilder()
    with pytest.raises(InputValidationError, match=r"unknown operator 'is'.*negated by a leading"):
        qb.append(orm.Int, filters={"attributes.value": {"is": 3}})
    assert qb.as_dict()["path"] == []


def test_description_keys_are_the_frontends() -> None:
    assert tuple(QueryBuilder().as_dict()) == schema.DESCRIPTION_KEYS


# -- every word runs on both databases ------------------------------------------------------------

#: The ``x`` attribute of the nodes the operators, casts and functions run on: one of each JSON
#: type, and absent.
DOCUMENTS: dict[str, dict[str, Any]] = {
    "int": {"x": 2},
    "float": {"x": 1.5},
    "true": {"x": True},
    "text": {"x": "abc"},
    "time": {"x": "2024-01-02T03:04:05Z"},
    "list": {"x": [1, "a"]},
    "object": {"x": {"k": 1}},
    "null": {"x": None},
    "absent": {},
}


@dataclass(frozen=True)
class Db:
    storage: SqlDosBackend
    #: Node label -> id, for the nodes of ``DOCUMENTS`` and the provenance nodes.
    ids: dict[str, int]


@pytest.fixture(scope="module", params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    """Every entity type, with at least one pair for every relationship of the schema."""
    storage = open_storage(request, tmp_path_factory.mktemp("query-schema"))
    try:
        user = {"email": "schema@x", "first_name": "", "last_name": "", "institution": ""}
        (user_id,) = storage.bulk_insert(EntityTypes.USER, [user])
        (computer_id,) = storage.bulk_insert(EntityTypes.COMPUTER, [{"label": "here"}], allow_defaults=True)
        rows = [
            {"user_id": user_id, "label": label, "node_type": INT, "attributes": document}
            for label, document in DOCUMENTS.items()
        ]
        rows.append({"user_id": user_id, "label": "calc", "node_type": CALC, "dbcomputer_id": computer_id})
        rows.append({"user_id": user_id, "label": "out", "node_type": INT, "attributes": {"x": 7}})
        ids = dict(
            zip(
                [row["label"] for row in rows],
                storage.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True),
                strict=True,
            )
        )
        storage.bulk_insert(
            EntityTypes.LINK,
            [
                {"input_id": ids["int"], "output_id": ids["calc"], "label": "x", "type": "input_calc"},
                {"input_id": ids["calc"], "output_id": ids["out"], "label": "result", "type": "create"},
            ],
        )
        (group_id,) = storage.bulk_insert(
            EntityTypes.GROUP, [{"label": "g", "user_id": user_id}], allow_defaults=True
        )
        storage.add_group_nodes(group_id, [ids["int"]])
        comment = {"dbnode_id": ids["calc"], "user_id": user_id, "content": "c"}
        storage.bulk_insert(EntityTypes.COMMENT, [comment], allow_defaults=True)
        log = {"dbnode_id": ids["calc"], "loggername": "l", "levelname": "INFO", "message": "m"}
        storage.bulk_insert(EntityTypes.LOG, [log], allow_defaults=True)
        authinfo = {"aiidauser_id": user_id, "dbcomputer_id": computer_id}
        storage.bulk_insert(EntityTypes.AUTHINFO, [authinfo], allow_defaults=True)
        yield Db(storage, ids)
    finally:
        storage.close()


def description(*path: dict[str, Any], **parts: Any) -> dict[str, Any]:
    query: dict[str, Any] = {key: None for key in schema.DESCRIPTION_KEYS}
    query.update(path=list(path), filters={}, project={}, project_map={}, order_by=[], distinct=False)
    query.update(parts)
    return query


def run(db: Db, query: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of ``query``, after checking that its count and its SQL agree with them."""
    found = list(db.storage.query_rows(query))
    assert db.storage.query_count(query) == len(found)
    assert "SELECT" in db.storage.query_sql(query).upper()
    return found


def documents_only(filters: dict[str, Any]) -> dict[str, Any]:
    """``filters`` on the nodes of ``DOCUMENTS`` only (not the provenance nodes)."""
    return {"n": {"and": [{"label": {"in": list(DOCUMENTS)}}, filters]}}


def labels(db: Db, filters: dict[str, Any]) -> set[str]:
    query = description(vertex("n", "node"), filters=documents_only(filters), project={"n": ["label"]})
    return {label for (label,) in run(db, query)}


#: The edge field each edge kind is projected by.
EDGE_FIELDS = {
    schema.EdgeKind.LINK: "label",
    schema.EdgeKind.MEMBERSHIP: "dbgroup_id",
    schema.EdgeKind.ANCESTRY: "depth",
}


@pytest.mark.parametrize(
    "relationship", schema.RELATIONSHIPS, ids=lambda r: f"{r.appended.value}-{r.keyword}"
)
def test_every_relationship_runs(db: Db, relationship: schema.Relationship) -> None:
    edge = "e" if relationship.edge is not None else None
    project: dict[str, Any] = {"a": ["id"]}
    if relationship.edge is not None:
        project["e"] = [EDGE_FIELDS[relationship.edge]]
    query = description(
        vertex("j", relationship.joined.value),
        vertex("a", relationship.appended.value, relationship.keyword, "j", edge=edge),
        project=project,
    )
    found = run(db, query)
    assert found, f"{relationship.keyword} of a {relationship.appended.value} found nothing"
    assert all(len(row) == len(project) for row in found)


#: A value of each kind an operator takes, for a JSON path and for the ``label`` column.
JSON_VALUES: dict[schema.ValueKind, Any] = {
    schema.ValueKind.ANY: 2,
    schema.ValueKind.ORDERED: 1.75,
    schema.ValueKind.SCALARS: [2, "abc", None],
    schema.ValueKind.PATTERN: "a%",
    schema.ValueKind.KEY: "k",
    schema.ValueKind.DOCUMENT: [1],
    schema.ValueKind.LENGTH: 2,
    schema.ValueKind.JSON_TYPE: "number",
}
COLUMN_VALUES: dict[schema.ValueKind, Any] = {
    schema.ValueKind.ANY: "text",
    schema.ValueKind.ORDERED: "list",
    schema.ValueKind.SCALARS: ["int", "null"],
    schema.ValueKind.PATTERN: "t%",
}


@pytest.mark.parametrize("name", list(schema.OPERATORS))
def test_every_operator_runs_and_negates_exactly(db: Db, name: str) -> None:
    operator = schema.OPERATORS[name]
    value = JSON_VALUES[operator.takes]
    expected = {label for label, document in DOCUMENTS.items() if ref.matches(document, ("x",), name, value)}
    assert labels(db, {"attributes.x": {name: value}}) == expected
    for prefix in schema.NEGATIONS:
        assert labels(db, {"attributes.x": {prefix + name: value}}) == set(DOCUMENTS) - expected
    if operator.json_only:
        with pytest.raises(InputValidationError, match="applies to JSON values only"):
            labels(db, {"label": {name: "x"}})
        return
    matched = labels(db, {"label": {name: COLUMN_VALUES[operator.takes]}})
    assert matched
    assert matched != set(DOCUMENTS)
    assert labels(db, {"label": {f"!{name}": COLUMN_VALUES[operator.takes]}}) == set(DOCUMENTS) - matched


@pytest.mark.parametrize("alias", list(schema.OPERATOR_ALIASES))
def test_every_alias_means_its_operator(db: Db, alias: str) -> None:
    canonical = schema.OPERATOR_ALIASES[alias]
    assert labels(db, {"attributes.x": {alias: 1.75}}) == labels(db, {"attributes.x": {canonical: 1.75}})


@pytest.mark.parametrize("key", list(schema.LOGICAL_KEYS))
def test_every_logical_key_runs(db: Db, key: str) -> None:
    junction, negated = schema.LOGICAL_KEYS[key]
    parts = [{"label": {"like": "t%"}}, {"label": {"like": "%e"}}]  # text, time, true / true, time
    first, second = ({"text", "time", "true"}, {"true", "time"})
    combined = first & second if junction == "and" else first | second
    expected = set(DOCUMENTS) - combined if negated else combined
    assert labels(db, {key: parts}) == expected
    field_parts = [{"like": "t%"}, {"like": "%e"}]
    assert labels(db, {"label": {key: field_parts}}) == expected


#: What each cast's non-None values are.
CAST_TYPES: dict[str, type | tuple[type, ...]] = {
    "f": float,
    "i": int,
    "b": bool,
    "t": str,
    "j": object,
    "d": datetime,
}


@pytest.mark.parametrize("cast", list(schema.CASTS))
def test_every_cast_projects_and_orders(db: Db, cast: str) -> None:
    query = description(
        vertex("n", "node"),
        filters=documents_only({}),
        project={"n": ["label", {"attributes.x": {"cast": cast}}]},
        order_by=[{"n": [{"attributes.x": {"order": "asc", "cast": cast}}, {"label": "asc"}]}],
    )
    found = dict(run(db, query))
    assert found == {label: ref.project(document, ("x",), cast) for label, document in DOCUMENTS.items()}
    assert all(isinstance(value, CAST_TYPES[cast]) for value in found.values() if value is not None)


@pytest.mark.parametrize("function", list(schema.FUNCTIONS))
def test_every_function_runs(db: Db, function: str) -> None:
    on_column = description(
        vertex("n", "node"), filters=documents_only({}), project={"n": [{"id": {"func": function}}]}
    )
    ids = [db.ids[label] for label in DOCUMENTS]
    expected = {"count": len(ids), "max": max(ids), "min": min(ids)}[function]
    assert run(db, on_column) == [(expected,)]
    json_spec = {"func": function, "cast": "f"} if schema.FUNCTIONS[function].compares else {"func": function}
    on_json = description(
        vertex("n", "node"), filters=documents_only({}), project={"n": [{"attributes.x": json_spec}]}
    )
    (row,) = run(db, on_json)
    expected_json = {"count": len(DOCUMENTS) - 1, "max": 2.0, "min": 1.5}[function]  # null counts, absent not
    assert row == (expected_json,)
    if schema.FUNCTIONS[function].compares:
        with pytest.raises(InputValidationError, match="needs a 'cast'"):
            run(db, description(vertex("n", "node"), project={"n": [{"attributes.x": {"func": function}}]}))


@pytest.mark.parametrize("order", schema.ORDERS)
def test_every_order_runs(db: Db, order: str) -> None:
    query = description(
        vertex("n", "node"),
        filters=documents_only({}),
        project={"n": ["id"]},
        order_by=[{"n": [{"id": order}]}],
    )
    found = [pk for (pk,) in run(db, query)]
    assert found == sorted(found, reverse=order == "desc")
    default = description(
        vertex("n", "node"), filters=documents_only({}), project={"n": ["id"]}, order_by=[{"n": ["id"]}]
    )
    assert [pk for (pk,) in run(db, default)] == sorted(found, reverse=schema.DEFAULT_ORDER == "desc")


@pytest.mark.parametrize("entity", schema.ENTITY_PROJECTIONS)
def test_every_entity_projection_runs(db: Db, entity: str) -> None:
    query = description(vertex("n", "node"), filters=documents_only({}), project={"n": [entity]})
    found = run(db, query)
    assert len(found) == len(DOCUMENTS)
    width = len(ENTITY_SHAPES["node"].columns) if entity == "**" else 1
    assert all(len(row) == width for row in found)
