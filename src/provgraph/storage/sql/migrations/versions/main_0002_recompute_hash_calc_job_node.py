"""Drop the ``_aiida_hash`` extra of every CalcJobNode (AiiDA's ``main_0002``).

Hashes of calculation jobs written by AiiDA 2.0 to 2.5 wrongly included the file repository,
so they must not be used for caching; removing them makes the nodes re-hash when needed.

Revision ID: main_0002
Revises: main_0001
Create Date: 2023-05-05
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from provgraph.storage.sql.dialects import dialect_for

revision = "main_0002"
down_revision = "main_0001"
branch_labels = None
depends_on = None

LOGGER = logging.getLogger(__name__)

_CALCJOB_NODES = "node_type LIKE 'process.calculation.calcjob.%'"


def upgrade() -> None:
    """Remove the hash extra in SQL, with each dialect's JSON operator."""
    connection = op.get_bind()
    remove, condition = dialect_for(connection).json_key_removal("extras", "_aiida_hash")
    where = _CALCJOB_NODES if condition is None else f"{_CALCJOB_NODES} AND {condition}"
    count = connection.execute(sa.text(f"SELECT count(*) FROM db_dbnode WHERE {where}")).scalar_one()
    if count:
        LOGGER.warning("removed the cached hash of %d calculation job nodes; they will be re-hashed", count)
    connection.execute(sa.text(f"UPDATE db_dbnode SET extras = {remove} WHERE {where}"))


def downgrade() -> None:
    """Dropped hashes cannot come back; there is nothing to undo."""
