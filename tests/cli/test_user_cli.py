"""``provgraph user list`` on a real default profile of each SQL backend."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from provgraph.cli.user import user
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm.users import User
from provgraph.storage import EntityTypes


@pytest.fixture(autouse=True)
def registered(profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    monkeypatch.setenv("COLUMNS", "200")
    with Config.modify() as config:
        config.add_profile(profile)
        config.set_default_profile(profile.name)
    row = {"email": profile.default_user_email, "first_name": "", "last_name": "", "institution": ""}
    get_manager().get_profile_storage().bulk_insert(EntityTypes.USER, [row])
    return profile


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
