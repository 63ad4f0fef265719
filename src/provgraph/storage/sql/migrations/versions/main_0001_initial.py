"""Create AiiDA's schema from nothing (AiiDA's ``main_0001``).

Written out in full rather than derived from ``tables.py``: a migration is history and must
keep producing the same schema when the live table definitions move on. The types are chosen
per dialect (PostgreSQL: ``uuid``, ``jsonb``, ``timestamptz`` and the ``varchar_pattern_ops``
indexes; SQLite: ``VARCHAR(32)``, ``JSON``, ``DATETIME``). Constraint and index names come from
the naming convention of the target metadata (see ``env.py``).

Revision ID: main_0001
Revises:
Create Date: 2021-02-02
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from provgraph.storage.sql.dialects import dialect_for

revision = "main_0001"
down_revision = None
branch_labels = ("main",)
depends_on = None


def _types() -> tuple[Any, Any, Any]:
    """The (uuid, json, timestamp) column types of the connected dialect (kept there as history)."""
    return dialect_for(op.get_bind()).initial_schema_types()


def _fk(columns: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [columns], [target], ondelete=ondelete, deferrable=True, initially="DEFERRED"
    )


def _id() -> sa.Column[Any]:
    return sa.Column("id", sa.Integer(), nullable=False, primary_key=True)


def _int(name: str, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.Integer(), nullable=nullable, index=True)


def _pattern_indexes(table: str, *columns: str) -> None:
    """The ``LIKE 'prefix%'`` indexes; PostgreSQL only (SQLite has no operator classes)."""
    if not dialect_for(op.get_bind()).has_pattern_indexes:
        return
    for column in columns:
        op.create_index(
            f"ix_pat_{table}_{column}",
            table,
            [column],
            unique=False,
            postgresql_using="btree",
            postgresql_ops={column: "varchar_pattern_ops"},
        )


def upgrade() -> None:
    """Create the ten tables, their constraints and their indexes."""
    uuid, json, timestamp = _types()
    op.create_table(
        "db_dbcomputer",
        _id(),
        sa.Column("uuid", uuid, nullable=False, unique=True),
        sa.Column("label", sa.String(255), nullable=False, unique=True),
        sa.Column("hostname", sa.String(255), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("scheduler_type", sa.String(255), nullable=False),
        sa.Column("transport_type", sa.String(255), nullable=False),
        sa.Column("metadata", json, nullable=False),
    )
    _pattern_indexes("db_dbcomputer", "label")
    op.create_table(
        "db_dbsetting",
        _id(),
        sa.Column("key", sa.String(1024), nullable=False, unique=True),
        sa.Column("val", json, nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("time", timestamp, nullable=False),
    )
    _pattern_indexes("db_dbsetting", "key")
    op.create_table(
        "db_dbuser",
        _id(),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("first_name", sa.String(254), nullable=False),
        sa.Column("last_name", sa.String(254), nullable=False),
        sa.Column("institution", sa.String(254), nullable=False),
    )
    _pattern_indexes("db_dbuser", "email")
    op.create_table(
        "db_dbauthinfo",
        _id(),
        _int("aiidauser_id"),
        _int("dbcomputer_id"),
        sa.Column("metadata", json, nullable=False),
        sa.Column("auth_params", json, nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        _fk("aiidauser_id", "db_dbuser.id", "CASCADE"),
        _fk("dbcomputer_id", "db_dbcomputer.id", "CASCADE"),
        sa.UniqueConstraint("aiidauser_id", "dbcomputer_id"),
    )
    op.create_table(
        "db_dbgroup",
        _id(),
        sa.Column("uuid", uuid, nullable=False, unique=True),
        sa.Column("label", sa.String(255), nullable=False, index=True),
        sa.Column("type_string", sa.String(255), nullable=False, index=True),
        sa.Column("time", timestamp, nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("extras", json, nullable=False),
        _int("user_id"),
        _fk("user_id", "db_dbuser.id", "CASCADE"),
        sa.UniqueConstraint("label", "type_string"),
    )
    _pattern_indexes("db_dbgroup", "label", "type_string")
    op.create_table(
        "db_dbnode",
        _id(),
        sa.Column("uuid", uuid, nullable=False, unique=True),
        sa.Column("node_type", sa.String(255), nullable=False, index=True),
        sa.Column("process_type", sa.String(255), nullable=True, index=True),
        sa.Column("label", sa.String(255), nullable=False, index=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("ctime", timestamp, nullable=False, index=True),
        sa.Column("mtime", timestamp, nullable=False, index=True),
        sa.Column("attributes", json, nullable=True),
        sa.Column("extras", json, nullable=True),
        sa.Column("repository_metadata", json, nullable=False),
        _int("dbcomputer_id", nullable=True),
        _int("user_id"),
        _fk("dbcomputer_id", "db_dbcomputer.id", "RESTRICT"),
        _fk("user_id", "db_dbuser.id", "RESTRICT"),
    )
    _pattern_indexes("db_dbnode", "label", "process_type", "node_type")
    op.create_table(
        "db_dbcomment",
        _id(),
        sa.Column("uuid", uuid, nullable=False, unique=True),
        _int("dbnode_id"),
        sa.Column("ctime", timestamp, nullable=False),
        sa.Column("mtime", timestamp, nullable=False),
        _int("user_id"),
        sa.Column("content", sa.Text(), nullable=False),
        _fk("dbnode_id", "db_dbnode.id", "CASCADE"),
        _fk("user_id", "db_dbuser.id", "CASCADE"),
    )
    op.create_table(
        "db_dbgroup_dbnodes",
        _id(),
        _int("dbnode_id"),
        _int("dbgroup_id"),
        _fk("dbgroup_id", "db_dbgroup.id"),
        _fk("dbnode_id", "db_dbnode.id"),
        sa.UniqueConstraint("dbgroup_id", "dbnode_id"),
    )
    op.create_table(
        "db_dblink",
        _id(),
        _int("input_id"),
        _int("output_id"),
        sa.Column("label", sa.String(255), nullable=False, index=True),
        sa.Column("type", sa.String(255), nullable=False, index=True),
        _fk("input_id", "db_dbnode.id"),
        _fk("output_id", "db_dbnode.id", "CASCADE"),
    )
    _pattern_indexes("db_dblink", "label", "type")
    op.create_table(
        "db_dblog",
        _id(),
        sa.Column("uuid", uuid, nullable=False, unique=True),
        sa.Column("time", timestamp, nullable=False),
        sa.Column("loggername", sa.String(255), nullable=False, index=True),
        sa.Column("levelname", sa.String(50), nullable=False, index=True),
        _int("dbnode_id"),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("metadata", json, nullable=False),
        _fk("dbnode_id", "db_dbnode.id", "CASCADE"),
    )
    _pattern_indexes("db_dblog", "levelname", "loggername")


def downgrade() -> None:
    """There is nothing before the initial schema."""
    raise NotImplementedError("main_0001 is the initial schema and cannot be downgraded")
