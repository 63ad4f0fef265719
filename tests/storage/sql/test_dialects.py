"""The dialect objects (``storage/sql/dialects``): the only place that tells the databases apart.

Two kinds of check: a scan of the source that fails on any dialect-name comparison outside the
package (so new differences go into the dialect objects, not into ``if`` branches elsewhere),
and, for every method of the interface, a representative expression built and compiled on both
dialects (no database needed), so that an incomplete or mistyped implementation fails here
rather than in one backend's test run.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, literal, select
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect

import provgraph
from provgraph.exceptions import InputValidationError
from provgraph.storage.indexes import IndexDeclaration
from provgraph.storage.sql.dialects import (
    DIALECTS,
    PostgresqlDialect,
    ReadMode,
    SqlDialect,
    SqliteDialect,
    dialect_for,
)
from provgraph.storage.sql.tables import group_nodes, groups, links, metadata_for, nodes
from provgraph.storage.sql.types import UtcDateTime

SOURCE = Path(provgraph.__file__).resolve().parent
DIALECTS_PACKAGE = SOURCE / "storage" / "sql" / "dialects"
NAMES = frozenset(DIALECTS)


# -- no dialect names outside the package ---------------------------------------------------------


def _names_a_dialect(node: ast.AST) -> bool:
    """A dialect name as a string constant, or in a tuple / list / set of them."""
    if isinstance(node, ast.Constant):
        return node.value in NAMES
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(_names_a_dialect(item) for item in node.elts)
    return False


def _is_dialect_name(node: ast.AST) -> bool:
    """``<something>.dialect.name`` or ``dialect.name``: SQLAlchemy's name of a dialect."""
    if not isinstance(node, ast.Attribute) or node.attr != "name":
        return False
    owner = node.value
    return (isinstance(owner, ast.Attribute) and owner.attr == "dialect") or (
        isinstance(owner, ast.Name) and owner.id == "dialect"
    )


def dialect_tests(tree: ast.AST) -> list[int]:
    """Lines that test which dialect they run on: comparisons with a dialect's name, any read
    of ``dialect.name``, and ``dialect="..."`` arguments (e.g. ``ddl_if``)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            _names_a_dialect(side) for side in (node.left, *node.comparators)
        ):
            lines.append(node.lineno)
        elif _is_dialect_name(node) or (
            isinstance(node, ast.keyword) and node.arg == "dialect" and _names_a_dialect(node.value)
        ):
            lines.append(getattr(node, "lineno", 0) or getattr(node.value, "lineno", 0))
    return sorted(set(lines))


@pytest.mark.parametrize(
    "code",
    [
        'if conn.dialect.name == "postgresql": pass',
        'x = "sqlite" != name',
        'x = name in ("sqlite", "other")',
        "x = dialect.name",
        'Index("i").ddl_if(dialect="postgresql")',
    ],
)
def test_the_scan_finds_dialect_tests(code: str) -> None:
    assert dialect_tests(ast.parse(code)) == [1]


def test_the_scan_leaves_other_code_alone() -> None:
    code = 'url.drivername.startswith("postgresql")\nx = kind == "str"\ny = table.name == "db_dbnode"'
    assert dialect_tests(ast.parse(code)) == []


def test_no_dialect_tests_outside_the_dialects_package() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if DIALECTS_PACKAGE in path.parents:
            continue
        lines = dialect_tests(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        found.extend(f"{path.relative_to(SOURCE)}:{line}" for line in lines)
    assert not found, (
        "dialect differences belong in provgraph/storage/sql/dialects (a method of SqlDialect), "
        f"not in branches on the dialect's name: {found}"
    )


# -- choosing the dialect -------------------------------------------------------------------------


def _sa(name: str) -> Dialect:
    """A SQLAlchemy dialect to compile with; no database is contacted."""
    return create_engine("sqlite://" if name == "sqlite" else "postgresql+psycopg://").dialect


# Kept for the whole module: a dialect object refers to its SQLAlchemy dialect only weakly.
_SA = {name: _sa(name) for name in sorted(NAMES)}


@pytest.fixture(params=sorted(NAMES))
def dialect(request: pytest.FixtureRequest) -> SqlDialect:
    return dialect_for(_SA[request.param])


def test_dialect_for_gives_one_object_per_engine() -> None:
    engine = create_engine("sqlite://")
    chosen = dialect_for(engine)
    assert isinstance(chosen, SqliteDialect)
    assert chosen.sa is engine.dialect
    with engine.connect() as connection:
        assert dialect_for(connection) is chosen
    assert dialect_for(engine.dialect) is chosen
    assert dialect_for(chosen) is chosen
    assert dialect_for(create_engine("sqlite://")) is not chosen  # another engine, its own
    assert isinstance(dialect_for(_SA["postgresql"]), PostgresqlDialect)


def test_an_unsupported_dialect_is_refused() -> None:
    with pytest.raises(NotImplementedError, match="mysql"):
        dialect_for(mysql.dialect())


# -- every method, on both dialects ---------------------------------------------------------------

_METADATA = MetaData()
_ITEMS = Table("items", _METADATA, Column("id", Integer, primary_key=True), Column("label", String(10)))


def _sql(element: Any, dialect: SqlDialect) -> str:
    return str(element.compile(dialect=dialect.sa)).lower()


def _check_types(dialect: SqlDialect) -> None:
    for kind in (dialect.uuid_type(), dialect.timestamp_type(), *dialect.initial_schema_types()):
        assert kind.compile(dialect=dialect.sa)
    json_type = dialect.json_type()
    assert (json_type is None) == (dialect.name == "sqlite")


def _check_timestamps(dialect: SqlDialect) -> None:
    """A timestamp column binds naive UTC text on SQLite and the aware instant on PostgreSQL."""
    moment = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    elsewhere = moment.astimezone(timezone(timedelta(hours=-5)))
    processor = UtcDateTime().dialect_impl(dialect.sa).bind_processor(dialect.sa)
    assert processor is not None
    expected = "2024-05-06 07:08:09.000000" if dialect.name == "sqlite" else moment
    for value in (moment, elsewhere, moment.replace(tzinfo=None)):
        assert processor(value) == expected
    column_text = dialect.timestamp_as_text(nodes.c.ctime)
    assert (column_text is None) == (dialect.name == "postgresql")
    if column_text is not None:
        expression, decode = column_text
        assert "ctime" in _sql(expression, dialect)
        assert decode("2024-05-06 07:08:09.000000") == moment


def _check_schema(dialect: SqlDialect) -> None:
    pattern_indexes = {index.name for table in metadata_for(dialect).sorted_tables for index in table.indexes}
    assert any(str(name).startswith("ix_pat_") for name in pattern_indexes) == dialect.has_pattern_indexes
    removal, condition = dialect.json_key_removal("extras", "_aiida_hash")
    assert "extras" in removal
    assert "_aiida_hash" in removal
    assert condition is None or "extras" in condition


def _check_writes(dialect: SqlDialect) -> None:
    assert isinstance(dialect.failed_statement_keeps_transaction, bool)
    assert dialect.copies_within_sqlite is (dialect.name == "sqlite")  # only SQLite can ATTACH a file
    source = select(literal(1), nodes.c.id)
    statement = dialect.insert_ignoring_conflicts(group_nodes, ["dbgroup_id", "dbnode_id"], source)
    assert "on conflict do nothing" in _sql(statement, dialect)


def _check_reads(dialect: SqlDialect) -> None:
    assert isinstance(dialect.autocommit_reads, bool)
    assert isinstance(dialect.lazy_row_decoding, bool)
    assert dialect.read_mode(small=True, shared=False) is ReadMode.FETCH
    for shared in (False, True):
        assert isinstance(dialect.read_mode(small=False, shared=shared), ReadMode)
    assert "attributes" in _sql(dialect.json_as_text(nodes.c.attributes), dialect)


def _check_recursive_step(dialect: SqlDialect) -> None:
    reached = (
        select(links.c.output_id.label("id")).where(links.c.input_id == 1).cte("reached", recursive=True)
    )
    step = dialect.recursive_step(
        reached, reached.c.id, links, "input_id", "output_id", conditions=[links.c.type == "create"]
    )
    sql = _sql(select(reached.union(step).c.id), dialect)
    assert "with recursive" in sql
    lateral = "lateral" in sql and "offset 0" in sql
    assert lateral == (dialect.name == "postgresql")


def _check_text_rules(dialect: SqlDialect) -> None:
    column = _ITEMS.c.label
    assert "label" in _sql(dialect.code_point_order(column) < "b", dialect)
    assert "lower" in _sql(dialect.ascii_lower(column), dialect)
    assert "like" in _sql(dialect.like(column, "a\\%"), dialect)
    ordered = select(_ITEMS.c.id).order_by(dialect.nulls_as_postgresql(column.asc(), False))
    assert ("nulls last" in _sql(ordered, dialect)) == (dialect.name == "sqlite")
    long_list = dialect.in_long_list(_ITEMS.c.id, list(range(2000)), uuids=False)
    assert _sql(long_list, dialect).count("%(") + _sql(long_list, dialect).count("?") <= 2
    assert _sql(dialect.in_long_list(nodes.c.uuid, [str(nodes.c.uuid.default)], uuids=True), dialect)


def _check_json(dialect: SqlDialect) -> None:
    hash_sql = _sql(dialect.json_text_at(nodes.c.extras, "_aiida_hash") == "h", dialect)
    assert "json_extract" in hash_sql or "->>" in hash_sql
    value = dialect.json_value(nodes.c.attributes, ("a", "b"))
    assert "attributes" in _sql(value.string(), dialect)
    assert "case" in _sql(dialect.json_number_as_int(value.number()), dialect)
    assert _sql(dialect.json_boolean(value.boolean()), dialect)
    assert "case" in _sql(dialect.datetime_key(value.string()), dialect) or (
        "provgraph_datetime_key" in _sql(dialect.datetime_key(value.string()), dialect)
    )


def _check_explain(dialect: SqlDialect) -> None:
    quick = dialect.explain_prefix(execute=False, verbose=False)
    assert quick.startswith("EXPLAIN ")
    measured = dialect.explain_prefix(execute=True, verbose=True)
    if dialect.name == "postgresql":
        assert (quick, measured) == ("EXPLAIN ", "EXPLAIN (ANALYZE, VERBOSE) ")
    else:
        assert quick == measured == "EXPLAIN QUERY PLAN "  # SQLite never runs the query to plan it


def _check_indexes(dialect: SqlDialect) -> None:
    energy = IndexDeclaration.parse("attributes.energy", value_type="float")
    tag = IndexDeclaration.parse("extras.tag", value_type="str", node_type="data.core.dict.")
    statements = [dialect.create_index_sql(energy), dialect.create_index_sql(tag)]
    if dialect.name == "postgresql":
        assert statements == [
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{energy.name}" ON db_dbnode '
            "USING btree ((attributes -> 'energy'))",
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{tag.name}" ON db_dbnode '
            "USING btree (((extras ->> 'tag') COLLATE \"C\")) WHERE node_type LIKE 'data.core.dict.%'",
        ]
        gin = IndexDeclaration.parse("attributes.a.b", kind="gin")
        assert dialect.create_index_sql(gin).endswith("USING gin ((attributes -> 'a' -> 'b') jsonb_path_ops)")
    else:
        assert statements == [
            f'CREATE INDEX IF NOT EXISTS "{energy.name}" ON db_dbnode '
            "(json_extract(attributes, '$.\"energy\"'))",
            f'CREATE INDEX IF NOT EXISTS "{tag.name}" ON db_dbnode (json_extract(extras, \'$."tag"\')) '
            "WHERE +node_type >= 'data.core.dict.' AND +node_type < 'data.core.dict/'",
        ]
        with pytest.raises(InputValidationError, match="PostgreSQL's"):
            dialect.create_index_sql(IndexDeclaration.parse("attributes.a", kind="gin"))
    # the compiler writes declared paths (and a partial index's type pattern) as constants
    fresh = type(dialect)(dialect.sa)
    value = fresh.json_value(nodes.c.attributes, ["energy"]).equals(1.5)
    assert "energy" not in _sql(select(nodes.c.id).where(value), dialect)
    fresh.declare_indexes([energy, tag])
    assert fresh.index_generation == 1
    assert fresh.declared_indexes_at(nodes.c.attributes, ["energy"]) == (energy,)
    assert fresh.declared_indexes_at(nodes.c.extras, ["energy"]) == ()
    assert fresh.declared_indexes_at(groups.c.extras, ["tag"]) == ()  # only the nodes' columns
    aliased = nodes.alias("n")
    assert fresh.declared_indexes_at(aliased.c.extras, ["tag"]) == (tag,)
    value = fresh.json_value(aliased.c.attributes, ["energy"]).equals(1.5)
    assert "energy" in _sql(select(aliased.c.id).where(value), dialect)
    assert fresh.is_partial_index_pattern("data.core.dict.%")
    like = fresh.like(nodes.c.node_type, "data.core.dict.%")
    rendered = _sql(select(nodes.c.id).where(like), dialect).replace("%%", "%")  # psycopg's escape
    if dialect.name == "postgresql":
        assert "like 'data.core.dict.%'" in rendered
    else:  # SQLite refuses LIKE in an index's WHERE: the prefix's range stands in for it
        assert "node_type >= 'data.core.dict.' and db_dbnode.node_type < 'data.core.dict/'" in rendered
    assert not fresh.is_partial_index_pattern("data.core.%")
    assert fresh.partial_index_prefix("data.core.dict.%") == "data.core.dict."
    assert fresh.declarations_at("extras", ("tag",)) == (tag,)
    assert fresh.declarations_at("attributes", ("tag",)) == ()
    assert fresh.has_gin_indexes == (dialect.name == "postgresql")
    off = _sql(select(nodes.c.id).where(fresh.off_index(nodes.c.node_type) == "x"), dialect)
    if dialect.name == "sqlite":  # the unary plus keeps SQLite's planner off the node_type index
        assert "(+ db_dbnode.node_type) =" in off
        assert "(+ db_dbnode.node_type) >= 'data.core.dict.'" in _sql(
            select(nodes.c.id).where(fresh.like(fresh.off_index(nodes.c.node_type), "data.core.dict.%")),
            dialect,
        )
    else:
        assert "where db_dbnode.node_type =" in off


_CHECKS: dict[str, Callable[[SqlDialect], None]] = {
    "create_index_sql": _check_indexes,
    "declare_indexes": _check_indexes,
    "declared_indexes_at": _check_indexes,
    "is_partial_index_pattern": _check_indexes,
    "partial_index_prefix": _check_indexes,
    "off_index": _check_indexes,
    "declarations_at": _check_indexes,
    "has_gin_indexes": _check_indexes,
    "uuid_type": _check_types,
    "timestamp_type": _check_timestamps,
    "json_type": _check_types,
    "initial_schema_types": _check_types,
    "timestamp_as_text": _check_timestamps,
    "has_pattern_indexes": _check_schema,
    "json_key_removal": _check_schema,
    "failed_statement_keeps_transaction": _check_writes,
    "insert_ignoring_conflicts": _check_writes,
    "copies_within_sqlite": _check_writes,
    "explain_prefix": _check_explain,
    "autocommit_reads": _check_reads,
    "read_mode": _check_reads,
    "lazy_row_decoding": _check_reads,
    "json_as_text": _check_reads,
    "recursive_step": _check_recursive_step,
    "in_long_list": _check_text_rules,
    "code_point_order": _check_text_rules,
    "ascii_lower": _check_text_rules,
    "like": _check_text_rules,
    "nulls_as_postgresql": _check_text_rules,
    "json_text_at": _check_json,
    "json_value": _check_json,
    "json_number_as_int": _check_json,
    "json_boolean": _check_json,
    "datetime_key": _check_json,
}

# Need a database: reserve_ids is exercised by test_sql_bulk_writes.py, the schema-change pair by
# test_sql_migration_safety.py, maintain_database by the storage maintenance tests,
# rows_after_sorted_keys by test_qb_compiler.py (sorted JSON projections), on both backends.
# The index builders by tests/storage/test_indexes.py, plan_summary by tests/storage/test_explain.py.
_RUN_ELSEWHERE = frozenset(
    {"reserve_ids", "schema_change", "foreign_key_violations", "maintain_database", "rows_after_sorted_keys",
     "build_index", "drop_index", "index_details", "refresh_statistics", "plan_summary"}
)  # fmt: skip


def _interface() -> set[str]:
    return {name for name in vars(SqlDialect) if not name.startswith("_") and name not in ("name", "sa")}


def test_every_method_of_the_interface_is_checked() -> None:
    assert _interface() == set(_CHECKS) | _RUN_ELSEWHERE


@pytest.mark.parametrize("kind", list(DIALECTS.values()), ids=list(DIALECTS))
def test_each_dialect_implements_the_whole_interface(kind: type[SqlDialect]) -> None:
    assert not getattr(kind, "__abstractmethods__", None)
    missing = sorted(name for name in SqlDialect.__abstractmethods__ if name not in vars(kind))
    assert not missing, f"{kind.__name__} inherits abstract members {missing}"
    assert DIALECTS[kind.name] is kind


@pytest.mark.parametrize("method", sorted(_CHECKS))
def test_each_method_builds_sql_on_both_dialects(method: str, dialect: SqlDialect) -> None:
    _CHECKS[method](dialect)
