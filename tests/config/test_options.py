"""provgraph's config options: parsing, checks, precedence and removal (``provgraph.config.options``)."""

from __future__ import annotations

import doctest

import pytest

from provgraph.config import Config, Profile
from provgraph.config import options as options_module
from provgraph.config.options import AIIDA_ONLY_OPTIONS, OPTIONS, get_option, option_values, unset_option
from provgraph.exceptions import ConfigurationError


def test_module_example_runs() -> None:
    result = doctest.testmod(options_module, report=False)
    assert result.attempted > 0
    assert result.failed == 0


@pytest.mark.parametrize(
    ("text", "value"), [("true", True), ("YES", True), ("1", True), ("off", False), ("n", False)]
)
def test_bool_parsing(text: str, value: bool) -> None:
    assert get_option("caching.default_enabled").parse(text) is value


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("caching.default_enabled", "true", "takes true or false"),
        ("caching.enabled_for", "a.b", "list of non-empty strings"),
        ("caching.enabled_for", ["a", ""], "list of non-empty strings"),
        ("storage.sandbox", "relative", "absolute path"),
        ("storage.sandbox", 3, "absolute path"),
    ],
)
def test_validate_refuses_wrong_values(name: str, value: object, fragment: str) -> None:
    with pytest.raises(ConfigurationError, match=fragment):
        get_option(name).validate(value)


def test_list_parsing_splits_at_blanks_and_paths_may_be_unset() -> None:
    assert get_option("caching.enabled_for").parse("a.b  c:d\n") == ["a.b", "c:d"]
    assert get_option("storage.sandbox").validate(None) is None


def test_unknown_names() -> None:
    with pytest.raises(ConfigurationError, match=r"did you mean 'storage.sandbox'\?"):
        get_option("storage.sandbx")
    with pytest.raises(ConfigurationError, match="aiida-core's and has no effect"):
        get_option("daemon.timeout")
    assert not set(OPTIONS) & AIIDA_ONLY_OPTIONS


def test_values_and_sources_then_unset() -> None:
    config = Config.load(create=True)
    config.add_profile(Profile.new("p", "core.sqlite_dos", {"filepath": "/tmp/x"}))
    config.set_option("caching.default_enabled", True)
    config.set_option("storage.sandbox", "/tmp/mine", "p")
    values = option_values(config, "p")
    assert values["caching.default_enabled"] == ("global", True)
    assert values["storage.sandbox"] == ("profile", "/tmp/mine")
    assert values["caching.enabled_for"] == ("default", [])
    assert option_values(config, None)["storage.sandbox"] == ("default", None)
    assert unset_option(config, "storage.sandbox", "p")
    assert not unset_option(config, "storage.sandbox", "p")
    assert unset_option(config, "caching.default_enabled", None)
    assert not unset_option(config, "caching.default_enabled", None)
    assert config.options == {}
    assert config.get_profile("p").options == {}
