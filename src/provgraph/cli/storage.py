"""``provgraph storage``: inspect, maintain and migrate the storage of a profile."""

from __future__ import annotations

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, format_option, print_mapping
from provgraph.cli.prompts import confirm_or_force
from provgraph.cli.storage_backup import backup, restore
from provgraph.cli.storage_index import index
from provgraph.cli.storage_integrity import integrity
from provgraph.cli.storage_maintain import maintain

__all__ = ["storage"]


@click.group(cls=ProvgraphGroup)
def storage() -> None:
    """Inspect, maintain and migrate the storage of the selected profile."""


storage.add_command(maintain)
storage.add_command(integrity)
storage.add_command(backup)
storage.add_command(restore)
storage.add_command(index)


@storage.command("info")
@click.option("--detailed", is_flag=True, help="Also list users, computers, node and group types.")
@format_option
@pass_provgraph
def info(ctx: ProvgraphContext, detailed: bool, style: OutputStyle) -> None:
    """Summarise what the profile's storage holds.

    \b
    Examples:
      provgraph storage info
      provgraph storage info --detailed --format yaml
    """
    from provgraph.cli.output import render_mapping

    backend = ctx.get_storage()
    if style.structured:
        details = backend.get_info(detailed=detailed)
        print_mapping({"profile": backend.profile.name, "storage": str(backend), **details}, style)
        return
    click.echo(f"Profile: {backend.profile.name}")
    click.echo(f"Storage: {backend}")
    click.echo(render_mapping(backend.get_info(detailed=detailed)))


@storage.command("version")
@pass_provgraph
def version(ctx: ProvgraphContext) -> None:
    """Print the schema revision of the code and of the profile's storage."""
    from provgraph.storage import get_storage_class

    profile = ctx.load_profile()
    storage_cls = get_storage_class(profile.storage_backend)
    click.echo(f"Latest storage schema version: {storage_cls.version_head()!r}")
    click.echo(f"Storage schema version of {profile.name!r}: {storage_cls.version_profile(profile)!r}")


@storage.command("migrate")
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@pass_provgraph
def migrate(ctx: ProvgraphContext, force: bool) -> None:
    """Migrate the profile's storage to the schema of this version of provgraph.

    Needs exclusive access: no other process may use the profile meanwhile. Back up first;
    a migration that fails or is interrupted leaves the storage as it was.
    """
    from provgraph.profiles import migrate_storage
    from provgraph.storage import get_storage_class

    profile = ctx.load_profile()
    storage_cls = get_storage_class(profile.storage_backend)
    current, head = storage_cls.version_profile(profile), storage_cls.version_head()
    if current == head:
        click.echo(f"Storage of {profile.name!r} is already at the latest schema version {head!r}.")
        return
    backed_up = ("database", "container")  # the tables live in the database; the folder holds no more
    parts = [part.description for part in storage_cls.storage_parts(profile) if part.key in backed_up]
    if parts:
        click.echo(
            f"Back up the storage before migrating it: {' and '.join(parts)}. A migration cannot be "
            "undone; one that fails or is interrupted leaves the storage as it was."
        )
    confirm_or_force(force, "Migrating", f"Migrate storage of {profile.name!r} from {current!r} to {head!r}?")
    result = migrate_storage(profile)
    click.echo(
        f"Migrated storage of {profile.name!r} from {result.from_revision!r} to {result.to_revision!r}."
    )
