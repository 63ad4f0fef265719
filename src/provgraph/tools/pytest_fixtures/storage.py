"""Storage configurations for test profiles (aiida-core's ``config_*`` and ``postgres_cluster`` fixtures)."""

from __future__ import annotations

import os
import pathlib
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from provgraph.manager import get_manager

__all__ = ["PostgresCluster", "config_psql_dos", "config_sqlite_dos", "postgres_cluster"]

ENV_TEST_POSTGRES = "PROVGRAPH_TEST_POSTGRES"
DEFAULT_TEST_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


class PostgresCluster:
    """A PostgreSQL server on which test databases are made; those made are dropped by ``close()``.

    aiida-core starts a private server with pgtest; provgraph uses a running server (the URL of
    ``$PROVGRAPH_TEST_POSTGRES``), since its tests need one anyway.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.created: list[str] = []

    def create_database(
        self,
        database_name: str | None = None,
        database_username: str | None = None,
        database_password: str | None = None,
    ) -> dict[str, Any]:
        """A ``core.psql_dos`` storage config for a new database (created when the profile is)."""
        parts = urlsplit(self.url)
        name = database_name or f"provgraph_test_{uuid.uuid4().hex[:16]}"
        self.created.append(name)
        return {
            "database_engine": "postgresql_psycopg",
            "database_name": name,
            "database_username": database_username or parts.username or "postgres",
            "database_password": database_password or parts.password or "",
            "database_hostname": parts.hostname or "127.0.0.1",
            "database_port": parts.port or 5432,
        }

    def close(self) -> None:
        """Drop every database this cluster handed out."""
        if not self.created:
            return
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            for name in self.created:
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
                )
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.created.clear()


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """The PostgreSQL server test databases are made on; they are dropped at the end of the session."""
    cluster = PostgresCluster(
        os.environ.get(ENV_TEST_POSTGRES)
        or os.environ.get("AIIDA_CORE_TESTS_POSTGRES")
        or DEFAULT_TEST_POSTGRES
    )
    yield cluster
    get_manager().reset_profile_storage()
    cluster.close()


@pytest.fixture(scope="session")
def config_psql_dos(
    tmp_path_factory: pytest.TempPathFactory, postgres_cluster: PostgresCluster
) -> Callable[..., dict[str, Any]]:
    """Factory ``(database_name=None, database_username=None, database_password=None)``: a psql_dos config."""

    def factory(
        database_name: str | None = None,
        database_username: str | None = None,
        database_password: str | None = None,
    ) -> dict[str, Any]:
        storage_config = postgres_cluster.create_database(database_name, database_username, database_password)
        storage_config["repository_uri"] = pathlib.Path(tmp_path_factory.mktemp("repository")).as_uri()
        return storage_config

    return factory


@pytest.fixture(scope="session")
def config_sqlite_dos(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., dict[str, Any]]:
    """Factory ``(filepath=None)``: a sqlite_dos storage config in a new temporary folder."""

    def factory(filepath: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        return {"filepath": str(filepath or tmp_path_factory.mktemp("test_sqlite_dos_storage"))}

    return factory
