"""Finding nodes by their stored content hash (the ``_aiida_hash`` extra), in one query.

Cache look-ups ask for the nodes of exactly one node_type whose hash extra equals a given
hash. The row API cannot filter inside JSON, so this module has the dialect extract the key
(``SqlDialect.json_text_at``): ``extras ->> '_aiida_hash'`` on PostgreSQL (JSONB) and
``json_extract(extras, '$._aiida_hash')`` on SQLite (JSON text). Both give SQL NULL when the
key is missing or null, so nodes without a hash never match.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.store import SqlStore, translate_errors
from provgraph.storage.sql.tables import nodes

__all__ = ["HASH_EXTRA_KEY", "find_nodes_by_hash", "select_nodes_by_hash"]

HASH_EXTRA_KEY = "_aiida_hash"


def select_nodes_by_hash(connection: Connection, node_type: str, node_hash: str) -> list[int]:
    """The pks, ascending, of the nodes of exactly ``node_type`` whose stored hash is ``node_hash``."""
    stored_hash = dialect_for(connection).json_text_at(nodes.c.extras, HASH_EXTRA_KEY)
    statement = (
        select(nodes.c.id)
        .where(nodes.c.node_type == node_type, stored_hash == node_hash)
        .order_by(nodes.c.id)
    )
    return list(connection.scalars(statement))


def find_nodes_by_hash(store: SqlStore, node_type: str, node_hash: str) -> list[int]:
    """:func:`select_nodes_by_hash` on the store's current transaction or a fresh connection."""
    with translate_errors(f"finding nodes of type {node_type!r} by hash"), store.connection() as connection:
        return select_nodes_by_hash(connection, node_type, node_hash)
