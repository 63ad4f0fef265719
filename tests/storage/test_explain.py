"""``explain_query`` / ``QueryBuilder.explain()``: the plan in words and advice on indexes, both backends."""

from __future__ import annotations

from typing import Any

import pytest
from tests.storage.conftest import ROWS
from tests.storage.test_indexes import _query

from provgraph.storage.explain import FilteredPath, filtered_paths
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.dialects.plans import (
    NODE_TYPE_INDEX,
    postgres_plan_summary,
    sqlite_plan_summary,
    table_words,
)
from provgraph.storage.sql.explain import ADVICE_MIN_ROWS


def test_filtered_paths_finds_every_json_filter_of_node_vertices() -> None:
    query = {
        "path": [{"tag": "d", "orm_base": "node"}, {"tag": "g", "orm_base": "group"}],
        "filters": {
            "d": {
                "node_type": {"like": "data.%"},
                "attributes.k": {"and": [{">": 1}, {"!==": 3}]},
                "and": [{"extras.tag": "a"}, {"or": [{"attributes.x": {"contains": [1]}}]}],
            },
            "g": {"extras.tag": "ignored: a group's extras"},
        },
    }
    assert list(filtered_paths(query)) == [
        FilteredPath("attributes.k", ">", 1),
        FilteredPath("attributes.k", "!==", 3),
        FilteredPath("extras.tag", "==", "a"),
        FilteredPath("attributes.x", "contains", [1]),
    ]


def test_sqlite_plans_read_as_words() -> None:
    rows = [
        (3, 0, 0, "SEARCH db_dbnode_0 USING INDEX ix_pg_attri_k_1 (<expr>=?)"),
        (7, 0, 0, f"SEARCH db_dbnode_1 USING INDEX {NODE_TYPE_INDEX} (node_type>? AND node_type<?)"),
        (9, 0, 0, "SEARCH db_dblink_0 USING COVERING INDEX ix_link (input_id=?)"),
        (11, 0, 0, "SCAN db_dbgroup_0"),
        (12, 0, 0, "SEARCH db_dbuser_0 USING INTEGER PRIMARY KEY (rowid=?)"),
        (20, 0, 0, "USE TEMP B-TREE FOR ORDER BY"),
    ]
    summary = sqlite_plan_summary(rows)
    assert summary.steps == [
        "looks up nodes through index ix_pg_attri_k_1 (<expr>=?)",
        f"reads every node of the selected types, through index {NODE_TYPE_INDEX}",
        "looks up links through index ix_link (input_id=?)",
        "reads every row of groups",
        "looks up users by id",
        "sorts the rows (ORDER BY)",
    ]
    assert summary.indexes == ["ix_pg_attri_k_1", NODE_TYPE_INDEX, "ix_link"]
    assert summary.full_scans == ["groups"]
    assert summary.estimated_rows is None
    assert table_words("db_dbgroup_dbnodes_3") == "group memberships"


def test_postgresql_plans_read_as_words() -> None:
    plan = [
        {
            "Plan": {
                "Node Type": "Sort",
                "Plan Rows": 42,
                "Plans": [
                    {
                        "Node Type": "Bitmap Heap Scan",
                        "Relation Name": "db_dbnode",
                        "Plan Rows": 42,
                        "Plans": [
                            {"Node Type": "Bitmap Index Scan", "Index Name": "ix_pg_x", "Plan Rows": 40}
                        ],
                    },
                    {"Node Type": "Seq Scan", "Relation Name": "db_dblink", "Plan Rows": 1000},
                ],
            }
        }
    ]
    summary = postgres_plan_summary(plan)
    assert summary.steps == [
        "looks up through index ix_pg_x (about 40 rows)",
        "reads the matching rows of nodes (about 42 rows)",
        "reads every row of links (about 1,000 rows)",
        "sorts the rows",
    ]
    assert summary.indexes == ["ix_pg_x"]
    assert summary.full_scans == ["links"]
    assert summary.estimated_rows == 42


def test_advice_names_the_index_that_would_help(filled: SqlDosBackend) -> None:
    storage = filled
    assert ROWS >= ADVICE_MIN_ROWS
    explained = storage.explain_query(_query({"attributes.x": {"<": 1.5}, "extras.tag": {"!==": "e1"}}))
    assert explained.advice == [
        f"attributes.x is filtered on {ROWS + 2000:,} rows without an index: "
        "`provgraph storage index add attributes.x --type float` would make this an index lookup"
    ]  # the negated filter gets none: no index serves a negation
    assert "Advice:" in str(explained)
    assert explained.plan
    storage.indexes.add("attributes.x", value_type="float")
    explained = storage.explain_query(_query({"attributes.x": {"<": 1.5}}))
    assert explained.advice == []
    assert explained.indexes == [storage.indexes.declared()[0].name]
    assert explained.steps[0].startswith("looks up ")
    assert "Indexes used: ix_pg_attri_x_float" in str(explained)


def test_containment_advice_is_gin_on_postgresql_and_none_on_sqlite(filled: SqlDosBackend) -> None:
    explained = filled.explain_query(_query({"attributes.tags": {"contains": ["t1"]}}))
    if filled.sql.dialect.name == "postgresql":
        assert explained.advice == [
            f"attributes.tags is filtered on {ROWS + 2000:,} rows without an index: "
            "`provgraph storage index add attributes.tags --kind gin` would make this an index lookup"
        ]
    else:
        assert explained.advice == []


def test_a_declared_index_the_plan_does_not_use_is_said(filled: SqlDosBackend) -> None:
    storage = filled
    declaration = storage.indexes.add("attributes.k")
    either: dict[str, Any] = {"or": [{"attributes.k": "key-1"}, {"label": {"like": "%x%"}}]}
    explained = storage.explain_query(_query(either))
    assert declaration.name not in explained.indexes
    assert explained.advice == [
        f"attributes.k has a declared index ({declaration.name}) that this plan does not use: the planner "
        "expects reading the rows to be cheaper (a filter most rows pass), or the filter sits inside an "
        "'or' with a filter no index serves"
    ]


def test_no_advice_on_a_small_storage(storage: SqlDosBackend) -> None:
    explained = storage.explain_query(_query({"attributes.x": 1}))
    assert explained.advice == []
    assert explained.steps


@pytest.mark.parametrize("pattern", ["%key", "_ey"])
def test_no_advice_for_a_pattern_no_index_can_find(filled: SqlDosBackend, pattern: str) -> None:
    assert filled.explain_query(_query({"attributes.k": {"like": pattern}})).advice == []
