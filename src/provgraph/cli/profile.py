"""``provgraph profile``: create, list, show, choose and delete profiles."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from provgraph.cli.completion import complete_profile_names
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, format_option
from provgraph.cli.prompts import confirm_or_force, is_interactive, required_value

if TYPE_CHECKING:
    from provgraph.profiles import SetupRecord
    from provgraph.storage import StoragePart

__all__ = ["profile"]

F = TypeVar("F", bound=Callable[..., Any])


@click.group(cls=ProvgraphGroup)
def profile() -> None:
    """Create, inspect and delete profiles (a named storage plus its default user)."""


@profile.group(cls=ProvgraphGroup)
def setup() -> None:
    """Create a new profile on the storage backend named by the subcommand."""


def _setup_options(func: F) -> F:
    options = [
        click.option("--profile", "name", metavar="NAME", help="Name of the new profile."),
        click.option(
            "--email",
            metavar="EMAIL",
            help="Email of the profile's default user (default: provgraph@localhost).",
        ),
        click.option(
            "--set-default/--no-set-default",
            default=None,
            help="Make it the default profile (default: only if there is no default yet).",
        ),
        click.option(
            "--non-interactive",
            is_flag=True,
            help="Never prompt; fail if a required value is missing.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _resolve_email(email: str | None, non_interactive: bool) -> str:
    from provgraph.config.profile import DEFAULT_USER_EMAIL

    if email:
        return email
    if is_interactive(non_interactive):
        value: str = click.prompt("Email of the default user", default=DEFAULT_USER_EMAIL)
        return value
    return DEFAULT_USER_EMAIL


def _note(message: str) -> None:
    """Notes of the library for the user (e.g. leftovers of an interrupted setup that were removed)."""
    click.echo(message, err=True)


def _report_created(name: str, is_default: bool) -> None:
    click.echo(f"Created profile {name!r}" + (" (the default profile)." if is_default else "."))
    click.echo(f"Next: `provgraph -p {name} storage info`")


@setup.command("core.sqlite_dos")
@_setup_options
@click.option(
    "--filepath",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the database and repository (default: under the config folder).",
)
def setup_sqlite_dos(
    *,
    name: str | None,
    email: str | None,
    set_default: bool | None,
    non_interactive: bool,
    filepath: Path | None,
) -> None:
    """Create a profile on SQLite plus a file repository (no server needed)."""
    from provgraph.config import Config
    from provgraph.profiles import create_profile, default_storage_location

    name = required_value(name, "--profile NAME", "Profile name", non_interactive)
    email = _resolve_email(email, non_interactive)
    profile_uuid = uuid.uuid4().hex
    folder = (
        str(filepath.resolve()) if filepath else default_storage_location("core.sqlite_dos", profile_uuid)
    )
    create_profile(
        name,
        "core.sqlite_dos",
        {"filepath": folder},
        email,
        set_default=set_default,
        profile_uuid=profile_uuid,
        notify=_note,
    )
    _report_created(name, Config.load().default_profile_name == name)


@setup.command("core.psql_dos")
@_setup_options
@click.option(
    "--database-url",
    metavar="URL",
    help="postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE; the database is created if missing.",
)
@click.option(
    "--repository",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the file repository (default: under the config folder).",
)
def setup_psql_dos(
    *,
    name: str | None,
    email: str | None,
    set_default: bool | None,
    non_interactive: bool,
    database_url: str | None,
    repository: Path | None,
) -> None:
    """Create a profile on a PostgreSQL database plus a file repository."""
    from provgraph.config import Config
    from provgraph.profiles import create_profile, default_storage_location
    from provgraph.storage import get_storage_class

    name = required_value(name, "--profile NAME", "Profile name", non_interactive)
    database_url = required_value(database_url, "--database-url URL", "Database URL", non_interactive)
    email = _resolve_email(email, non_interactive)
    profile_uuid = uuid.uuid4().hex
    folder = (
        repository.resolve() if repository else Path(default_storage_location("core.psql_dos", profile_uuid))
    )
    storage_cls: Any = get_storage_class("core.psql_dos")
    config = storage_cls.config_from_url(database_url, folder)
    create_profile(
        name,
        "core.psql_dos",
        config,
        email,
        set_default=set_default,
        profile_uuid=profile_uuid,
        notify=_note,
    )
    _report_created(name, Config.load().default_profile_name == name)


@setup.command("core.sqlite_zip")
@_setup_options
@click.option(
    "--filepath",
    type=click.Path(exists=True, path_type=Path),
    help="The AiiDA archive to read (a .aiida zip file, or the same layout unzipped into a folder).",
)
def setup_sqlite_zip(
    *,
    name: str | None,
    email: str | None,
    set_default: bool | None,
    non_interactive: bool,
    filepath: Path | None,
) -> None:
    """Create a read-only profile on an AiiDA archive, without importing it.

    Nothing is created: the archive is checked (it must be at the current version; migrate an
    older one with `provgraph archive migrate`) and read where it is. The default user is
    --email or else the archive's first user.
    """
    from provgraph.config import Config
    from provgraph.profiles import ARCHIVE_BACKEND, create_profile

    name = required_value(name, "--profile NAME", "Profile name", non_interactive)
    archive = required_value(
        str(filepath) if filepath else None, "--filepath FILE", "Archive file", non_interactive
    )
    create_profile(
        name,
        ARCHIVE_BACKEND,
        {"filepath": str(Path(archive).expanduser().resolve())},
        email,
        set_default=set_default,
        notify=_note,
    )
    _report_created(name, Config.load().default_profile_name == name)


@profile.command("list")
@format_option
def list_profiles(style: OutputStyle) -> None:
    """List the profiles; the default one is marked with `*` (json: "default": true).

    \b
    Examples:
      provgraph profile list
      provgraph profile list --format tsv | cut -f2
    """
    from provgraph.cli.listing import emit_rows, note
    from provgraph.config import Config
    from provgraph.profiles import setup_records

    config = Config.load(create=True)
    records = [record for record in setup_records() if record.name not in config.profile_names]
    if not config.profile_names and not records:
        if style.structured:
            emit_rows(_PROFILE_COLUMNS, [], style)
        note("No profiles yet. Create one with `provgraph quickstart`.", style)
        return
    if config.profile_names:
        rows = (
            (
                _default_cell(item.name == config.default_profile_name, style),
                item.name,
                item.storage_backend,
                _location(item.storage_config),
            )
            for item in config.profiles
        )
        emit_rows(_PROFILE_COLUMNS, rows, style)
    for record in records:
        if record.is_running():
            note(f"Profile {record.name!r} is being set up ({record.describe()}).", style)
        else:
            note(
                f"Profile {record.name!r} is half made: its setup was interrupted ({record.describe()}); "
                f"remove what it left with `provgraph profile delete {record.name}`.",
                style,
            )


_PROFILE_COLUMNS = ["default", "name", "backend", "location"]


def _default_cell(is_default: bool, style: OutputStyle) -> str | bool:
    """``*`` or nothing for people and tsv, a boolean for json and yaml."""
    if style.format in ("json", "yaml"):
        return is_default
    return "*" if is_default else ""


def _location(storage_config: dict[str, Any]) -> str:
    if "filepath" in storage_config:
        return str(storage_config["filepath"])
    if "database_name" in storage_config:
        host = storage_config.get("database_hostname", "localhost")
        port = storage_config.get("database_port", 5432)
        return f"{host}:{port}/{storage_config['database_name']}"
    return ""


@profile.command("show")
@click.argument("name", required=False, shell_complete=complete_profile_names)
@format_option
@pass_provgraph
def show(ctx: ProvgraphContext, name: str | None, style: OutputStyle) -> None:
    """Show a profile's settings (passwords masked); default: the selected profile.

    \b
    Examples:
      provgraph profile show
      provgraph profile show work --format json
    """
    from provgraph.cli.listing import print_mapping
    from provgraph.cli.output import mask_secrets
    from provgraph.config import Config

    config = Config.load()
    chosen = config.get_profile(name or ctx.profile_name)
    is_default = chosen.name == config.default_profile_name
    settings = mask_secrets(chosen.to_dict())
    if style.structured:
        print_mapping({"name": chosen.name, "default": is_default, **settings}, style)
        return
    click.echo(f"Profile: {chosen.name}" + (" (default)" if is_default else ""))
    print_mapping(settings, style)


@profile.command("set-default")
@click.argument("name")
def set_default(name: str) -> None:
    """Make NAME the default profile."""
    from provgraph.config import Config

    with Config.modify() as config:
        config.set_default_profile(name)
    click.echo(f"{name!r} is now the default profile.")


@profile.command("delete")
@click.argument("name")
@click.option(
    "--force",
    is_flag=True,
    help="Do not ask for confirmation; if part of the storage cannot be removed (e.g. its database "
    "server is down), forget the profile anyway and print what is left and how to remove it by hand.",
)
@click.option("--keep-data", is_flag=True, help="Keep the database and repository; only forget the profile.")
def delete(name: str, force: bool, keep_data: bool) -> None:
    """Delete profile NAME and, unless --keep-data, its database and repository.

    The storage is removed first and the profile forgotten only after: if part of the storage
    cannot be removed, the profile is kept (unless --force) so that the deletion can be run again.
    NAME may also be a profile whose setup was interrupted: what that setup left is removed.
    """
    from provgraph.config import Config
    from provgraph.profiles import delete_profile, setup_records
    from provgraph.storage import get_storage_class

    config = Config.load(create=True)
    record = next((item for item in setup_records() if item.name == name), None)
    if name in config.profile_names or record is None:
        chosen = config.get_profile(name)  # fail early on an unknown name
        keep_data = keep_data or get_storage_class(chosen.storage_backend).read_only  # an archive stays
        parts = [] if keep_data else get_storage_class(chosen.storage_backend).storage_parts(chosen)
    else:
        parts = [] if keep_data else _leftover_parts(record)
    what = "the profile" if not parts else "the profile AND ALL ITS DATA (" + _describe_parts(parts) + ")"
    confirm_or_force(force, "Deleting a profile", f"Delete {what} {name!r}?")
    result = delete_profile(name, keep_data=keep_data, force=force, notify=_note)
    if result.interrupted_setup:
        click.echo(f"Deleted the half-made profile {name!r} (its setup had been interrupted).")
    else:
        click.echo(f"Deleted profile {name!r}" + ("." if result.data_deleted else " (data kept)."))
    for line in result.left:
        click.echo(f"Left behind: {line}", err=True)
    if result.was_default:
        if result.new_default:
            click.echo(f"{result.new_default!r} is now the default profile.")
        elif Config.load(create=True).profile_names:
            click.echo(
                "There is no default profile now; choose one with `provgraph profile set-default NAME`."
            )


def _leftover_parts(record: SetupRecord) -> list[StoragePart]:
    """The parts an interrupted setup made, for the confirmation (none known: backend missing)."""
    from provgraph.exceptions import ProvgraphError
    from provgraph.storage import get_storage_class

    try:
        parts = get_storage_class(record.profile.storage_backend).storage_parts(record.profile)
    except ProvgraphError:
        return []
    return [part for part in parts if part.key in record.created]


def _describe_parts(parts: Sequence[StoragePart]) -> str:
    """The parts a deletion removes, for the confirmation (the schema goes with its database)."""
    keys = {part.key for part in parts}
    return ", ".join(
        part.description
        for part in parts
        if part.key != "folder" and not (part.key == "schema" and "database" in keys)
    )
