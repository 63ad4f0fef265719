"""The schema built by the migrations is AiiDA's, on both dialects (names from aiida-core's schema dumps)."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.storage.sql.tables import METADATA, metadata_for

TABLES = {
    "db_dbauthinfo",
    "db_dbcomment",
    "db_dbcomputer",
    "db_dbgroup",
    "db_dbgroup_dbnodes",
    "db_dblink",
    "db_dblog",
    "db_dbnode",
    "db_dbsetting",
    "db_dbuser",
}

UNIQUE = {
    "db_dbauthinfo": {"uq_db_dbauthinfo_aiidauser_id_dbcomputer_id": ["aiidauser_id", "dbcomputer_id"]},
    "db_dbcomment": {"uq_db_dbcomment_uuid": ["uuid"]},
    "db_dbcomputer": {"uq_db_dbcomputer_label": ["label"], "uq_db_dbcomputer_uuid": ["uuid"]},
    "db_dbgroup": {
        "uq_db_dbgroup_label_type_string": ["label", "type_string"],
        "uq_db_dbgroup_uuid": ["uuid"],
    },
    "db_dbgroup_dbnodes": {"uq_db_dbgroup_dbnodes_dbgroup_id_dbnode_id": ["dbgroup_id", "dbnode_id"]},
    "db_dblink": {},
    "db_dblog": {"uq_db_dblog_uuid": ["uuid"]},
    "db_dbnode": {"uq_db_dbnode_uuid": ["uuid"]},
    "db_dbsetting": {"uq_db_dbsetting_key": ["key"]},
    "db_dbuser": {"uq_db_dbuser_email": ["email"]},
}

# Plain indexes: "ix_<table>_<table>_<column>" (the column label repeats the table name).
INDEXED = {
    "db_dbauthinfo": ["aiidauser_id", "dbcomputer_id"],
    "db_dbcomment": ["dbnode_id", "user_id"],
    "db_dbcomputer": [],
    "db_dbgroup": ["label", "type_string", "user_id"],
    "db_dbgroup_dbnodes": ["dbgroup_id", "dbnode_id"],
    "db_dblink": ["input_id", "label", "output_id", "type"],
    "db_dblog": ["dbnode_id", "levelname", "loggername"],
    "db_dbnode": ["ctime", "dbcomputer_id", "label", "mtime", "node_type", "process_type", "user_id"],
    "db_dbsetting": [],
    "db_dbuser": [],
}

PATTERN_INDEXED = {
    "db_dbcomputer": ["label"],
    "db_dbgroup": ["label", "type_string"],
    "db_dblink": ["label", "type"],
    "db_dblog": ["levelname", "loggername"],
    "db_dbnode": ["label", "node_type", "process_type"],
    "db_dbsetting": ["key"],
    "db_dbuser": ["email"],
}

# (table, column) -> (referred table, ON DELETE); None = no action.
FOREIGN_KEYS = {
    ("db_dbauthinfo", "aiidauser_id"): ("db_dbuser", "CASCADE"),
    ("db_dbauthinfo", "dbcomputer_id"): ("db_dbcomputer", "CASCADE"),
    ("db_dbcomment", "dbnode_id"): ("db_dbnode", "CASCADE"),
    ("db_dbcomment", "user_id"): ("db_dbuser", "CASCADE"),
    ("db_dbgroup", "user_id"): ("db_dbuser", "CASCADE"),
    ("db_dbgroup_dbnodes", "dbgroup_id"): ("db_dbgroup", None),
    ("db_dbgroup_dbnodes", "dbnode_id"): ("db_dbnode", None),
    ("db_dblink", "input_id"): ("db_dbnode", None),
    ("db_dblink", "output_id"): ("db_dbnode", "CASCADE"),
    ("db_dblog", "dbnode_id"): ("db_dbnode", "CASCADE"),
    ("db_dbnode", "dbcomputer_id"): ("db_dbcomputer", "RESTRICT"),
    ("db_dbnode", "user_id"): ("db_dbuser", "RESTRICT"),
}

NULLABLE = {
    ("db_dbnode", "process_type"),
    ("db_dbnode", "attributes"),
    ("db_dbnode", "extras"),
    ("db_dbnode", "dbcomputer_id"),
    ("db_dbsetting", "val"),
}


def engine_of(storage: SqlDosBackend) -> Engine:
    return storage.sql.engine


def test_migrations_produce_exactly_the_core_tables(storage: SqlDosBackend) -> None:
    with engine_of(storage).connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences: list[Any] = compare_metadata(context, metadata_for(connection))
    assert differences == []


def test_tables_and_nullability(storage: SqlDosBackend) -> None:
    inspector = inspect(engine_of(storage))
    assert set(inspector.get_table_names()) == TABLES | {"alembic_version"}
    for table in TABLES:
        expected = [column.name for column in METADATA.tables[table].columns]
        columns = inspector.get_columns(table)
        assert [column["name"] for column in columns] == expected, table
        for column in columns:
            assert column["nullable"] == ((table, column["name"]) in NULLABLE), (table, column["name"])
            assert column.get("default") is None or column["name"] == "id", (table, column)
        primary_key = inspector.get_pk_constraint(table)
        assert (primary_key["name"], primary_key["constrained_columns"]) == (f"{table}_pkey", ["id"])


def test_unique_constraints_have_aiida_names(storage: SqlDosBackend) -> None:
    inspector = inspect(engine_of(storage))
    for table, expected in UNIQUE.items():
        found = {item["name"]: item["column_names"] for item in inspector.get_unique_constraints(table)}
        assert found == expected, table


def test_indexes_have_aiida_names_and_pattern_indexes_only_on_postgresql(storage: SqlDosBackend) -> None:
    engine = engine_of(storage)
    inspector = inspect(engine)
    on_psql = engine.dialect.name == "postgresql"
    for table in TABLES:
        expected = {f"ix_{table}_{table}_{column}" for column in INDEXED[table]}
        if on_psql:
            expected |= {f"ix_pat_{table}_{column}" for column in PATTERN_INDEXED.get(table, [])}
        found = {
            index["name"] for index in inspector.get_indexes(table) if not index.get("duplicates_constraint")
        }
        assert found == expected, table


@pytest.mark.requires_psql
def test_pattern_indexes_use_varchar_pattern_ops(postgres_storage: SqlDosBackend) -> None:
    with engine_of(postgres_storage).connect() as connection:
        rows = connection.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_pat_%'")
        ).all()
    assert len(rows) == sum(len(columns) for columns in PATTERN_INDEXED.values())
    for name, definition in rows:
        assert "USING btree" in definition, name
        assert "varchar_pattern_ops" in definition, name


def test_foreign_keys_ondelete_and_deferred(storage: SqlDosBackend) -> None:
    inspector = inspect(engine_of(storage))
    found = {}
    for table in TABLES:
        for fk in inspector.get_foreign_keys(table):
            (column,) = fk["constrained_columns"]
            assert fk["name"] == f"fk_{table}_{column}_{fk['referred_table']}"
            options = fk.get("options", {})
            assert options.get("deferrable") is True, (table, column, options)
            assert options.get("initially", "").upper() == "DEFERRED", (table, column, options)
            ondelete = options.get("ondelete")
            found[(table, column)] = (fk["referred_table"], ondelete.upper() if ondelete else None)
    assert found == FOREIGN_KEYS


def test_dialect_column_types(storage: SqlDosBackend) -> None:
    engine = engine_of(storage)
    columns = {column["name"]: column["type"] for column in inspect(engine).get_columns("db_dbnode")}
    rendered = {name: kind.compile(dialect=engine.dialect) for name, kind in columns.items()}
    if engine.dialect.name == "postgresql":
        assert rendered["uuid"] == "UUID"
        assert rendered["attributes"] == "JSONB"
        assert rendered["ctime"] == "TIMESTAMP WITH TIME ZONE"
    else:
        assert rendered["uuid"] == "VARCHAR(32)"
        assert rendered["attributes"] == "JSON"
        assert rendered["ctime"] == "DATETIME"
    assert rendered["label"] == "VARCHAR(255)"


def test_values_are_stored_the_aiida_way(storage: SqlDosBackend) -> None:
    from provgraph.storage import EntityTypes

    user = storage.bulk_insert(EntityTypes.USER, [{"email": "a@b"}], allow_defaults=True)[0]
    storage.bulk_insert(EntityTypes.NODE, [{"user_id": user, "node_type": "data.Data."}], allow_defaults=True)
    with engine_of(storage).connect() as connection:
        raw_uuid, raw_ctime = connection.execute(
            text("SELECT CAST(uuid AS TEXT), ctime FROM db_dbnode")
        ).one()
    assert len(raw_uuid) == 36
    assert raw_uuid.count("-") == 4
    if engine_of(storage).dialect.name == "sqlite":  # naive UTC text
        assert isinstance(raw_ctime, str)
        assert "+" not in raw_ctime
