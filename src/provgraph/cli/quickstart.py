"""``provgraph quickstart``: from nothing to a working profile in one command."""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph

__all__ = ["quickstart"]

QUICKSTART_PROFILE = "default"


@click.command()
@click.option(
    "--profile-name",
    default=QUICKSTART_PROFILE,
    show_default=True,
    help="Name of the profile to create when there is no default profile.",
)
@click.option("--email", help="Email of the default user (default: provgraph@localhost).")
@pass_provgraph
def quickstart(ctx: ProvgraphContext, profile_name: str, email: str | None) -> None:
    """Create a default profile on SQLite if there is none, and show that it works.

    Needs no server: the profile keeps an SQLite database and a file repository under the
    config folder (PROVGRAPH_PATH, default ~/.provgraph). Running it again reuses the profile.
    """
    import uuid

    from provgraph.cli.output import render_mapping
    from provgraph.config import Config
    from provgraph.config.profile import DEFAULT_USER_EMAIL
    from provgraph.profiles import create_profile, default_storage_location

    config = Config.load(create=True)
    if ctx.profile_name is None and config.default_profile_name is None:
        profile_uuid = uuid.uuid4().hex
        storage_config = {"filepath": default_storage_location("core.sqlite_dos", profile_uuid)}
        create_profile(
            profile_name,
            "core.sqlite_dos",
            storage_config,
            email or DEFAULT_USER_EMAIL,
            set_default=True,
            profile_uuid=profile_uuid,
        )
        click.echo(f"Created profile {profile_name!r} on core.sqlite_dos (now the default profile).")
    storage = ctx.get_storage()
    profile = storage.profile
    click.echo(f"Profile {profile.name!r} is ready.")
    click.echo(f"Config folder: {Config.load().dirpath}")
    click.echo(f"Storage: {storage}")
    click.echo(render_mapping(storage.get_info()))
    click.echo("")
    click.echo("Next steps:")
    click.echo("  provgraph profile list             the profiles; the default one is marked with *")
    click.echo("  provgraph storage info --detailed  what the storage holds")
    click.echo("  provgraph --help                   every command")
