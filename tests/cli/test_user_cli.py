"""``provgraph user list`` on a real default profile of each SQL backend."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from provgraph.cli.user import user
from provgraph.config.profile import Profile
from provgraph.orm.users import User


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile (tests/conftest.py), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


def test_list_marks_the_default_user(registered: Profile) -> None:
    User("ada@example.org", "Ada", "Lovelace", "Analytical Engines").store()
    result = CliRunner().invoke(user, ["list"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0] == ["email", "first", "name", "last", "name", "institution"]
    assert ["*", registered.default_user_email] in lines
    assert ["ada@example.org", "Ada", "Lovelace", "Analytical", "Engines"] in lines


def test_help(registered: Profile) -> None:
    for args in (["--help"], ["list", "--help"]):
        result = CliRunner().invoke(user, args)
        assert result.exit_code == 0
        assert "Usage:" in result.output
    assert user.help
    assert user.commands["list"].help
