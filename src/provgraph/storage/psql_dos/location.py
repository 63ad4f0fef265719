"""Where a ``core.psql_dos`` storage lives: a PostgreSQL database and a container folder.

Storage config keys are AiiDA's: ``database_engine``, ``database_hostname``, ``database_port``,
``database_username``, ``database_password``, ``database_name`` and ``repository_uri``
(``file:///abs/path``; the container is ``<path>/container``). Creating and dropping the
database go through the server's ``postgres`` maintenance database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from provgraph.exceptions import ConfigurationError, StorageError, UnreachableStorage
from provgraph.storage.sql.engines import postgresql_engine
from provgraph.storage.sql.location import DosLocation, shell_quote

__all__ = ["CONNECT_TIMEOUT", "PsqlDosLocation", "config_from_url"]

CONNECT_TIMEOUT = 5
"""Seconds before an unreachable server is reported (fail fast rather than hang)."""

_ENGINES = ("postgresql_psycopg", "postgresql_psycopg2")  # AiiDA's names; both mean psycopg 3 here
_MAINTENANCE_DB = "postgres"


def _one_line(error: BaseException) -> str:
    """A driver message on one line (psycopg adds indented hints on new lines)."""
    return " ".join(str(error).split())


def _repository_path(uri: Any) -> Path:
    if not isinstance(uri, str) or not uri.startswith("file://"):
        raise ConfigurationError(f"core.psql_dos 'repository_uri' must be a file:// URI, got {uri!r}")
    path = Path(unquote(urlparse(uri).path))
    if not path.is_absolute():
        raise ConfigurationError(f"core.psql_dos 'repository_uri' must be an absolute path, got {uri!r}")
    return path


def config_from_url(url: str, repository: Path) -> dict[str, Any]:
    """A storage config from ``postgresql://user:password@host:port/name`` and a repository folder."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigurationError(
            f"not a PostgreSQL URL: {url!r} (expected postgresql://user@host:port/name)"
        ) from exc
    if not parsed.drivername.startswith("postgresql") or not parsed.database:
        raise ConfigurationError(f"not a PostgreSQL URL with a database name: {parsed!r}")
    return {
        "database_engine": "postgresql_psycopg",
        "database_hostname": parsed.host or "localhost",
        "database_port": parsed.port or 5432,
        "database_username": parsed.username or "",
        "database_password": parsed.password or "",
        "database_name": parsed.database,
        "repository_uri": repository.expanduser().absolute().as_uri(),
    }


@dataclass(frozen=True)
class PsqlDosLocation(DosLocation):
    """A PostgreSQL database (server, credentials, name) and a container folder."""

    hostname: str
    port: int
    username: str
    password: str
    database: str
    repository: Path
    read_only: bool = False  # the engine's sessions run read-only transactions

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, read_only: bool = False) -> PsqlDosLocation:
        """Validate a ``core.psql_dos`` storage config."""
        engine = config.get("database_engine", "postgresql_psycopg")
        if engine not in _ENGINES:
            raise ConfigurationError(
                f"core.psql_dos 'database_engine' must be one of {list(_ENGINES)}, got {engine!r}"
            )
        name = config.get("database_name")
        if not isinstance(name, str) or not name:
            raise ConfigurationError(f"core.psql_dos needs 'database_name', got {name!r}")
        try:
            port = int(config.get("database_port", 5432))
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"core.psql_dos 'database_port' is not a port: {config['database_port']!r}"
            ) from exc
        return cls(
            hostname=str(config.get("database_hostname") or "localhost"),
            port=port,
            username=str(config.get("database_username") or ""),
            password=str(config.get("database_password") or ""),
            database=name,
            repository=_repository_path(config.get("repository_uri")),
            read_only=read_only,
        )

    def url(self, database: str | None = None) -> URL:
        return URL.create(
            "postgresql+psycopg",
            username=self.username or None,
            password=self.password or None,
            host=self.hostname,
            port=self.port,
            database=database or self.database,
        )

    def display_url(self) -> str:
        """``postgresql://user:***@host:port/name``: safe to print."""
        return self.url().set(drivername="postgresql").render_as_string(hide_password=True)

    @property
    def container_path(self) -> Path:
        return self.repository / "container"

    @property
    def folder(self) -> Path:
        return self.repository

    def describe(self) -> str:
        return f"{self.hostname}:{self.port}/{self.database}"

    def describe_database(self) -> str:
        return f"PostgreSQL database {self.describe()}"

    @property
    def unreachable_hint(self) -> str:
        return f"check that the PostgreSQL server of {self.display_url()} is running and the database exists"

    def mask(self, text: str) -> str:
        return text.replace(self.password, "***") if self.password else text

    def create_engine(self) -> Engine:
        return postgresql_engine(self.url(), connect_timeout=CONNECT_TIMEOUT, read_only=self.read_only)

    def _conninfo(self, database: str) -> str:
        return make_conninfo(
            host=self.hostname,
            port=self.port,
            user=self.username or None,
            password=self.password or None,
            dbname=database,
            connect_timeout=CONNECT_TIMEOUT,
        )

    @contextmanager
    def _maintenance(self) -> Iterator[psycopg.Connection[Any]]:
        """An autocommit connection to the server's ``postgres`` database (for CREATE/DROP)."""
        try:
            connection = psycopg.connect(self._conninfo(_MAINTENANCE_DB), autocommit=True)
        except psycopg.Error as exc:
            raise UnreachableStorage(
                f"cannot reach the PostgreSQL server of {self.display_url()}: {self.mask(_one_line(exc))}; "
                "check that it is running and accepts this user"
            ) from exc
        with connection:
            yield connection

    def database_exists(self) -> bool:
        """Connect to the database itself first: users may lack access to ``postgres``."""
        try:
            psycopg.connect(self._conninfo(self.database)).close()
        except psycopg.OperationalError:
            pass  # missing, or the server is unreachable: the maintenance database tells which
        else:
            return True
        with self._maintenance() as connection:
            found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,))
            return found.fetchone() is not None

    def create_database(self) -> None:
        statement = sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' TEMPLATE template0").format(
            sql.Identifier(self.database)
        )
        with self._maintenance() as connection:
            try:
                connection.execute(statement)
            except psycopg.Error as exc:
                raise StorageError(
                    f"cannot create {self.describe_database()}: {self.mask(_one_line(exc))}"
                ) from exc

    def drop_database(self) -> None:
        """Drop the database, ending its other sessions first (the caller holds the profile lock)."""
        with self._maintenance() as connection:
            try:
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.database,),
                )
                drop = sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.database))
                connection.execute(drop)
            except psycopg.Error as exc:
                raise StorageError(
                    f"cannot drop {self.describe_database()}: {self.mask(_one_line(exc))}"
                ) from exc

    def _psql(self, database: str, statement: str) -> str:
        user = f" -U {shell_quote(self.username)}" if self.username else ""
        return (
            f"psql -h {shell_quote(self.hostname)} -p {self.port}{user} -d {shell_quote(database)} "
            f"-c {shell_quote(statement)}"
        )

    def database_removal_hint(self) -> str:
        return self._psql(_MAINTENANCE_DB, f"DROP DATABASE {_quote_identifier(self.database)}")

    def sql_command_hint(self, statement: str) -> str:
        return self._psql(self.database, statement)


def _quote_identifier(name: str) -> str:
    """``name`` as a PostgreSQL identifier in double quotes (for commands shown to the user)."""
    return '"' + name.replace('"', '""') + '"'
