"""Whether a process may be taken from the cache: profile options, narrowed by context managers.

Caching is off unless switched on, because a cached result is a claim that rerunning would give
the same outputs, which only the user can make. The profile (or global) options decide by
default, with AiiDA's names and meaning:

* ``caching.default_enabled`` (bool, default False): for process types no list names;
* ``caching.enabled_for`` / ``caching.disabled_for`` (lists of identifiers): process types
  (``aiida.calculations:core.arithmetic.add``, ``my_module.my_function``) or patterns where ``*``
  matches any text. When patterns of both lists match, the most specific one decides: the one
  that every other matching pattern also matches, as a string.

:func:`enable_caching` and :func:`disable_caching` override the options inside a ``with`` block,
for everything or for one identifier. The overrides live in a :class:`~contextvars.ContextVar`,
so threads and asyncio tasks do not see each other's blocks, and blocks nest.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from provgraph.exceptions import ConfigurationError, InputValidationError
from provgraph.orm.nodes.caching_store import set_cache_policy

__all__ = [
    "DEFAULT_ENABLED_OPTION",
    "DISABLED_FOR_OPTION",
    "ENABLED_FOR_OPTION",
    "CachingOptions",
    "check_pattern",
    "disable_caching",
    "enable_caching",
    "get_caching_options",
    "get_use_cache",
    "is_caching_enabled",
]

DEFAULT_ENABLED_OPTION = "caching.default_enabled"
ENABLED_FOR_OPTION = "caching.enabled_for"
DISABLED_FOR_OPTION = "caching.disabled_for"


@dataclass(frozen=True, slots=True)
class CachingOptions:
    """The caching settings in effect: the default and the identifier patterns of each list."""

    default_enabled: bool = False
    enabled_for: tuple[str, ...] = ()
    disabled_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Overrides:
    """What the enclosing ``with`` blocks changed; ``default`` None leaves the options' default
    (and their lists) in force, True/False replaces them."""

    default: bool | None = None
    enabled_for: tuple[str, ...] = ()
    disabled_for: tuple[str, ...] = ()


_NO_OVERRIDES = _Overrides()
_OVERRIDES: ContextVar[_Overrides | None] = ContextVar("provgraph_caching_overrides", default=None)


def _current() -> _Overrides:
    return _OVERRIDES.get() or _NO_OVERRIDES


@contextmanager
def enable_caching(identifier: str | None = None) -> Iterator[None]:
    """Inside the block, take processes from the cache: all of them, or those ``identifier``
    (a process type or ``*`` pattern) matches."""
    with _overridden(True, identifier):
        yield


@contextmanager
def disable_caching(identifier: str | None = None) -> Iterator[None]:
    """Inside the block, never take processes from the cache: all of them, or those
    ``identifier`` (a process type or ``*`` pattern) matches."""
    with _overridden(False, identifier):
        yield


@contextmanager
def _overridden(enabled: bool, identifier: str | None) -> Iterator[None]:
    current = _current()
    if identifier is None:
        changed = _Overrides(default=enabled)
    else:
        check_pattern(identifier, "identifier")
        changed = _with_identifier(current, identifier, enabled)
    token = _OVERRIDES.set(changed)
    try:
        yield
    finally:
        _OVERRIDES.reset(token)


def _with_identifier(current: _Overrides, identifier: str, enabled: bool) -> _Overrides:
    """``current`` with ``identifier`` moved to the enabled (or disabled) list."""
    enabled_for = tuple(item for item in current.enabled_for if item != identifier)
    disabled_for = tuple(item for item in current.disabled_for if item != identifier)
    if enabled:
        enabled_for += (identifier,)
    else:
        disabled_for += (identifier,)
    return _Overrides(current.default, enabled_for, disabled_for)


def get_caching_options() -> CachingOptions:
    """The settings in effect here: the loaded profile's options (else the global ones) with the
    enclosing ``with`` blocks applied. Raises ``ConfigurationError`` for a malformed option."""
    overrides = _current()
    if overrides.default is not None:
        return CachingOptions(overrides.default, overrides.enabled_for, overrides.disabled_for)
    from provgraph.manager import get_manager

    manager = get_manager()
    default = manager.get_option(DEFAULT_ENABLED_OPTION, False)
    if not isinstance(default, bool):
        raise ConfigurationError(f"option {DEFAULT_ENABLED_OPTION!r} must be true or false, got {default!r}")
    enabled = _option_patterns(manager.get_option(ENABLED_FOR_OPTION, []), ENABLED_FOR_OPTION)
    disabled = _option_patterns(manager.get_option(DISABLED_FOR_OPTION, []), DISABLED_FOR_OPTION)
    # A block's choice for an identifier wins over the option's list that says the opposite.
    enabled = tuple(item for item in enabled if item not in overrides.disabled_for) + overrides.enabled_for
    disabled = tuple(item for item in disabled if item not in overrides.enabled_for) + overrides.disabled_for
    return CachingOptions(default, enabled, disabled)


def _option_patterns(value: Any, option: str) -> tuple[str, ...]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise ConfigurationError(f"option {option!r} must be a list of process types, got {value!r}")
    for item in value:
        check_pattern(item, f"an entry of option {option!r}", ConfigurationError)
    return tuple(value)


def is_caching_enabled(process_type: str | None = None) -> bool:
    """Whether a process of ``process_type`` may be taken from the cache here (None: the default).

    Raises ``ConfigurationError`` if patterns of both lists match and none is the most specific.
    """
    options = get_caching_options()
    if process_type is None:
        return options.default_enabled
    if not isinstance(process_type, str):
        raise InputValidationError(
            f"process_type must be a str or None, got {type(process_type).__name__} {process_type!r}"
        )
    enabled = [item for item in options.enabled_for if _matches(process_type, item)]
    disabled = [item for item in options.disabled_for if _matches(process_type, item)]
    if enabled and disabled:
        return _most_specific(process_type, enabled, disabled)
    if enabled:
        return True
    if disabled:
        return False
    return options.default_enabled


def _most_specific(process_type: str, enabled: list[str], disabled: list[str]) -> bool:
    """The verdict of the one pattern that all other matching patterns match too."""
    everything = enabled + disabled
    winners = {
        (pattern, verdict)
        for patterns, verdict in ((enabled, True), (disabled, False))
        for pattern in patterns
        if all(_matches(pattern, other) for other in everything)
    }
    if len(winners) != 1:
        raise ConfigurationError(
            f"caching patterns {sorted(everything)} all match process type {process_type!r} and none is "
            "the most specific; make one of them more specific or remove one"
        )
    return next(iter(winners))[1]


def _matches(text: str, pattern: str) -> bool:
    """Whether ``pattern`` (``*`` matches any text, including none) matches all of ``text``."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, text) is not None


_PART = re.compile(r"[A-Za-z_*][A-Za-z0-9_*]*")


def check_pattern(
    pattern: Any, what: str, error: type[InputValidationError | ConfigurationError] = InputValidationError
) -> None:
    """Refuse what can match no process type: an entry point string (``group:name``) or a dotted
    Python name, either with ``*`` wildcards."""
    if not isinstance(pattern, str) or not pattern:
        raise error(f"{what} must be a non-empty string, got {pattern!r}")
    if pattern.count(":") > 1:
        raise error(f"{what} {pattern!r} has more than one ':'; use 'group:name' or a dotted Python name")
    if ":" in pattern:
        return  # an entry point name may contain any character but ':'
    for part in pattern.split("."):
        if not _PART.fullmatch(part) or ("*" not in part and keyword.iskeyword(part)):
            raise error(
                f"{what} {pattern!r} cannot match a process type: {part!r} is not a Python name "
                "(use dotted names, entry point strings 'group:name' and '*' wildcards)"
            )


def get_use_cache(*, identifier: str | None = None) -> bool:
    """Whether a process of type ``identifier`` would use the cache now (aiida-core's name)."""
    return is_caching_enabled(identifier)


# ``node.store()`` of a calculation asks the ORM's cache policy (aiida-core's rule); the ORM may
# not import this module, so the policy is installed from here when provgraph is imported.
set_cache_policy(is_caching_enabled)
