"""``provgraph config``: read and change the options of ``config.json`` (verdi's ``config`` commands).

An option set without ``--global`` applies to the selected profile (``-p``, else the default
one); with ``--global`` to every profile that does not set it. Every change is written under the
config's lock, so concurrent writers lose nothing. The options are aiida-core's names that
provgraph reads (:mod:`provgraph.config.options`).

    provgraph config list caching
    provgraph config set caching.default_enabled true
    provgraph config set caching.enabled_for --append aiida.calculations:core.arithmetic.add
    provgraph config unset caching.default_enabled --global
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, note, print_mapping

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from provgraph.config.config import Config
    from provgraph.config.options import ConfigOption

__all__ = ["config"]

F = TypeVar("F", bound=Callable[..., Any])


def _complete_option_names(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    from provgraph.config.options import OPTIONS

    return [CompletionItem(name) for name in sorted(OPTIONS) if name.startswith(incomplete)]


def _option_argument(command: Any) -> Any:
    return click.argument("name", metavar="OPTION", shell_complete=_complete_option_names)(command)


def _global_option(verb: str) -> Callable[[F], F]:
    return click.option(
        "-g",
        "--global",
        "globally",
        is_flag=True,
        help=f"{verb} the option for every profile (top level of config.json), not the selected profile.",
    )


@click.group(cls=ProvgraphGroup)
def config() -> None:
    """Read and change provgraph's options in config.json, per profile or globally.

    Example: provgraph config set caching.default_enabled true
    """


def _load() -> Config:
    from provgraph.config import Config

    return Config.load(create=True)


def _profile_name(ctx: ProvgraphContext, loaded: Config, globally: bool) -> str | None:
    """The profile whose options a command reads or changes; None for the global options."""
    if globally:
        return None
    name = ctx.profile_name or loaded.default_profile_name
    if name is not None:
        loaded.get_profile(name)  # an unknown profile is an error, not a silent global change
    return name


def _text(value: Any) -> str:
    """A value as `config get` prints it: strings as they are, anything else as JSON."""
    import json

    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value)


@config.command("list")
@click.argument("prefix", metavar="[OPTION_PREFIX]", required=False, default="")
@click.option("-d", "--description", is_flag=True, help="Add a column with each option's description.")
@format_option
@pass_provgraph
def list_options(ctx: ProvgraphContext, prefix: str, description: bool, style: OutputStyle) -> None:
    """List the options with their value for the selected profile and where it comes from.

    The source is 'profile', 'global' or 'default'. OPTION_PREFIX keeps the options whose name
    starts with it.

    Example: provgraph config list caching -d
    """
    from provgraph.config.options import AIIDA_ONLY_OPTIONS, OPTIONS, option_values

    loaded = _load()
    profile = _profile_name(ctx, loaded, globally=False)
    values = option_values(loaded, profile)
    columns = ["name", "source", "value"] + (["description"] if description else [])
    rows = []
    for name in sorted(values):
        if not name.startswith(prefix):
            continue
        source, value = values[name]
        shown = value if style.structured else _text(value)
        rows.append(
            (name, source, shown, OPTIONS[name].description) if description else (name, source, shown)
        )
    emit_rows(columns, rows, style)
    if not rows:
        note(f"No option starts with {prefix!r}; see `provgraph config list`.", style)
    if profile is None:
        note("No profile is selected or set as default: the values are the global ones.", style)
    present = set(loaded.options) | (set(loaded.get_profile(profile).options) if profile else set())
    ignored = sorted(name for name in present - set(OPTIONS) if name.startswith(prefix))
    if ignored:
        kind = "aiida-core's options" if set(ignored) <= AIIDA_ONLY_OPTIONS else "other options"
        note(f"Also in config.json, kept but not used by provgraph ({kind}): {', '.join(ignored)}.", style)


@config.command("show")
@_option_argument
@format_option
@pass_provgraph
def show(ctx: ProvgraphContext, name: str, style: OutputStyle) -> None:
    """Show an option's description, type, default and the values set globally and for the profile.

    Example: provgraph config show storage.sandbox
    """
    from provgraph.config.options import get_option

    option = get_option(name)
    loaded = _load()
    profile = _profile_name(ctx, loaded, globally=False)
    record: dict[str, Any] = {
        "name": option.name,
        "description": option.description,
        "type": {"bool": "true or false", "list": "list of strings", "path": "absolute path"}[option.kind],
        "default": option.default,
        "global": loaded.options.get(name, "<not set>"),
    }
    if profile is not None:
        record[f"profile {profile}"] = loaded.get_profile(profile).options.get(name, "<not set>")
    if not style.structured:
        record = {key: _text(value) if key != "description" else value for key, value in record.items()}
    print_mapping(record, style)


@config.command("get")
@_option_argument
@pass_provgraph
def get(ctx: ProvgraphContext, name: str) -> None:
    """Print an option's value for the selected profile (its own, else the global one, else the default).

    Strings are printed as they are, other values as JSON (true, ["a", "b"]); an unset path prints
    an empty line.

    Example: provgraph config get caching.default_enabled
    """
    from provgraph.config.options import get_option, option_values

    get_option(name)
    loaded = _load()
    _, value = option_values(loaded, _profile_name(ctx, loaded, globally=False))[name]
    click.echo(_text(value))


@config.command("set")
@_option_argument
@click.argument("value", metavar="VALUE")
@_global_option("Set")
@click.option("-a", "--append", is_flag=True, help="Add VALUE to a list option instead of replacing it.")
@click.option("-r", "--remove", is_flag=True, help="Remove VALUE from a list option.")
@pass_provgraph
def set_option(
    ctx: ProvgraphContext, name: str, value: str, *, globally: bool, append: bool, remove: bool
) -> None:
    """Set OPTION to VALUE for the selected profile (or for all with --global).

    VALUE is parsed for the option's type: true/false, an absolute path, or for a list its items
    separated by blanks (a process type or entry point each, '*' wildcards allowed).

    Example: provgraph config set caching.enabled_for 'aiida.calculations:core.*' --global
    """
    from provgraph.config import Config
    from provgraph.config.options import get_option
    from provgraph.exceptions import ConfigurationError

    if append and remove:
        raise click.UsageError("--append and --remove exclude each other; give one.")
    option = get_option(name)
    if (append or remove) and option.kind != "list":
        raise ConfigurationError(f"--append and --remove work on list options only; {name!r} is not one")
    parsed = option.parse(value)
    _check_caching_patterns(option, parsed)
    with Config.modify() as modified:
        profile = _profile_name(ctx, modified, globally)
        if append or remove:
            current = (
                modified.get_option(name, profile, option.default) if profile else modified.options.get(name)
            )
            current = option.validate(list(current or []))
            if append:
                parsed = current + [item for item in parsed if item not in current]
            else:
                parsed = [item for item in current if item not in parsed]
        modified.set_option(name, parsed, profile)
    where = f"for profile {profile!r}" if profile else "globally"
    click.echo(f"Set {name} to {_text(parsed) or 'nothing'} {where}.")


def _check_caching_patterns(option: ConfigOption, value: Any) -> None:
    """A caching list must hold patterns that can match a process type (the caching module's rule)."""
    if not option.name.startswith("caching.") or option.kind != "list":
        return
    from provgraph.caching import _check_pattern  # the one definition of a valid pattern
    from provgraph.exceptions import ConfigurationError

    for item in value:
        _check_pattern(item, f"an entry of option {option.name!r}", ConfigurationError)


@config.command("unset")
@_option_argument
@_global_option("Unset")
@pass_provgraph
def unset(ctx: ProvgraphContext, name: str, globally: bool) -> None:
    """Remove OPTION from the selected profile (or the global options with --global).

    The profile then sees the global value, else the default.

    Example: provgraph config unset caching.default_enabled
    """
    from provgraph.config import Config
    from provgraph.config.options import get_option, unset_option

    get_option(name)
    with Config.modify() as modified:
        profile = _profile_name(ctx, modified, globally)
        removed = unset_option(modified, name, profile)
    where = f"for profile {profile!r}" if profile else "globally"
    click.echo(f"Unset {name} {where}." if removed else f"{name} was not set {where}; nothing changed.")


@config.command("caching")
@click.option("-d", "--disabled", is_flag=True, help="List the process types with caching off instead.")
@pass_provgraph
def caching(ctx: ProvgraphContext, disabled: bool) -> None:
    """List the installed process types (entry points) for which caching is on for the selected profile.

    Example: provgraph config caching --disabled
    """
    from provgraph.caching import get_use_cache
    from provgraph.orm.entry_points import get_entry_point_names

    ctx.load_profile()
    for group in ("aiida.calculations", "aiida.workflows"):
        for name in get_entry_point_names(group):
            identifier = f"{group}:{name}"
            if get_use_cache(identifier=identifier) != disabled:
                click.echo(identifier)
