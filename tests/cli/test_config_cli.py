"""``provgraph config list|show|get|set|unset`` against a real config.json with a registered profile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.cli_assertions import assert_one_line_error

from provgraph.caching import get_caching_options
from provgraph.cli.config_cmd import config
from provgraph.cli.main import cli
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The test profile, registered as default in this test's config.json, with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


def run(*args: str) -> Result:
    return CliRunner().invoke(config, list(args), catch_exceptions=False)


def stored(profile: Profile | None = None) -> dict[str, object]:
    """The options in config.json now: the profile's, or the global ones."""
    loaded = Config.load()
    return loaded.get_profile(profile.name).options if profile is not None else loaded.options


def test_list_shows_defaults_then_sources(registered: Profile) -> None:
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0] == ["name", "source", "value"]
    assert ["caching.default_enabled", "default", "false"] in lines
    assert ["storage.sandbox", "default"] in lines
    assert run("set", "caching.default_enabled", "true", "--global").exit_code == 0
    assert run("set", "caching.enabled_for", "aiida.calculations:core.*").exit_code == 0
    records = {item["name"]: item for item in json.loads(run("list", "--json").stdout)}
    assert records["caching.default_enabled"] == {
        "name": "caching.default_enabled",
        "source": "global",
        "value": True,
    }
    assert records["caching.enabled_for"]["source"] == "profile"
    assert records["caching.enabled_for"]["value"] == ["aiida.calculations:core.*"]
    only = run("list", "storage", "-d").output.splitlines()
    assert only[0].split() == ["name", "source", "value", "description"]
    assert len(only) == 2
    assert only[1].startswith("storage.sandbox")
    assert "No option starts with 'nothing'" in run("list", "nothing").output


def test_list_names_options_it_keeps_but_does_not_use(registered: Profile) -> None:
    with Config.modify() as modified:
        modified.set_option("daemon.timeout", 5)
    result = run("list")
    assert "kept but not used by provgraph (aiida-core's options): daemon.timeout" in result.output


def test_set_get_unset_for_the_profile(registered: Profile) -> None:
    assert run("get", "caching.default_enabled").output == "false\n"
    result = run("set", "caching.default_enabled", "yes")
    assert result.exit_code == 0, result.output
    assert f"Set caching.default_enabled to true for profile {registered.name!r}." in result.output
    assert stored(registered) == {"caching.default_enabled": True}
    assert stored() == {}
    assert run("get", "caching.default_enabled").output == "true\n"
    result = run("unset", "caching.default_enabled")
    assert result.exit_code == 0, result.output
    assert f"Unset caching.default_enabled for profile {registered.name!r}." in result.output
    assert stored(registered) == {}
    assert "was not set" in run("unset", "caching.default_enabled").output


def test_set_and_unset_globally(registered: Profile) -> None:
    assert run("set", "storage.sandbox", "/tmp/sandboxes", "-g").exit_code == 0
    assert stored() == {"storage.sandbox": "/tmp/sandboxes"}
    assert run("get", "storage.sandbox").output == "/tmp/sandboxes\n"
    assert run("set", "storage.sandbox", "/tmp/mine").exit_code == 0
    assert run("get", "storage.sandbox").output == "/tmp/mine\n"  # the profile's own wins
    assert run("unset", "storage.sandbox").exit_code == 0
    assert run("get", "storage.sandbox").output == "/tmp/sandboxes\n"
    result = run("unset", "storage.sandbox", "--global")
    assert "Unset storage.sandbox globally." in result.output
    assert run("get", "storage.sandbox").output == "\n"
    assert stored() == {}


def test_list_options_append_and_remove(registered: Profile) -> None:
    assert run("set", "caching.enabled_for", "aiida.calculations:core.* my.module.Calc").exit_code == 0
    assert stored(registered)["caching.enabled_for"] == ["aiida.calculations:core.*", "my.module.Calc"]
    assert run("set", "caching.enabled_for", "-a", "other.Calc").exit_code == 0
    assert run("set", "caching.enabled_for", "-a", "other.Calc").exit_code == 0  # no duplicate
    assert run("set", "caching.enabled_for", "-r", "my.module.Calc").exit_code == 0
    assert stored(registered)["caching.enabled_for"] == ["aiida.calculations:core.*", "other.Calc"]
    assert json.loads(run("get", "caching.enabled_for").output) == ["aiida.calculations:core.*", "other.Calc"]
    get_manager().reset()  # as the next process would read config.json
    get_manager().load_profile(registered.name)
    assert get_caching_options().enabled_for == ("aiida.calculations:core.*", "other.Calc")


def test_errors_are_one_line_and_change_nothing(registered: Profile) -> None:
    before = Path(Config.load().filepath).read_bytes()
    assert_one_line_error(
        run("set", "caching.default_enable", "true"),
        "unknown option 'caching.default_enable'; did you mean 'caching.default_enabled'?",
    )
    assert_one_line_error(run("get", "sandbox"), "unknown option 'sandbox'", "storage.sandbox")
    assert_one_line_error(run("set", "logging.aiida_loglevel", "DEBUG"), "is aiida-core's and has no effect")
    assert_one_line_error(run("set", "caching.default_enabled", "maybe"), "takes true or false, got 'maybe'")
    assert_one_line_error(run("set", "storage.sandbox", "relative/dir"), "takes an absolute path")
    assert_one_line_error(run("set", "caching.enabled_for", "1bad"), "cannot match a process type")
    assert_one_line_error(run("set", "storage.sandbox", "/x", "--append"), "list options only")
    both = run("set", "caching.enabled_for", "a.b", "-a", "-r")
    assert both.exit_code == 2
    assert "exclude each other" in both.output
    assert_one_line_error(run("unset", "nothing.here"), "unknown option 'nothing.here'")
    assert Path(Config.load().filepath).read_bytes() == before


def test_selected_profile_through_the_root_command(
    registered: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(cli.lazy_commands, "config", "provgraph.cli.config_cmd:config")  # until main lists it
    result = CliRunner().invoke(cli, ["-p", registered.name, "config", "set", "caching.default_enabled", "1"])
    assert result.exit_code == 0, result.output
    assert stored(registered) == {"caching.default_enabled": True}
    missing = CliRunner().invoke(cli, ["-p", "nosuch", "config", "get", "storage.sandbox"])
    assert missing.exit_code == 1
    assert "no profile 'nosuch'" in missing.output


def test_show(registered: Profile) -> None:
    run("set", "caching.disabled_for", "a.b", "--global")
    lines = [line.split(maxsplit=1) for line in run("show", "caching.disabled_for").output.splitlines()]
    assert ["type", "list of strings"] in lines
    assert ["global", '["a.b"]'] in lines
    record = json.loads(run("show", "caching.disabled_for", "--json").stdout)
    assert record["default"] == []
    assert record["global"] == ["a.b"]
    assert record[f"profile {registered.name}"] == "<not set>"


def test_caching_lists_the_process_types_by_their_state(registered: Profile) -> None:
    add, multiply_add = (
        "aiida.calculations:core.arithmetic.add",
        "aiida.workflows:core.arithmetic.multiply_add",
    )
    assert run("caching").output == ""
    assert run("caching", "--disabled").output.split() == [add, multiply_add]
    assert run("set", "caching.enabled_for", "aiida.calculations:*").exit_code == 0
    get_manager().reset()  # as the next process would read config.json
    assert run("caching").output.split() == [add]
    assert run("caching", "-d").output.split() == [multiply_add]


def test_every_command_has_help_with_an_example(registered: Profile) -> None:
    assert config.help
    for name, command in config.commands.items():
        assert "Example:" in (command.help or ""), name
        assert CliRunner().invoke(config, [name, "--help"]).exit_code == 0
    assert set(config.commands) >= {"list", "show", "get", "set", "unset", "caching"}


def test_global_sandbox_option_is_used_by_unstored_nodes(
    registered: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provgraph.orm import FolderData
    from provgraph.repository import sandbox as sandbox_module

    monkeypatch.setattr(sandbox_module, "SPILL_THRESHOLD", 0)  # every file on disk, as big ones are
    root = tmp_path / "global-sandbox"
    result = run("set", "--global", "storage.sandbox", str(root))
    assert result.exit_code == 0, result.output
    get_manager().reset()
    get_manager().load_profile(registered.name)
    folder = FolderData()
    folder.base.repository.put_object_from_bytes(b"content", "file.txt")
    assert root.is_dir()
    assert any(root.rglob("*")), "the unstored node's file is not under the global sandbox folder"
