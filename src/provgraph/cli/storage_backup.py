"""``provgraph storage backup`` and ``provgraph storage restore``.

A backup runs while the profile is in use and copies only what changed since the previous one
(the rest is hard-linked); a restore creates a new profile from a backup and never overwrites
anything.

    provgraph storage backup /backups/main --keep 7
    provgraph storage restore /backups/main --profile main-restored
    provgraph storage restore /backups/main/backup_20250102030405_x7k2 --profile copy \\
        --database-url postgresql://me@127.0.0.1:5432/copy_db
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from provgraph.cli.context import ProvgraphContext, pass_provgraph

__all__ = ["backup", "restore"]


@click.command("backup")
@click.argument("dest", metavar="DEST", type=click.Path(path_type=Path))
@click.option(
    "--keep",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Keep only the N most recent older backups of this profile in DEST (default: keep all).",
)
@pass_provgraph
def backup(ctx: ProvgraphContext, dest: Path, keep: int | None) -> None:
    """Back up the profile's storage into a new folder in DEST, while the profile is in use.

    DEST gets backup_<time>_<random>/ (database, repository, config.json, manifest.json) and a
    last-backup link to it; DEST/config.json names the profile (one profile per DEST). Files
    unchanged since the previous backup are hard-linked, not copied. The new folder appears
    complete or not at all; the storage is only read.
    """
    from provgraph.cli.output import stage_progress

    storage = ctx.get_storage()
    with stage_progress() as progress:
        try:
            summary = storage.backup(dest, keep, progress=progress)
        except NotImplementedError:
            raise click.ClickException(
                f"the storage of profile {storage.profile.name!r} ({storage.profile.storage_backend}) "
                "cannot be backed up; only core.sqlite_dos and core.psql_dos can"
            ) from None
    click.echo(summary.describe())


@click.command("restore")
@click.argument("source", metavar="SRC", type=click.Path(path_type=Path))
@click.option(
    "--profile", "name", required=True, metavar="NAME", help="Name of the new profile (must not exist)."
)
@click.option(
    "--filepath",
    type=click.Path(file_okay=False, path_type=Path),
    help="core.sqlite_dos: new folder for the storage (default: under the config folder).",
)
@click.option(
    "--database-url",
    metavar="URL",
    help="core.psql_dos: postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE, a database that must not exist.",
)
@click.option(
    "--database-name", metavar="NAME", help="core.psql_dos: the new database (default: the profile name)."
)
@click.option(
    "--database-hostname", metavar="HOST", help="core.psql_dos: server (default: the backed-up one's)."
)
@click.option(
    "--database-port",
    type=int,
    metavar="PORT",
    help="core.psql_dos: server port (default: the backed-up one's).",
)
@click.option(
    "--database-username", metavar="USER", help="core.psql_dos: role (default: the backed-up one's)."
)
@click.option(
    "--database-password", metavar="PASSWORD", help="core.psql_dos: password (default: the backed-up one's)."
)
@click.option(
    "--repository",
    type=click.Path(file_okay=False, path_type=Path),
    help="core.psql_dos: new folder for the repository (default: under the config folder).",
)
@click.option(
    "--set-default/--no-set-default",
    default=None,
    help="Make it the default profile (default: only if there is no default yet).",
)
def restore(
    *,
    source: Path,
    name: str,
    filepath: Path | None,
    database_url: str | None,
    database_name: str | None,
    database_hostname: str | None,
    database_port: int | None,
    database_username: str | None,
    database_password: str | None,
    repository: Path | None,
    set_default: bool | None,
) -> None:
    """Create the new profile NAME from the backup SRC (a backup_... folder or its DEST).

    The storage is built beside its target, every file checked against the backup's manifest,
    opened and checked, moved into place, and only then recorded in config.json. Nothing that
    exists is ever overwritten; the backup is only read.
    """
    from provgraph.cli.output import stage_progress
    from provgraph.tools.backup import restore_profile

    options: dict[str, Any] = {
        "filepath": filepath,
        "database_name": database_name,
        "database_hostname": database_hostname,
        "database_port": database_port,
        "database_username": database_username,
        "database_password": database_password,
        "repository_uri": repository.expanduser().absolute().as_uri() if repository else None,
    }
    if database_url is not None:
        options.update(_url_options(database_url))
    with stage_progress() as progress:
        summary = restore_profile(
            source,
            name,
            storage_options={key: value for key, value in options.items() if value is not None},
            set_default=set_default,
            progress=progress,
        )
    click.echo(summary.describe())
    click.echo(f"Next: `provgraph -p {name} storage integrity` checks the restored graph as a whole")


def _url_options(url: str) -> dict[str, Any]:
    """The database keys of a ``core.psql_dos`` config, from a URL."""
    from provgraph.storage import get_storage_class

    storage_cls: Any = get_storage_class("core.psql_dos")
    config: dict[str, Any] = storage_cls.config_from_url(url, Path("/"))
    return {
        key: value
        for key, value in config.items()
        if key.startswith("database_") and key != "database_engine"
    }
