"""Schema revisions of a SQL database: read them, create the schema, upgrade it.

Alembic runs programmatically on migrations shipped inside the package (users need no
``alembic.ini``). Every upgrade runs in one transaction together with its revision stamp: both
PostgreSQL and SQLite have transactional DDL, so a failed, interrupted or killed migration
leaves the database exactly at the revision it had. On SQLite the foreign keys are off during
the transaction (SQLite's own procedure for schema changes: with them on, alembic's table
rebuilds would cascade deletes into the child tables) and checked before it commits.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from provgraph.common.pause import pause_point
from provgraph.exceptions import StorageMigrationError
from provgraph.storage.sql import revisions
from provgraph.storage.sql.dialects import dialect_for
from provgraph.storage.sql.engines import schema_transaction, write_transaction

__all__ = ["MIGRATIONS_DIR", "Migrator"]

LOGGER = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_alembic_config())


class Migrator:
    """Reads and changes the schema revision of the database behind ``engine``."""

    def __init__(self, engine: Engine, location: str) -> None:
        self._engine = engine
        self._location = location

    @staticmethod
    def head() -> str:
        """The newest revision this code knows (AiiDA's ``main_0002``)."""
        return revisions.HEAD

    @staticmethod
    def is_known(revision: str) -> bool:
        """Whether ``revision`` belongs to this code's history (False: written by newer code)."""
        return revisions.is_known(revision)

    @staticmethod
    def shipped_revisions() -> list[str]:
        """The revisions of the migration scripts in the package, oldest first (alembic's view)."""
        return [script.revision for script in reversed(list(_scripts().walk_revisions()))]

    def current(self) -> str | None:
        """The database's revision, or None if it has never been initialised."""
        with self._engine.connect() as connection:
            return self.current_on(connection)

    @staticmethod
    def current_on(connection: Connection) -> str | None:
        """The revision seen by ``connection`` (inside its transaction, if it has one)."""
        return revisions.current_revision(connection)

    def upgrade(self, target: str = "head", then: Callable[[Connection], None] | None = None) -> None:
        """Upgrade to ``target`` and run ``then`` in the same transaction; all or nothing.

        Raises ``StorageMigrationError`` naming the revision the database was left at, also when
        a migration step itself fails; what ``then`` raises passes through unchanged.
        """
        start: str | None = None
        try:
            with schema_transaction(self._engine) as connection:
                start = self.current_on(connection)
                if start is not None and not self.is_known(start):
                    raise StorageMigrationError(
                        f"the storage at {self._location} has schema revision {start!r}, written by a newer "
                        f"provgraph than this one (which knows up to {self.head()!r}); upgrade provgraph"
                    )
                try:
                    command.upgrade(_alembic_config(connection), target)
                except Exception as exc:  # a migration step failed, whatever its error: roll back
                    raise self._failed(start, target, exc) from exc
                if then is not None:
                    then(connection)
                self._check_foreign_keys(connection, start, target)
                pause_point("migration-applied")
        except StorageMigrationError:
            raise
        except (SQLAlchemyError, CommandError) as exc:
            raise self._failed(start, target, exc) from exc
        reached = self.head() if target == "head" else target
        LOGGER.info("storage at %s migrated from %r to %r", self._location, start, reached)

    def _failed(self, start: str | None, target: str, exc: Exception) -> StorageMigrationError:
        if isinstance(exc, StorageMigrationError):
            return exc
        reason = " ".join(str(exc).split()) or type(exc).__name__
        return StorageMigrationError(
            f"migrating the storage at {self._location} from {start!r} to {target!r} failed, "
            f"nothing was changed (still at {start!r}): {reason}"
        )

    def _check_foreign_keys(self, connection: Connection, start: str | None, target: str) -> None:
        violations = dialect_for(connection).foreign_key_violations(connection)
        if violations:
            raise StorageMigrationError(
                f"migrating the storage at {self._location} from {start!r} to {target!r} would break its "
                f"foreign keys ({'; '.join(violations[:3])}); nothing was changed (still at {start!r})"
            )

    def stamp(self, revision: str) -> None:
        """Record ``revision`` without running migrations (for tests and repairs)."""
        with write_transaction(self._engine) as connection:
            command.stamp(_alembic_config(connection), revision)
