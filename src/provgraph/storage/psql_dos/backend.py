"""``core.psql_dos``: a PostgreSQL database and a disk-objectstore container.

For teams and large data: many clients share one server (psycopg 3, pooled connections) and
the container sits on a shared file system. The storage config uses AiiDA's keys (see
:mod:`provgraph.storage.psql_dos.location`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

from provgraph.config.profile import Profile
from provgraph.storage.psql_dos.backup import PostgresDatabaseBackup
from provgraph.storage.psql_dos.location import PsqlDosLocation, config_from_url
from provgraph.storage.sql.backend import SqlDosBackend

__all__ = ["PsqlDosBackend"]


class PsqlDosBackend(SqlDosBackend):
    """A PostgreSQL database + disk-objectstore container."""

    label: ClassVar[str] = "PostgreSQL storage"

    @classmethod
    def location(cls, profile: Profile, *, read_only: bool = False) -> PsqlDosLocation:
        return PsqlDosLocation.from_config(profile.storage_config, read_only=read_only)

    @classmethod
    def database_backup(cls, profile: Profile) -> PostgresDatabaseBackup:
        return PostgresDatabaseBackup(cls.location(profile))

    @classmethod
    def config_from_url(cls, url: str, repository: Path) -> dict[str, Any]:
        """A storage config from ``postgresql://user:password@host:port/name`` and a repository folder."""
        return config_from_url(url, repository)

    @classmethod
    def url_from_config(cls, config: Mapping[str, Any]) -> str:
        """The config's database as ``postgresql://user:***@host:port/name`` (password masked)."""
        return PsqlDosLocation.from_config(config).display_url()
