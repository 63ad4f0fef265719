"""Fixtures shared by the whole suite.

Every test runs with its own config folder (``PROVGRAPH_PATH``) so nothing touches the user's
``~/.provgraph``. PostgreSQL tests get a database of their own, created on the server named by
``PROVGRAPH_TEST_POSTGRES`` and dropped at the end of the run; an unreachable server skips them,
unless ``PROVGRAPH_REQUIRE_POSTGRES=1`` (CI), where it fails the run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from provgraph.config.profile import Profile

pytest_plugins = ["pytester"]

ADMIN_URL = os.environ.get("PROVGRAPH_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_POSTGRES = os.environ.get("PROVGRAPH_REQUIRE_POSTGRES", "") not in ("", "0")

SQL_BACKENDS = [
    "core.sqlite_dos",
    pytest.param("core.psql_dos", marks=pytest.mark.requires_psql),
]


@pytest.fixture(autouse=True)
def provgraph_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty config folder for this test; the process-wide manager is reset around it."""
    path = tmp_path / "provgraph-config"
    monkeypatch.setenv("PROVGRAPH_PATH", str(path))
    monkeypatch.delenv("PROVGRAPH_PROFILE", raising=False)
    _reset_manager()
    yield path
    _reset_manager()


def _reset_manager() -> None:
    from provgraph.manager import get_manager

    get_manager().reset()


class PostgresServer:
    """Creates databases for one test session and drops them all at its end."""

    def __init__(self, admin_url: str) -> None:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict

        self.admin_url = admin_url
        self.params = conninfo_to_dict(admin_url)
        self.prefix = f"pgtest_{uuid.uuid4().hex[:8]}"
        self.created: list[str] = []
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=3) as conn:
            conn.execute("SELECT 1")

    def new_database_name(self) -> str:
        """A fresh name; the database itself is created by whoever uses it (or dropped if left)."""
        name = f"{self.prefix}_{len(self.created)}"
        self.created.append(name)
        return name

    def create_database(self) -> str:
        import psycopg

        name = self.new_database_name()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def url_for(self, database: str) -> str:
        user = self.params.get("user", "postgres")
        password = self.params.get("password")
        auth = f"{user}:{password}" if password else str(user)
        host = self.params.get("host", "127.0.0.1")
        port = self.params.get("port", "5432")
        return f"postgresql://{auth}@{host}:{port}/{database}"

    def storage_config(self, database: str, repository: Path) -> dict[str, object]:
        """A ``core.psql_dos`` storage config (AiiDA's keys) for ``database``."""
        return {
            "database_engine": "postgresql_psycopg",
            "database_hostname": self.params.get("host", "127.0.0.1"),
            "database_port": int(self.params.get("port", 5432)),
            "database_username": self.params.get("user", "postgres"),
            "database_password": self.params.get("password", ""),
            "database_name": database,
            "repository_uri": repository.resolve().as_uri(),
        }

    def drop_all(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for name in self.created:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
                )
                conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer(ADMIN_URL)
    except Exception as exc:
        message = f"PostgreSQL at {ADMIN_URL} is unreachable: {exc}"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " (PROVGRAPH_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
    try:
        yield server
    finally:
        server.drop_all()


ProfileFactory = Callable[..., Profile]


@pytest.fixture
def make_profile(tmp_path: Path, request: pytest.FixtureRequest) -> ProfileFactory:
    """Build (not initialise) a profile on the named backend with fresh, empty storage locations."""
    counter = iter(range(1000))

    def factory(backend: str = "core.sqlite_dos", name: str | None = None, **extra: object) -> Profile:
        index = next(counter)
        name = name or f"test-{index}"
        if backend == "core.sqlite_dos":
            config: dict[str, object] = {"filepath": str(tmp_path / f"sqlite-dos-{index}")}
        elif backend == "core.psql_dos":
            server: PostgresServer = request.getfixturevalue("postgres_server")
            config = server.storage_config(server.new_database_name(), tmp_path / f"psql-repo-{index}")
        else:
            raise ValueError(f"no test storage for backend {backend!r}")
        config.update(extra)
        return Profile.new(name, backend, config, test_profile=True)

    return factory


@pytest.fixture(params=SQL_BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    """Each SQL backend in turn; PostgreSQL ones carry the ``requires_psql`` marker."""
    name: str = request.param
    if name == "core.psql_dos":
        request.getfixturevalue("postgres_server")
    return name


@pytest.fixture
def profile(backend_name: str, make_profile: ProfileFactory) -> Profile:
    """A profile on each SQL backend whose storage is initialised (but not opened)."""
    from provgraph.storage import get_storage_class

    profile = make_profile(backend_name)
    get_storage_class(backend_name).initialise(profile)
    return profile


@pytest.fixture
def storage(profile: Profile) -> Iterator[object]:
    """An open storage on each SQL backend, closed after the test."""
    from provgraph.storage import get_storage_class

    backend = get_storage_class(profile.storage_backend)(profile)
    try:
        yield backend
    finally:
        backend.close()


@pytest.fixture
def registered_profile(profile: Profile) -> Iterator[Profile]:
    """The initialised test profile, written to the config as default, with its default user, loaded."""
    from provgraph.config import Config
    from provgraph.manager import get_manager
    from provgraph.storage import EntityTypes

    with Config.modify() as config:
        config.add_profile(profile)
        config.set_default_profile(profile.name)
    manager = get_manager()
    manager.reset()
    manager.load_profile(profile.name)
    user = {"email": profile.default_user_email, "first_name": "", "last_name": "", "institution": ""}
    manager.get_profile_storage().bulk_insert(EntityTypes.USER, [user])
    yield profile
    manager.reset()
