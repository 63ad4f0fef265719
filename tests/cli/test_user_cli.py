"""``provgraph user list|configure|set-default`` on a real default profile of each SQL backend."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from provgraph.cli import prompts
from provgraph.cli.user import user
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.users import User


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile (tests/conftest.py), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(user, list(args), input=input, catch_exceptions=False)


def stored_default(profile: Profile) -> str:
    """The default user's email as config.json says now (the loaded profile is a snapshot)."""
    return Config.load().get_profile(profile.name).default_user_email


def reload(profile: Profile) -> None:
    """Load the profile afresh, as the next `provgraph` process would."""
    manager = get_manager()
    manager.reset()
    manager.load_profile(profile.name)


def test_list_marks_the_default_user(registered: Profile) -> None:
    User("ada@example.org", "Ada", "Lovelace", "Analytical Engines").store()
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0] == ["default", "email", "first_name", "last_name", "institution"]
    assert lines[1] == ["ada@example.org", "Ada", "Lovelace", "Analytical", "Engines"]
    assert lines[2] == ["*", registered.default_user_email]
    assert "marked with *" in result.output
    records = json.loads(run("list", "--json").stdout)
    assert [(item["email"], item["default"]) for item in records] == [
        ("ada@example.org", False),
        (registered.default_user_email, True),
    ]
    tsv = run("list", "-F", "tsv").stdout.splitlines()
    assert tsv[1].split("\t") == ["false", "ada@example.org", "Ada", "Lovelace", "Analytical Engines"]


def test_configure_creates_then_updates(registered: Profile) -> None:
    result = run("configure", "--email", "ada@example.org", "--first-name", "Ada", "--institution", "Engines")
    assert result.exit_code == 0, result.output
    assert "Created user ada@example.org." in result.output
    ada = User.collection.get(email="ada@example.org")
    assert (ada.first_name, ada.last_name, ada.institution) == ("Ada", "", "Engines")
    result = run("configure", "--email", "ada@example.org", "--last-name", "Lovelace")
    assert result.exit_code == 0, result.output
    assert "Updated user ada@example.org." in result.output
    ada = User.collection.get(email="ada@example.org")
    assert (ada.first_name, ada.last_name, ada.institution) == ("Ada", "Lovelace", "Engines")
    assert stored_default(registered) == registered.default_user_email  # not without --set-default


def test_configure_without_a_terminal_needs_the_email(registered: Profile) -> None:
    missing = run("configure", "--first-name", "Ada")
    assert missing.exit_code == 2
    assert "Missing option '--email'" in missing.output
    assert run("configure", "-n", "--first-name", "Ada").exit_code == 2
    empty = run("configure", "--email", "ada@example.org", "--first-name", "  ")
    assert empty.exit_code == 2
    assert "'--first-name'" in empty.output
    assert User.collection.count() == 1


def test_configure_prompts_on_a_terminal(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    result = run("configure", input="grace@example.org\nGrace\nHopper\nNavy\ny\n")
    assert result.exit_code == 0, result.output
    grace = User.collection.get(email="grace@example.org")
    assert (grace.first_name, grace.last_name, grace.institution) == ("Grace", "Hopper", "Navy")
    assert stored_default(registered) == "grace@example.org"


def test_configure_set_default(registered: Profile) -> None:
    result = run("configure", "--email", "ada@example.org", "--set-default")
    assert result.exit_code == 0, result.output
    assert f"ada@example.org is now the default user of profile {registered.name!r}." in result.output
    assert stored_default(registered) == "ada@example.org"
    reload(registered)
    assert User.collection.get_default().email == "ada@example.org"
    assert ["*", "ada@example.org"] in [line.split() for line in run("list").output.splitlines()]


def test_set_default(registered: Profile) -> None:
    User("ada@example.org").store()
    result = run("set-default", "ada@example.org")
    assert result.exit_code == 0, result.output
    assert stored_default(registered) == "ada@example.org"
    reload(registered)
    assert User.collection.get_default().email == "ada@example.org"
    other = Config.load().get_profile(registered.name)
    assert other.storage_config == registered.storage_config  # nothing else of the profile changed
    missing = run("set-default", "nobody@example.org")
    assert missing.exit_code == 1
    assert "No user with email 'nobody@example.org'" in missing.output
    assert stored_default(registered) == "ada@example.org"


def test_help(registered: Profile) -> None:
    for args in (["--help"], ["list", "--help"], ["configure", "--help"], ["set-default", "--help"]):
        result = CliRunner().invoke(user, args)
        assert result.exit_code == 0
        assert "Usage:" in result.output
    assert user.help
    for command in user.commands.values():
        assert command.help
        assert "Example:" in command.help
