"""``provgraph node``: inspect nodes (fields, links, attributes, extras, files, comments) and rehash them.

NODE arguments take a pk, a UUID or a unique UUID prefix; an ambiguous prefix is refused with
the matching nodes listed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.delete import node_delete
from provgraph.cli.node_list import list_nodes
from provgraph.cli.prompts import confirm_or_force

if TYPE_CHECKING:
    from provgraph.orm.comments import Comment
    from provgraph.orm.nodes.attributes import NodeAttributes, NodeExtras
    from provgraph.orm.nodes.links import LinkTriple
    from provgraph.orm.nodes.node import Node
    from provgraph.storage.abstract import StorageBackend

__all__ = ["node"]


def _load(ctx: ProvgraphContext, identifier: str) -> Node:
    from provgraph.orm.loaders import load_node

    return load_node(identifier, backend=ctx.get_storage())


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Plain aligned columns (stable for scripts and tests; no terminal styling)."""
    cells = [[str(value) for value in row] for row in rows]
    widths = [max(len(item) for item in column) for column in zip(headers, *cells, strict=False)]
    lines = [headers, ["-" * width for width in widths], *cells]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _json(value: Any) -> str:
    return json.dumps(value, indent=4, sort_keys=True, ensure_ascii=False, default=str)


@click.group(cls=ProvgraphGroup)
def node() -> None:
    """Inspect the nodes of the selected profile."""


node.add_command(list_nodes)
node.add_command(node_delete)


@node.command("show")
@click.argument("identifiers", metavar="NODE...", nargs=-1, required=True)
@pass_provgraph
def show(ctx: ProvgraphContext, identifiers: tuple[str, ...]) -> None:
    """Show the fields and the links of nodes."""
    for index, identifier in enumerate(identifiers):
        if index:
            click.echo("")
        click.echo(_describe(_load(ctx, identifier)))


def _describe(found: Node) -> str:
    computer = found.computer
    fields: list[tuple[str, Any]] = [
        ("type", type(found).__name__),
        ("node_type", found.node_type),
        ("pk", found.pk),
        ("uuid", found.uuid),
        ("label", found.label),
        ("description", found.description),
        ("ctime", found.ctime.isoformat()),
        ("mtime", found.mtime.isoformat()),
        ("user", found.user.email),
        ("computer", computer.label if computer is not None else ""),
    ]
    if found.process_type is not None:
        fields.insert(2, ("process_type", found.process_type))
    links = found.base.links
    parts = [
        _table(("Property", "Value"), fields),
        _links("Incoming links", links.get_incoming().all()),
        _links("Outgoing links", links.get_outgoing().all()),
    ]
    return "\n\n".join(parts)


def _links(title: str, triples: list[LinkTriple]) -> str:
    if not triples:
        return f"{title}: none"
    rows = [
        (triple.node.pk, type(triple.node).__name__, triple.link_type.value, triple.link_label)
        for triple in triples
    ]
    return f"{title}:\n" + _table(("PK", "Type", "Link type", "Link label"), rows)


@node.command("attributes")
@click.argument("identifier", metavar="NODE")
@click.option("-k", "--keys", multiple=True, help="Only these attributes (repeat the option for several).")
@pass_provgraph
def attributes(ctx: ProvgraphContext, identifier: str, keys: tuple[str, ...]) -> None:
    """Print the attributes of a node as JSON."""
    _echo_values(_load(ctx, identifier).base.attributes, keys)


@node.command("extras")
@click.argument("identifier", metavar="NODE")
@click.option("-k", "--keys", multiple=True, help="Only these extras (repeat the option for several).")
@pass_provgraph
def extras(ctx: ProvgraphContext, identifier: str, keys: tuple[str, ...]) -> None:
    """Print the extras of a node as JSON."""
    _echo_values(_load(ctx, identifier).base.extras, keys)


def _echo_values(values: NodeAttributes | NodeExtras, keys: tuple[str, ...]) -> None:
    """The ``keys`` of the attributes or extras (all of them if none are named) as JSON."""
    click.echo(_json(dict(zip(keys, values.get_many(keys), strict=True)) if keys else values.all))


# -- files ----------------------------------------------------------------------------------------


@node.group("repo", cls=ProvgraphGroup)
def repo() -> None:
    """List, print and copy the files of a node."""


@repo.command("ls")
@click.argument("identifier", metavar="NODE")
@click.argument("path", required=False, default=None)
@pass_provgraph
def repo_ls(ctx: ProvgraphContext, identifier: str, path: str | None) -> None:
    """List the files and folders of a node at PATH (default: the top folder)."""
    repository = _load(ctx, identifier).base.repository
    try:
        names = repository.list_object_names(path)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise click.ClickException(f"node {identifier} has no folder {path!r}: {exc}") from exc
    for name in names:
        click.echo(name)


@repo.command("cat")
@click.argument("identifier", metavar="NODE")
@click.argument("path")
@pass_provgraph
def repo_cat(ctx: ProvgraphContext, identifier: str, path: str) -> None:
    """Write the content of the file PATH of a node to standard output, byte for byte."""
    repository = _load(ctx, identifier).base.repository
    sys.stdout.flush()
    stdout = sys.stdout.buffer
    try:
        with repository.open(path, mode="rb") as handle:
            while chunk := handle.read(1 << 20):
                stdout.write(chunk)
    except (FileNotFoundError, IsADirectoryError) as exc:
        raise click.ClickException(f"node {identifier} has no file {path!r}: {exc}") from exc
    stdout.flush()


@repo.command("dump")
@click.argument("identifier", metavar="NODE")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@pass_provgraph
def repo_dump(ctx: ProvgraphContext, identifier: str, dest: Path) -> None:
    """Copy every file of a node into the folder DEST (created if missing; must be empty)."""
    if dest.exists() and any(dest.iterdir()):
        raise click.ClickException(f"folder {str(dest)!r} is not empty; choose a new or empty folder")
    found = _load(ctx, identifier)
    dest.mkdir(parents=True, exist_ok=True)
    found.base.repository.copy_tree(dest)
    click.echo(f"Copied the files of node {found.pk} into {dest}")


# -- comments -------------------------------------------------------------------------------------


@node.group("comment", cls=ProvgraphGroup)
def comment() -> None:
    """Add, show, change and remove comments on nodes."""


@comment.command("add")
@click.argument("identifier", metavar="NODE")
@click.argument("content")
@pass_provgraph
def comment_add(ctx: ProvgraphContext, identifier: str, content: str) -> None:
    """Add a comment to a node, as the profile's default user."""
    added = _load(ctx, identifier).base.comments.add(content)
    click.echo(f"Added comment {added.pk} to node {identifier}")


@comment.command("show")
@click.argument("identifier", metavar="NODE")
@pass_provgraph
def comment_show(ctx: ProvgraphContext, identifier: str) -> None:
    """Show the comments of a node, oldest first."""
    comments = _load(ctx, identifier).base.comments.all()
    if not comments:
        click.echo(f"Node {identifier} has no comments")
        return
    for index, item in enumerate(comments):
        if index:
            click.echo("")
        click.echo(f"Comment {item.pk} by {item.user.email} on {item.ctime:%Y-%m-%d %H:%M:%S}")
        click.echo(item.content)


def _comment(ctx: ProvgraphContext, pk: int) -> Comment:
    from provgraph.orm.comments import Comment

    return Comment.collection(ctx.get_storage()).get(pk=pk)


@comment.command("update")
@click.argument("comment_pk", type=int)
@click.argument("content")
@pass_provgraph
def comment_update(ctx: ProvgraphContext, comment_pk: int, content: str) -> None:
    """Replace the text of comment COMMENT_PK."""
    _comment(ctx, comment_pk).set_content(content)
    click.echo(f"Updated comment {comment_pk}")


@comment.command("remove")
@click.argument("comment_pk", type=int)
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@pass_provgraph
def comment_remove(ctx: ProvgraphContext, comment_pk: int, force: bool) -> None:
    """Delete comment COMMENT_PK."""
    from provgraph.orm.comments import Comment

    found = _comment(ctx, comment_pk)
    confirm_or_force(force, "Removing a comment", f"Remove comment {comment_pk}: {found.content[:60]!r}?")
    Comment.collection(ctx.get_storage()).delete(comment_pk)
    click.echo(f"Removed comment {comment_pk}")


# -- hashes ---------------------------------------------------------------------------------------


@node.command("rehash")
@click.argument("identifiers", metavar="[NODES]...", nargs=-1)
@click.option(
    "-e",
    "--entry-point",
    "node_type_prefix",
    default=None,
    metavar="NODE_TYPE_PREFIX",
    help="Only nodes whose node_type starts with this, e.g. 'data.core.int.' or 'process.'.",
)
@click.option("-f", "--force", is_flag=True, help="Do not ask for confirmation.")
@pass_provgraph
def rehash(
    ctx: ProvgraphContext, identifiers: tuple[str, ...], node_type_prefix: str | None, force: bool
) -> None:
    """Recompute the stored hash (extra _aiida_hash) of NODES, or of all nodes if none are given."""
    from provgraph.orm.nodes.caching_store import select_node_ids

    storage = ctx.get_storage()
    pks = [cast(int, _load(ctx, identifier).pk) for identifier in identifiers] if identifiers else None
    selected = select_node_ids(storage, pks, node_type_prefix)
    if not selected:
        click.echo("No nodes to rehash")
        return
    confirm_or_force(force, "Rehashing nodes", f"Recompute the hash of {len(selected)} nodes?")
    click.echo(f"Rehashed {_rehash_with_progress(storage, selected)} nodes")


def _rehash_with_progress(storage: StorageBackend, selected: list[int]) -> int:
    """Rehash with a progress bar on standard error, so standard output stays script-friendly."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from provgraph.orm.nodes.caching_store import rehash_nodes

    columns = (TextColumn("Rehashing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("rehash", total=len(selected))
        return rehash_nodes(storage, selected, on_batch=lambda done: progress.advance(task, done))
