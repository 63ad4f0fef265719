"""``provgraph.caching``: profile options decide, ``with`` blocks override, patterns by specificity."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from provgraph.caching import (
    CachingOptions,
    disable_caching,
    enable_caching,
    get_caching_options,
    is_caching_enabled,
)
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.exceptions import ConfigurationError, InputValidationError
from provgraph.manager import get_manager

ADD = "aiida.calculations:core.arithmetic.add"
FUNCTION = "my_package.module.add"


@pytest.fixture
def set_options(make_profile: Any) -> Iterator[Any]:
    """Load a (never opened) profile whose options the test sets."""

    def apply(**options: Any) -> None:
        profile: Profile = make_profile("core.sqlite_dos")
        for name, value in options.items():
            profile.set_option(name.replace("__", "."), value)
        with Config.modify() as config:
            config.add_profile(profile)
        get_manager().load_profile(profile.name)

    yield apply
    get_manager().reset()


def test_off_by_default_without_profile_or_config() -> None:
    assert get_caching_options() == CachingOptions(False, (), ())
    assert not is_caching_enabled()
    assert not is_caching_enabled(ADD)


def test_profile_options_decide(set_options: Any) -> None:
    set_options(
        caching__default_enabled=True,
        caching__disabled_for=["aiida.calculations:core.*"],
        caching__enabled_for=[ADD],
    )
    assert is_caching_enabled()
    assert is_caching_enabled(FUNCTION)
    assert is_caching_enabled(ADD)  # the exact pattern is more specific than the wildcard
    assert not is_caching_enabled("aiida.calculations:core.templatereplacer")


def test_global_option_applies_without_a_profile_option() -> None:
    with Config.modify() as config:
        config.set_option("caching.default_enabled", True)
    get_manager().reset()
    assert is_caching_enabled(FUNCTION)


def test_enable_and_disable_all_in_blocks(set_options: Any) -> None:
    set_options(caching__enabled_for=[ADD])
    assert is_caching_enabled(ADD)
    assert not is_caching_enabled(FUNCTION)
    with enable_caching():
        assert is_caching_enabled(FUNCTION)
        with disable_caching():
            assert not is_caching_enabled(ADD)  # the option's list is overridden too
        assert is_caching_enabled(FUNCTION)
    assert not is_caching_enabled(FUNCTION)


def test_enable_and_disable_one_identifier(set_options: Any) -> None:
    set_options(caching__default_enabled=True, caching__disabled_for=[FUNCTION])
    with enable_caching(identifier=FUNCTION):
        assert is_caching_enabled(FUNCTION)  # removed from the option's disabled list
        with disable_caching(FUNCTION):
            assert not is_caching_enabled(FUNCTION)
            assert is_caching_enabled(ADD)
        assert is_caching_enabled(FUNCTION)
    assert not is_caching_enabled(FUNCTION)
    with enable_caching(), disable_caching("my_package.*"):
        assert not is_caching_enabled(FUNCTION)
        assert is_caching_enabled(ADD)


def test_blocks_are_restored_after_an_error() -> None:
    with pytest.raises(RuntimeError), enable_caching():
        raise RuntimeError("boom")
    assert not is_caching_enabled(FUNCTION)


def test_blocks_do_not_leak_into_other_threads() -> None:
    seen: list[bool] = []
    with enable_caching():
        worker = threading.Thread(target=lambda: seen.append(is_caching_enabled(FUNCTION)))
        worker.start()
        worker.join()
        assert is_caching_enabled(FUNCTION)
    assert seen == [False]


def test_ambiguous_patterns_are_a_configuration_error(set_options: Any) -> None:
    set_options(caching__enabled_for=["my_package.*"], caching__disabled_for=["*.add"])
    with pytest.raises(ConfigurationError, match="most specific"):
        is_caching_enabled(FUNCTION)
    assert is_caching_enabled("my_package.other")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"caching__default_enabled": "yes"}, "true or false"),
        ({"caching__enabled_for": "my_package.add"}, "list of process types"),
        ({"caching__disabled_for": ["a:b:c"]}, "more than one ':'"),
        ({"caching__enabled_for": ["my package"]}, "not a Python name"),
    ],
)
def test_malformed_options_are_refused(set_options: Any, options: dict[str, Any], message: str) -> None:
    set_options(**options)
    with pytest.raises(ConfigurationError, match=message):
        is_caching_enabled(FUNCTION)


@pytest.mark.parametrize("identifier", ["", "a..b", "1abc", "class.add", "x:y:z", 5])
def test_invalid_identifiers_are_refused(identifier: Any) -> None:
    with pytest.raises(InputValidationError), enable_caching(identifier):
        pass


def test_process_type_must_be_a_string() -> None:
    with pytest.raises(InputValidationError, match="process_type must be a str"):
        is_caching_enabled(5)  # type: ignore[arg-type]
