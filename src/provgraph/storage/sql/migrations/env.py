"""Alembic's entry point: run the migrations on the connection the migrator hands over.

The connection arrives already inside a transaction, so alembic does not open its own and the
whole upgrade (schema changes and the revision stamp) commits or rolls back as one unit.
"""

from __future__ import annotations

from alembic import context

from provgraph.storage.sql.tables import METADATA


def run_migrations() -> None:
    """Configure the migration context on the caller's connection and upgrade."""
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "provgraph migrations run through provgraph.storage.sql.migrator, not the alembic CLI"
        )
    # target_metadata lends its naming convention to op.create_table, giving AiiDA's names.
    context.configure(connection=connection, target_metadata=METADATA, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
