"""provgraph.tools.pytest_fixtures: aiida-core's fixture names, used by a test suite of its own.

Each case writes a small test module that loads the plugin and runs it in a separate pytest
process (pytester), as a plugin author's suite would.
"""

from __future__ import annotations

import pytest
from tests.conftest import SQL_BACKENDS, PostgresServer

USER_TESTS = """
import pytest
from provgraph import orm
from provgraph.manage import get_manager

pytest_plugins = ["provgraph.tools.pytest_fixtures"]


def test_profile_is_loaded(aiida_profile):
    assert get_manager().get_profile().name == aiida_profile.name
    assert aiida_profile.storage_backend == "{backend}"


def test_store(aiida_profile_clean):
    orm.Int(5).store()
    assert orm.QueryBuilder().append(orm.Int).count() == 1


def test_clean_again(aiida_profile_clean):
    assert orm.QueryBuilder().append(orm.Node).count() == 0
    assert orm.User.collection.get_default().email == "test@localhost"


def test_localhost(aiida_localhost):
    assert aiida_localhost.label == "localhost-master"
    assert aiida_localhost.is_configured
    assert aiida_localhost.transport_type == "core.local"


def test_profile_tmp(aiida_profile, aiida_profile_tmp):
    assert aiida_profile_tmp.name != aiida_profile.name
    assert get_manager().get_profile().name == aiida_profile_tmp.name


def test_profile_back_after_tmp(aiida_profile):
    assert get_manager().get_profile().name == aiida_profile.name
"""


@pytest.mark.parametrize("backend", SQL_BACKENDS)
def test_plugin_in_a_users_suite(
    backend: str, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    if backend == "core.psql_dos":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        monkeypatch.setenv("PROVGRAPH_TEST_POSTGRES", server.admin_url)
    monkeypatch.setenv("PROVGRAPH_TEST_STORAGE", backend)
    pytester.makepyfile(test_user=USER_TESTS.replace("{backend}", backend))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=6)


def test_broker_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_broker="""
pytest_plugins = ["provgraph.tools.pytest_fixtures"]


def test_broker(aiida_config, aiida_profile_factory):
    import pytest
    with pytest.raises(ValueError, match="no message broker"):
        with aiida_profile_factory(aiida_config, broker_backend="core.rabbitmq"):
            pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)


@pytest.mark.requires_psql
def test_psql_databases_are_dropped(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """A session on PostgreSQL leaves no database behind."""
    import psycopg

    server: PostgresServer = request.getfixturevalue("postgres_server")
    monkeypatch.setenv("PROVGRAPH_TEST_POSTGRES", server.admin_url)
    monkeypatch.setenv("PROVGRAPH_TEST_STORAGE", "core.psql_dos")
    pytester.makepyfile(
        test_db="""
pytest_plugins = ["provgraph.tools.pytest_fixtures"]


def test_name(aiida_profile):
    print("DATABASE", aiida_profile.storage_config["database_name"])
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-s")
    result.assert_outcomes(passed=1)
    names = [line.split()[-1] for line in result.outlines if line.startswith("DATABASE")]
    assert len(names) == 1
    with psycopg.connect(server.admin_url, autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (names[0],)).fetchall()
    assert found == []


def test_ssh_computers_are_recorded(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_ssh="""
import pytest

pytest_plugins = ["provgraph.tools.pytest_fixtures"]


def test_ssh(aiida_computer_ssh, aiida_computer_ssh_async):
    assert aiida_computer_ssh().transport_type == "core.ssh"
    computer = aiida_computer_ssh_async(backend="asyncssh")
    assert computer.transport_type == "core.ssh_async"
    assert computer.get_configuration() == {"backend": "asyncssh"}
    with pytest.raises(ValueError, match="needs `backend`"):
        aiida_computer_ssh_async()
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=1)
