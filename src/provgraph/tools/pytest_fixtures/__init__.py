"""pytest fixtures with aiida-core's names, for testing code that uses provgraph.

Load the plugin in a ``conftest.py``::

    pytest_plugins = ["provgraph.tools.pytest_fixtures"]

    def test_sum(aiida_profile_clean):
        from provgraph import orm
        assert orm.Int(2).store().value == 2

Every test session gets a temporary config folder and a loaded ``core.sqlite_dos`` profile
(``aiida_config``, ``aiida_profile``, both autouse); ``aiida_profile_clean`` empties its storage
before the test. Set ``PROVGRAPH_TEST_STORAGE=core.psql_dos`` to run on PostgreSQL instead (the
server of ``PROVGRAPH_TEST_POSTGRES``, default ``postgresql://postgres@127.0.0.1:5432/postgres``;
each session makes its own database and drops it at the end). provgraph has no daemon, message
broker or transports, so aiida-core's fixtures for those (``daemon_client``,
``started_daemon_client``, ``stopped_daemon_client``, ``submit_and_await``,
``run_aiida_broker_service*``) are not provided, nor ``entry_points`` (aiida's registry patcher:
provgraph reads entry points from the installed packages' metadata); ssh computers are recorded
only, nothing connects to them.
"""

from provgraph.tools.pytest_fixtures.configuration import (
    aiida_config,
    aiida_config_factory,
    aiida_config_tmp,
    aiida_manager,
    aiida_profile,
    aiida_profile_clean,
    aiida_profile_clean_class,
    aiida_profile_factory,
    aiida_profile_tmp,
)
from provgraph.tools.pytest_fixtures.orm import (
    aiida_code,
    aiida_code_installed,
    aiida_computer,
    aiida_computer_local,
    aiida_computer_ssh,
    aiida_computer_ssh_async,
    aiida_localhost,
    ssh_key,
)
from provgraph.tools.pytest_fixtures.storage import config_psql_dos, config_sqlite_dos, postgres_cluster

__all__ = [
    "aiida_code",
    "aiida_code_installed",
    "aiida_computer",
    "aiida_computer_local",
    "aiida_computer_ssh",
    "aiida_computer_ssh_async",
    "aiida_config",
    "aiida_config_factory",
    "aiida_config_tmp",
    "aiida_localhost",
    "aiida_manager",
    "aiida_profile",
    "aiida_profile_clean",
    "aiida_profile_clean_class",
    "aiida_profile_factory",
    "aiida_profile_tmp",
    "config_psql_dos",
    "config_sqlite_dos",
    "postgres_cluster",
    "ssh_key",
]
