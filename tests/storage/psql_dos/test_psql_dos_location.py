"""core.psql_dos: config from a URL, masked display, fast failure on an unreachable server."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from provgraph.config.profile import Profile
from provgraph.exceptions import ConfigurationError, UnreachableStorage
from provgraph.storage.psql_dos.backend import PsqlDosBackend

ProfileFactory = Callable[..., Profile]


def test_config_from_url(tmp_path: Path) -> None:
    config = PsqlDosBackend.config_from_url("postgresql://ann:s3cret@db.example:6543/prov", tmp_path / "repo")
    assert config == {
        "database_engine": "postgresql_psycopg",
        "database_hostname": "db.example",
        "database_port": 6543,
        "database_username": "ann",
        "database_password": "s3cret",
        "database_name": "prov",
        "repository_uri": (tmp_path / "repo").as_uri(),
    }
    assert PsqlDosBackend.url_from_config(config) == "postgresql://ann:***@db.example:6543/prov"


def test_config_from_url_defaults_and_escapes(tmp_path: Path) -> None:
    config = PsqlDosBackend.config_from_url("postgresql://bob:p%40ss@localhost/prov", tmp_path)
    assert (config["database_port"], config["database_password"]) == (5432, "p@ss")
    assert "p@ss" not in PsqlDosBackend.url_from_config(config)


@pytest.mark.parametrize("url", ["mysql://u@h/db", "postgresql://u@h", "not a url"])
def test_config_from_bad_url(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        PsqlDosBackend.config_from_url(url, tmp_path)


@pytest.mark.parametrize(
    ("key", "value"),
    [("repository_uri", "/not/a/uri"), ("repository_uri", "file://relative"), ("database_engine", "mysql")],
)
def test_invalid_config_is_refused(key: str, value: str, tmp_path: Path) -> None:
    config = PsqlDosBackend.config_from_url("postgresql://u@h/db", tmp_path)
    config[key] = value
    profile = Profile.new("p", "core.psql_dos", config)
    with pytest.raises(ConfigurationError, match=key):
        PsqlDosBackend(profile)


def test_unreachable_server_fails_fast_and_hides_the_password(tmp_path: Path) -> None:
    config = PsqlDosBackend.config_from_url("postgresql://ann:hunter2@127.0.0.1:1/prov", tmp_path)
    profile = Profile.new("p", "core.psql_dos", config)
    started = time.monotonic()
    for attempt in (lambda: PsqlDosBackend(profile), lambda: PsqlDosBackend.version_profile(profile)):
        with pytest.raises(UnreachableStorage) as excinfo:
            attempt()
        message = str(excinfo.value)
        assert "127.0.0.1:1" in message
        assert "hunter2" not in message
        assert "\n" not in message
    assert "postgresql://ann:***@127.0.0.1:1/prov" in message
    assert time.monotonic() - started < 10


@pytest.mark.requires_psql
def test_initialise_creates_the_database(make_profile: ProfileFactory) -> None:
    profile = make_profile("core.psql_dos")
    location = PsqlDosBackend.location(profile)
    assert not location.database_exists()
    assert PsqlDosBackend.initialise(profile) is True
    assert location.database_exists()


@pytest.mark.requires_psql
def test_delete_ends_other_sessions(make_profile: ProfileFactory) -> None:
    profile = make_profile("core.psql_dos")
    PsqlDosBackend.initialise(profile)
    location = PsqlDosBackend.location(profile)
    other = psycopg.connect(location.url().set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        with PsqlDosBackend(profile) as storage:
            storage.get_entity_counts()
            storage.delete()
        assert not location.database_exists()
        with pytest.raises(psycopg.OperationalError):
            other.execute("SELECT 1")  # its session was terminated
    finally:
        other.close()
