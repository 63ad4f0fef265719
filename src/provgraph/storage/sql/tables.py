"""AiiDA's table layout (aiida-core 2.9, schema ``main_0002``) as SQLAlchemy Core tables.

Column order, types, nullability, defaults and constraint names match AiiDA so that a database
written by either program can be opened by the other. Defaults are Python-side (as in AiiDA):
the DDL carries no ``DEFAULT`` clauses. The ``ix_pat_*`` indexes (``varchar_pattern_ops``, for
``LIKE 'prefix%'``) exist on PostgreSQL only; :func:`metadata_for` gives the layout of one dialect.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.schema import SchemaItem
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.ddl import BaseDDLElement

from provgraph.storage.abstract import EntityTypes
from provgraph.storage.sql.dialects import DialectSource, dialect_for
from provgraph.storage.sql.types import JsonType, UtcDateTime, UuidString, new_uuid, utc_now

__all__ = [
    "ENTITY_TABLES",
    "METADATA",
    "NAMING_CONVENTION",
    "TABLES_CLEAR_ORDER",
    "authinfos",
    "comments",
    "computers",
    "group_nodes",
    "groups",
    "links",
    "logs",
    "metadata_for",
    "nodes",
    "settings",
    "users",
]

# AiiDA's convention (psql_dos/models/base.py); the column *label* in index names includes the
# table name, hence names such as ``ix_db_dbnode_db_dbnode_label``.
NAMING_CONVENTION = {
    "pk": "%(table_name)s_pkey",
    "ix": "ix_%(table_name)s_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
}

METADATA = MetaData(naming_convention=NAMING_CONVENTION)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _uuid() -> Column[str]:
    return Column("uuid", UuidString(), nullable=False, unique=True, default=new_uuid)


def _fk(
    name: str, target: str, ondelete: str | None = None, nullable: bool = False, index: bool = True
) -> Column[int]:
    """An integer foreign key; AiiDA makes every one ``DEFERRABLE INITIALLY DEFERRED``."""
    return Column(
        name,
        Integer,
        ForeignKey(target, ondelete=ondelete, deferrable=True, initially="DEFERRED"),
        nullable=nullable,
        index=index,
    )


def _text(name: str, length: int | None = None, index: bool = False) -> Column[str]:
    kind = Text() if length is None else String(length)
    return Column(name, kind, nullable=False, default="", index=index)


def _json(name: str, nullable: bool = False) -> Column[object]:
    return Column(name, JsonType, nullable=nullable, default=dict)


def _time(name: str, index: bool = False, touch: bool = False) -> Column[object]:
    """A timestamp defaulting to now; ``touch`` also refreshes it on every update (``mtime``)."""
    return Column(
        name, UtcDateTime(), nullable=False, index=index, default=utc_now, onupdate=utc_now if touch else None
    )


def _pattern_index(table: str, column: Column[str]) -> None:
    """Add AiiDA's ``ix_pat_<table>_<column>`` index; only dialects with pattern indexes create it."""
    Index(
        f"ix_pat_{table}_{column.name}",
        column,
        postgresql_using="btree",
        postgresql_ops={column.name: "varchar_pattern_ops"},
    ).ddl_if(callable_=_creates_pattern_indexes)


def _creates_pattern_indexes(
    ddl: BaseDDLElement,
    target: SchemaItem | str,
    bind: Connection | None,
    tables: list[Table] | None = None,
    state: Any | None = None,
    *,
    dialect: Dialect,
    compiler: DDLCompiler | None = None,
    checkfirst: bool,
) -> bool:
    """The ``ddl_if`` test of the ``ix_pat_*`` indexes: ``SqlDialect.has_pattern_indexes``."""
    return dialect_for(dialect).has_pattern_indexes


users = Table(
    "db_dbuser",
    METADATA,
    _id(),
    Column("email", String(254), nullable=False, unique=True),
    _text("first_name", 254),
    _text("last_name", 254),
    _text("institution", 254),
)
_pattern_index("db_dbuser", users.c.email)

computers = Table(
    "db_dbcomputer",
    METADATA,
    _id(),
    _uuid(),
    Column("label", String(255), nullable=False, unique=True),
    _text("hostname", 255),
    _text("description"),
    _text("scheduler_type", 255),
    _text("transport_type", 255),
    _json("metadata"),
)
_pattern_index("db_dbcomputer", computers.c.label)

authinfos = Table(
    "db_dbauthinfo",
    METADATA,
    _id(),
    _fk("aiidauser_id", "db_dbuser.id", ondelete="CASCADE"),
    _fk("dbcomputer_id", "db_dbcomputer.id", ondelete="CASCADE"),
    _json("metadata"),
    _json("auth_params"),
    Column("enabled", Boolean, nullable=False, default=True),
    UniqueConstraint("aiidauser_id", "dbcomputer_id"),
)

groups = Table(
    "db_dbgroup",
    METADATA,
    _id(),
    _uuid(),
    Column("label", String(255), nullable=False, index=True),
    _text("type_string", 255, index=True),
    _time("time"),
    _text("description"),
    _json("extras"),
    _fk("user_id", "db_dbuser.id", ondelete="CASCADE"),
    UniqueConstraint("label", "type_string"),
)
_pattern_index("db_dbgroup", groups.c.label)
_pattern_index("db_dbgroup", groups.c.type_string)

nodes = Table(
    "db_dbnode",
    METADATA,
    _id(),
    _uuid(),
    _text("node_type", 255, index=True),
    Column("process_type", String(255), nullable=True, index=True),
    _text("label", 255, index=True),
    _text("description"),
    _time("ctime", index=True),
    _time("mtime", index=True, touch=True),
    _json("attributes", nullable=True),
    _json("extras", nullable=True),
    _json("repository_metadata"),
    _fk("dbcomputer_id", "db_dbcomputer.id", ondelete="RESTRICT", nullable=True),
    _fk("user_id", "db_dbuser.id", ondelete="RESTRICT"),
)
_pattern_index("db_dbnode", nodes.c.label)
_pattern_index("db_dbnode", nodes.c.process_type)
_pattern_index("db_dbnode", nodes.c.node_type)

comments = Table(
    "db_dbcomment",
    METADATA,
    _id(),
    _uuid(),
    _fk("dbnode_id", "db_dbnode.id", ondelete="CASCADE"),
    _time("ctime"),
    _time("mtime", touch=True),
    _fk("user_id", "db_dbuser.id", ondelete="CASCADE"),
    _text("content"),
)

group_nodes = Table(
    "db_dbgroup_dbnodes",
    METADATA,
    _id(),
    _fk("dbnode_id", "db_dbnode.id"),
    _fk("dbgroup_id", "db_dbgroup.id"),
    UniqueConstraint("dbgroup_id", "dbnode_id"),
)

# "input" is the link's source, "output" its target. No uniqueness: the link rules are enforced
# above the database (AiiDA left a unique (output_id, label) commented out).
links = Table(
    "db_dblink",
    METADATA,
    _id(),
    _fk("input_id", "db_dbnode.id"),
    _fk("output_id", "db_dbnode.id", ondelete="CASCADE"),
    Column("label", String(255), nullable=False, index=True),
    Column("type", String(255), nullable=False, index=True),
)
_pattern_index("db_dblink", links.c.label)
_pattern_index("db_dblink", links.c.type)

logs = Table(
    "db_dblog",
    METADATA,
    _id(),
    _uuid(),
    _time("time"),
    Column("loggername", String(255), nullable=False, index=True),
    Column("levelname", String(50), nullable=False, index=True),
    _fk("dbnode_id", "db_dbnode.id", ondelete="CASCADE"),
    _text("message"),
    _json("metadata"),
)
_pattern_index("db_dblog", logs.c.levelname)
_pattern_index("db_dblog", logs.c.loggername)

settings = Table(
    "db_dbsetting",
    METADATA,
    _id(),
    Column("key", String(1024), nullable=False, unique=True),
    _json("val", nullable=True),
    _text("description"),
    _time("time", touch=True),
)
_pattern_index("db_dbsetting", settings.c.key)

ENTITY_TABLES: dict[EntityTypes, Table] = {
    EntityTypes.AUTHINFO: authinfos,
    EntityTypes.COMMENT: comments,
    EntityTypes.COMPUTER: computers,
    EntityTypes.GROUP: groups,
    EntityTypes.LOG: logs,
    EntityTypes.NODE: nodes,
    EntityTypes.USER: users,
    EntityTypes.LINK: links,
    EntityTypes.GROUP_NODE: group_nodes,
}

# Children before parents, so that deleting in this order never trips a foreign key.
TABLES_CLEAR_ORDER: tuple[Table, ...] = (
    links,
    group_nodes,
    comments,
    logs,
    nodes,
    groups,
    authinfos,
    computers,
    users,
)


def metadata_for(dialect: DialectSource) -> MetaData:
    """The tables as a database of ``dialect`` holds them (``ix_pat_*`` only with pattern indexes)."""
    if dialect_for(dialect).has_pattern_indexes:
        return METADATA
    copy = MetaData(naming_convention=NAMING_CONVENTION)
    for table in METADATA.sorted_tables:
        new = table.to_metadata(copy)
        new.indexes.difference_update([index for index in new.indexes if index.dialect_kwargs])
    return copy
