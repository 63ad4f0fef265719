"""The options of ``config.json`` that provgraph reads: their names, types, defaults and checks.

An option lives under ``options`` of a profile (applies to that profile) or at the top level
(``options`` of the config: applies to every profile that does not set it), with aiida-core's
names, so that one ``config.json`` serves both. Options that aiida-core has and provgraph does not
use (the daemon's, RabbitMQ's, ...) are kept in the file untouched but are not offered here.

>>> option = get_option("caching.default_enabled")
>>> option.parse("yes"), option.default
(True, False)
>>> try:
...     get_option("caching.default_enable")
... except ConfigurationError as error:
...     print(error)
unknown option 'caching.default_enable'; did you mean 'caching.default_enabled'?
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import ConfigurationError

if TYPE_CHECKING:
    from provgraph.config.config import Config

__all__ = ["AIIDA_ONLY_OPTIONS", "OPTIONS", "ConfigOption", "get_option", "option_values", "unset_option"]

_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


@dataclass(frozen=True)
class ConfigOption:
    """One option: ``kind`` is ``bool``, ``list`` (of strings) or ``path`` (absolute, or unset)."""

    name: str
    kind: str
    default: Any
    description: str

    def parse(self, text: str) -> Any:
        """The value of ``text`` as typed on a command line (a list is split at blanks)."""
        if self.kind == "bool":
            lowered = text.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
            raise ConfigurationError(f"option {self.name!r} takes true or false, got {text!r}")
        if self.kind == "list":
            return self.validate(text.split())
        return self.validate(text)

    def validate(self, value: Any) -> Any:
        """``value`` if this option can hold it (as read from JSON), else ConfigurationError."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigurationError(f"option {self.name!r} takes true or false, got {value!r}")
        elif self.kind == "list":
            if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
                raise ConfigurationError(
                    f"option {self.name!r} takes a list of non-empty strings, got {value!r}"
                )
        elif (
            self.kind == "path"
            and value is not None
            and not (isinstance(value, str) and os.path.isabs(value))
        ):
            raise ConfigurationError(f"option {self.name!r} takes an absolute path, got {value!r}")
        return value


#: Every option provgraph reads, by name (aiida-core's names and defaults).
OPTIONS: dict[str, ConfigOption] = {
    option.name: option
    for option in (
        ConfigOption(
            "caching.default_enabled",
            "bool",
            False,
            "Take a process's results from the cache when an identical one ran before.",
        ),
        ConfigOption(
            "caching.enabled_for",
            "list",
            [],
            "Process types (entry points or dotted names, '*' wildcards) for which caching is on.",
        ),
        ConfigOption(
            "caching.disabled_for",
            "list",
            [],
            "Process types (entry points or dotted names, '*' wildcards) for which caching is off.",
        ),
        ConfigOption(
            "storage.sandbox",
            "path",
            None,
            "Absolute path of the folder for the sandboxes of unstored nodes' files (default: the system's).",
        ),
    )
}


#: aiida-core 2.9's options that provgraph does not use (kept in config.json, not offered).
AIIDA_ONLY_OPTIONS = frozenset(
    [
        "runner.poll.interval",
        "daemon.default_workers",
        "daemon.timeout",
        "daemon.worker_process_slots",
        "daemon.recursion_limit",
        "db.batch_size",
        "verdi.shell.auto_import",
        "logging.terminal_handler",
        "logging.aiida_loglevel",
        "logging.aiida_core_loglevel",
        "logging.verdi_loglevel",
        "logging.disk_objectstore_loglevel",
        "logging.database_handler",
        "logging.db_loglevel",
        "logging.plumpy_loglevel",
        "logging.kiwipy_loglevel",
        "logging.paramiko_loglevel",
        "logging.alembic_loglevel",
        "logging.sqlalchemy_loglevel",
        "logging.circus_loglevel",
        "logging.aiopika_loglevel",
        "warnings.showdeprecations",
        "warnings.rabbitmq_version",
        "warnings.development_version",
        "transport.task_retry_initial_interval",
        "transport.task_maximum_attempts",
        "broker.task_timeout",
        "rmq.task_timeout",
        "autofill.user.email",
        "autofill.user.first_name",
        "autofill.user.last_name",
        "autofill.user.institution",
        "rest_api.profile_switching",
    ]
)


def get_option(name: str) -> ConfigOption:
    """The option called ``name``; ConfigurationError with the closest names for a typo."""
    try:
        return OPTIONS[name]
    except KeyError:
        if name in AIIDA_ONLY_OPTIONS:
            raise ConfigurationError(
                f"option {name!r} is aiida-core's and has no effect in provgraph; "
                f"provgraph's options are {', '.join(sorted(OPTIONS))}"
            ) from None
        close = difflib.get_close_matches(name, list(OPTIONS), n=3, cutoff=0.8)
        if close:
            hint = f"did you mean {' or '.join(repr(item) for item in close)}?"
        else:
            hint = f"provgraph's options are {', '.join(sorted(OPTIONS))}"
        raise ConfigurationError(f"unknown option {name!r}; {hint}") from None


def option_values(config: Config, profile: str | None) -> dict[str, tuple[str, Any]]:
    """``name -> (source, value)`` of every option as ``profile`` sees it (None: globally).

    The source is ``profile``, ``global`` or ``default``, in that order of precedence.
    """
    profile_options: Mapping[str, Any] = config.get_profile(profile).options if profile is not None else {}
    global_options = config.options
    values: dict[str, tuple[str, Any]] = {}
    for name, option in OPTIONS.items():
        if name in profile_options:
            values[name] = ("profile", profile_options[name])
        elif name in global_options:
            values[name] = ("global", global_options[name])
        else:
            values[name] = ("default", option.default)
    return values


def unset_option(config: Config, name: str, profile: str | None) -> bool:
    """Remove option ``name`` from ``profile``'s options (None: the global ones); whether it was set.

    Call it on the config that :meth:`Config.modify` yields, so the change is written under the lock.
    """
    from provgraph.config.profile import Profile

    if profile is not None:
        stored = config.get_profile(profile)
        if name not in stored.options:
            return False
        attributes = stored.to_dict()
        del attributes["options"][name]
        config.update_profile(Profile(profile, attributes))
        return True
    options = config._options  # Config has no public remover yet (same package)
    if name not in options:
        return False
    del options[name]
    return True
