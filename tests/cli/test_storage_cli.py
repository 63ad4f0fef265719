"""``provgraph storage ...`` on real storages of both SQL backends."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage import get_storage_class


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def registered(profile: Profile) -> Profile:
    """The initialised test profile, written into the config as the default."""
    with Config.modify() as config:
        config.add_profile(profile)
        config.set_default_profile(profile.name)
    return profile


def test_info_counts_entities(registered: Profile) -> None:
    result = run("storage", "info")
    assert result.exit_code == 0, result.output
    for entity in ("Users", "Computers", "Nodes", "Groups", "Comments", "Logs", "Links"):
        assert f"{entity}:" in result.output
    assert "count: 0" in result.output
    assert "repository" in result.output


def test_info_detailed_and_profile_option(registered: Profile) -> None:
    result = run("-p", registered.name, "storage", "info", "--detailed")
    assert result.exit_code == 0, result.output
    assert registered.name in result.output


def test_version_reports_head_and_profile(registered: Profile) -> None:
    head = get_storage_class(registered.storage_backend).version_head()
    result = run("storage", "version")
    assert result.exit_code == 0, result.output
    assert f"Latest storage schema version: {head!r}" in result.output
    assert f"Storage schema version of {registered.name!r}: {head!r}" in result.output


def test_migrate_at_head_is_a_no_op(registered: Profile) -> None:
    result = run("storage", "migrate", "--force")
    assert result.exit_code == 0, result.output
    assert "already at the latest" in result.output


def test_unknown_profile_option_lists_profiles(registered: Profile) -> None:
    result = run("-p", "ghost", "storage", "info")
    assert result.exit_code == 1
    assert result.output.startswith("Error:")
    assert "ghost" in result.output
    assert registered.name in result.output


def test_info_without_any_profile_points_to_quickstart() -> None:
    result = run("storage", "info")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "quickstart" in result.output


def test_info_with_unknown_backend_name(registered: Profile) -> None:
    with Config.modify() as config:
        raw = config.get_profile(registered.name).to_dict()
        raw["storage"]["backend"] = "core.nosuch"
        config.update_profile(Profile(registered.name, raw))
    get_manager().reset()
    result = run("storage", "info")
    assert result.exit_code == 1
    assert "core.nosuch" in result.output
    assert "core.sqlite_dos" in result.output  # names the backends that exist


def test_info_as_json_and_yaml(registered: Profile) -> None:
    import json

    import yaml

    as_json = json.loads(run("storage", "info", "--json").stdout)
    as_yaml = yaml.safe_load(run("storage", "info", "--format", "yaml").stdout)
    assert as_json == as_yaml
    assert as_json["profile"] == registered.name
    assert as_json["entities"]["Nodes"]["count"] == 0
