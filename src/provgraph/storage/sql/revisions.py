"""The schema revisions this code knows, and the one a database is at, without importing alembic.

Opening a storage only has to compare the database's revision with the newest one this code
knows. Alembic (and the migration scripts it loads) costs about 0.1 s to import, which every
command would pay before its first row; so the revision history is a constant here and the
database's revision a plain ``SELECT`` on alembic's own ``alembic_version`` table. Alembic is
imported only where the schema is created or upgraded (``migrator.py``);
``tests/storage/sql/test_revisions.py`` keeps :data:`REVISIONS` equal to the shipped scripts.

    >>> HEAD
    'main_0002'
    >>> is_known("main_0001"), is_known("main_9999")
    (True, False)
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, inspect, text

from provgraph.exceptions import CorruptStorage

__all__ = ["HEAD", "REVISIONS", "VERSION_TABLE", "current_revision", "is_known"]

REVISIONS: tuple[str, ...] = ("main_0001", "main_0002")
"""Every revision of ``migrations/versions``, oldest first (aiida-core's ``main`` branch)."""

HEAD = REVISIONS[-1]
"""The newest revision: what a storage must be at to be opened."""

VERSION_TABLE = "alembic_version"
"""Where alembic records a database's revision (one row, column ``version_num``)."""


def is_known(revision: str) -> bool:
    """Whether ``revision`` belongs to this code's history (False: written by newer code)."""
    return revision in REVISIONS


def current_revision(source: Engine | Connection) -> str | None:
    """The revision of the database (inside ``source``'s transaction, if it is a connection).

    None if it was never initialised (no version table, or an empty one).
    """
    if isinstance(source, Engine):
        with source.connect() as connection:
            return current_revision(connection)
    if not inspect(source).has_table(VERSION_TABLE):
        return None
    found = source.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(found) > 1:
        raise CorruptStorage(f"the database records several schema revisions at once: {sorted(found)}")
    return found[0] if found else None
