"""``provgraph archive``: create, import, inspect and migrate AiiDA archives (``.aiida`` files)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import click

from provgraph.cli.archive_create import create
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, format_option, print_mapping

__all__ = ["archive"]

_EXTRAS_MODES = ("keep_existing", "update_existing", "mirror", "none")


@click.group(cls=ProvgraphGroup)
def archive() -> None:
    """Create, import, inspect and migrate AiiDA archives (.aiida files)."""


archive.add_command(create)


_ARCHIVE_PATH = click.Path(path_type=Path, dir_okay=True, exists=False)


@archive.command("import")
@click.argument("archives", nargs=-1, required=True, type=_ARCHIVE_PATH, metavar="FILE_OR_FOLDER...")
@click.option(
    "-G",
    "--group",
    "group_label",
    metavar="LABEL",
    help="Add the imported nodes to this group (created if needed).",
)
@click.option(
    "--import-group/--no-import-group",
    default=True,
    show_default=True,
    help="Without --group, put the archive's nodes in a new import group.",
)
@click.option(
    "-e",
    "--extras-mode-existing",
    type=click.Choice(_EXTRAS_MODES),
    default="none",
    show_default=True,
    help="How the extras of nodes already in the profile combine with the archive's: keep_existing "
    "(add new keys), update_existing (add and overwrite), mirror (take the archive's), none (leave).",
)
@click.option(
    "--extras-mode-new",
    type=click.Choice(("import", "none")),
    default="import",
    show_default=True,
    help="Import the extras of new nodes, or drop them.",
)
@click.option(
    "--comment-mode",
    type=click.Choice(("leave", "newest", "overwrite")),
    default="leave",
    show_default=True,
    help="For comments already in the profile: keep ours, keep the newer, or take the archive's.",
)
@click.option(
    "--include-authinfos/--exclude-authinfos",
    default=False,
    show_default=True,
    help="Also import the archive's computer credentials (authinfos).",
)
@click.option(
    "--migration/--no-migration",
    default=True,
    show_default=True,
    help="Migrate older archive formats on the fly (into a temporary copy; the file is not changed).",
)
@click.option(
    "-b", "--batch-size", default=1000, show_default=True, type=click.IntRange(min=1), help="Rows per batch."
)
@click.option(
    "-n", "--dry-run", is_flag=True, help="Check everything and report what would be imported; write nothing."
)
@pass_provgraph
def import_(  # noqa: PLR0917 (click passes every option)
    ctx: ProvgraphContext,
    archives: tuple[Path, ...],
    group_label: str | None,
    import_group: bool,
    extras_mode_existing: str,
    extras_mode_new: str,
    comment_mode: str,
    include_authinfos: bool,
    migration: bool,
    batch_size: int,
    dry_run: bool,
) -> None:
    """Import archives into the profile, merging by UUID (the same archive twice adds nothing).

    Each archive is checked completely first (versions, links, UUIDs, file contents); one that
    fails adds nothing. Files go to the repository first, then all rows in one transaction.
    """
    from provgraph.cli.output import stage_progress
    from provgraph.common.archive_format import HEAD_VERSION, read_version
    from provgraph.exceptions import IncompatibleArchiveVersionError
    from provgraph.tools.archive.imports import run_import

    for path in archives:  # the cheap checks of every file before the profile is opened
        if str(path).startswith(("http://", "https://")):
            raise click.ClickException(
                f"{path}: importing from a URL is not supported; download the file first"
            )
        version = read_version(path)
        if not migration and version != HEAD_VERSION:
            raise IncompatibleArchiveVersionError(
                f"{path}: archive version {version} is not {HEAD_VERSION}; "
                "drop --no-migration or run `provgraph archive migrate` first"
            )
    storage = ctx.get_storage()
    group = _import_target_group(storage, group_label) if group_label and not dry_run else None
    for path in archives:
        with stage_progress() as progress:
            summary = run_import(
                path,
                batch_size=batch_size,
                import_new_extras=extras_mode_new == "import",
                merge_extras=extras_mode_existing,
                merge_comments=comment_mode,
                include_authinfos=include_authinfos,
                create_group=import_group,
                group=group,
                test_run=dry_run,
                backend=storage,
                progress=progress,
            )
        _print_import_summary(summary)


def _import_target_group(storage: Any, label: str) -> Any:
    from provgraph.orm.groups import Group, GroupCollection

    found, _created = cast(GroupCollection, Group.get_collection(storage)).get_or_create(label)
    return found


def _print_import_summary(summary: Any) -> None:
    from provgraph.cli.output import make_table, print_rich

    table = make_table("entity", "new", "already present")
    for entity in sorted(set(summary.new) | set(summary.existing)):
        table.add_row(entity, str(summary.new.get(entity, 0)), str(summary.existing.get(entity, 0)))
    table.add_row("Files", str(summary.objects_copied), "")
    print_rich(table)
    for what, label in summary.relabelled.items():
        click.echo(f"Relabelled {what} to {label!r} (the label was taken)")
    verb = "would import" if summary.dry_run else "imported"
    group = f" into group {summary.import_group_label!r}" if summary.import_group_label else ""
    click.echo(f"Success: {verb} {summary.archive}{group} in {summary.seconds:.2f} s")


@archive.command("info")
@click.argument("path", type=_ARCHIVE_PATH)
@click.option(
    "--detailed", is_flag=True, help="Also list users, computers, group types and the full metadata."
)
@format_option
def info(path: Path, detailed: bool, style: OutputStyle) -> None:
    """Summarise an archive: version, creation parameters, counts, node and process types.

    \b
    Examples:
      provgraph archive info export.aiida
      provgraph archive info export.aiida --detailed --format json
    """
    from provgraph.cli.output import make_table, print_rich, render_mapping
    from provgraph.tools.archive.inspect import archive_info

    found = archive_info(path, detailed=detailed)
    if style.structured:
        print_mapping(found, style)
        return
    click.echo(render_mapping({"metadata": found["metadata"]}))
    counts = make_table("entity", "count")
    for name, entity in found["entities"].items():
        counts.add_row(name, str(entity["count"]))
    counts.add_row("Files", str(found["repository"]["objects"]["count"]))
    print_rich(counts)
    for title in ("node_types", "process_types"):
        types = found["entities"]["Nodes"][title]
        if types:
            table = make_table(title.replace("_", " ").rstrip("s"), "count")
            for name, count in types.items():
                table.add_row(name, str(count))
            print_rich(table)
    if detailed:
        details = {
            name: {
                key: value
                for key, value in entity.items()
                if key not in ("count", "node_types", "process_types")
            }
            for name, entity in found["entities"].items()
        }
        click.echo(render_mapping({"entities": {name: value for name, value in details.items() if value}}))


@archive.command("version")
@click.argument("path", type=_ARCHIVE_PATH)
def version(path: Path) -> None:
    """Print the latest archive format version and the archive's own."""
    from provgraph.tools.archive.inspect import archive_version

    head, found = archive_version(path)
    click.echo(f"Latest archive schema version: {head!r}")
    click.echo(f"Archive schema version of {path.name!r}: {found!r}")


@archive.command("migrate")
@click.argument("input_path", metavar="INPUT", type=_ARCHIVE_PATH)
@click.argument("output_path", metavar="OUTPUT", required=False, type=click.Path(path_type=Path))
@click.option(
    "--version", "target", metavar="VERSION", help="The version to migrate to (default: the latest)."
)
@click.option("-f", "--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
@click.option("-i", "--in-place", is_flag=True, help="Replace INPUT by its migrated version (atomically).")
def migrate(
    input_path: Path, output_path: Path | None, target: str | None, force: bool, in_place: bool
) -> None:
    """Migrate an archive to a newer format version, writing a new file (INPUT is never changed).

    Every format from 0.4 (zip or tar) is read; 0.1 to 0.3 need aiida-core v1 first.
    """
    from provgraph.cli.output import stage_progress
    from provgraph.common.archive_format import HEAD_VERSION
    from provgraph.tools.archive.migrate import migrate_archive

    if in_place == (output_path is not None):
        raise click.UsageError("give either OUTPUT or --in-place")
    destination = input_path if output_path is None else output_path
    with stage_progress() as progress:
        migrate_archive(
            input_path,
            destination,
            version=target or HEAD_VERSION,
            force=force or in_place,
            progress=progress,
        )
    click.echo(f"Success: migrated {input_path} to {target or HEAD_VERSION} in {destination}")
