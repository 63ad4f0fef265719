"""``provgraph node``: inspect nodes (fields, links, attributes, extras, files, comments) and rehash them.

NODE arguments take a pk, a UUID or a unique UUID prefix; an ambiguous prefix is refused with
the matching nodes listed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from provgraph.cli.completion import complete_node_pks
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.delete import node_delete
from provgraph.cli.listing import OutputStyle, emit_rows, flat_items, format_option, note, print_mapping
from provgraph.cli.node_edit import node_description, node_label
from provgraph.cli.node_graph import node_graph
from provgraph.cli.node_list import list_nodes
from provgraph.cli.options import MultipleValueOption
from provgraph.cli.prompts import confirm_or_force
from provgraph.exceptions import NotExistent

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


def _type_name(node_type: str) -> str:
    """The class part of a node_type (``data.core.int.Int.`` -> ``Int``), as verdi shows it."""
    parts = node_type.rstrip(".").rsplit(".", 1)
    return parts[-1] or node_type


@click.group(cls=ProvgraphGroup)
def node() -> None:
    """Inspect the nodes of the selected profile."""


node.add_command(list_nodes)
node.add_command(node_delete)
node.add_command(node_label)
node.add_command(node_description)
node.add_command(node_graph)


@node.command("show")
@click.argument("identifiers", metavar="NODES...", nargs=-1, required=True, shell_complete=complete_node_pks)
@click.option("--print-groups", is_flag=True, help="Also list the groups each node belongs to.")
@format_option
@pass_provgraph
def show(ctx: ProvgraphContext, identifiers: tuple[str, ...], print_groups: bool, style: OutputStyle) -> None:
    """Show the fields, the links and (with --print-groups) the groups of nodes.

    \b
    Example:
      provgraph node show 12 3f2a9c1e --print-groups
      provgraph node show 12 --json        # one JSON object (a list for several nodes)
    """
    found = [_load(ctx, identifier) for identifier in identifiers]
    if style.structured:
        records = [_record(item, print_groups) for item in found]
        print_mapping(records[0], style) if len(records) == 1 else _print_records(records, style)
        return
    for index, item in enumerate(found):
        if index:
            click.echo("")
        print_mapping(_fields(item), style)
        _section("Incoming links", _link_rows(item.base.links.get_incoming().all()), _LINK_COLUMNS, style)
        _section("Outgoing links", _link_rows(item.base.links.get_outgoing().all()), _LINK_COLUMNS, style)
        if print_groups:
            _section("Groups", _group_rows(item), _GROUP_COLUMNS, style)


_LINK_COLUMNS = ("pk", "type", "link_type", "link_label")
_GROUP_COLUMNS = ("pk", "label", "type_string")


def _fields(found: Node) -> dict[str, Any]:
    computer = found.computer
    fields: dict[str, Any] = {"type": type(found).__name__, "node_type": found.node_type}
    if found.process_type is not None:
        fields["process_type"] = found.process_type
    fields.update(
        pk=found.pk,
        uuid=found.uuid,
        label=found.label,
        description=found.description,
        ctime=found.ctime,
        mtime=found.mtime,
        user=found.user.email,
        computer=computer.label if computer is not None else "",
    )
    return fields


def _record(found: Node, print_groups: bool) -> dict[str, Any]:
    """Everything ``show`` prints about one node, as one mapping for json/yaml/tsv."""
    record = _fields(found)
    links = found.base.links
    for key, triples in (("incoming", links.get_incoming().all()), ("outgoing", links.get_outgoing().all())):
        record[key] = [dict(zip(_LINK_COLUMNS, row, strict=True)) for row in _link_rows(triples)]
    if print_groups:
        record["groups"] = [dict(zip(_GROUP_COLUMNS, row, strict=True)) for row in _group_rows(found)]
    return record


def _print_records(records: list[dict[str, Any]], style: OutputStyle) -> None:
    """Several nodes: one json/yaml list; tsv gets one key/value block per node."""
    if style.format == "tsv":
        for record in records:
            print_mapping(record, style)
        return
    values = [_isoformat_times(record) for record in records]
    if style.format == "json":
        click.echo(json.dumps(values, indent=2, ensure_ascii=False, default=str))
    else:
        import yaml

        click.echo(yaml.safe_dump(values, sort_keys=False, allow_unicode=True).rstrip())


def _isoformat_times(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in record.items()}


def _section(title: str, rows: list[tuple[Any, ...]], columns: Sequence[str], style: OutputStyle) -> None:
    click.echo("")
    if not rows:
        click.echo(f"{title}: none")
        return
    click.echo(f"{title}:")
    emit_rows(columns, rows, style)


def _link_rows(triples: list[LinkTriple]) -> list[tuple[Any, ...]]:
    rows = [
        (triple.node.pk, type(triple.node).__name__, triple.link_type.value, triple.link_label)
        for triple in triples
    ]
    return sorted(rows, key=lambda row: (row[3], row[0]))


def _group_rows(found: Node) -> list[tuple[Any, ...]]:
    from provgraph.orm.groups import Group
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.querybuilder import QueryBuilder

    query = QueryBuilder(backend=found.backend)
    query.append(Node, filters={"id": found.pk}, tag="node")
    query.append(Group, with_node="node", project=["id", "label", "type_string"], tag="group")
    query.order_by({"group": "id"})
    return [tuple(row) for row in query.iterall()]


@node.command("attributes")
@click.argument("identifiers", metavar="NODES...", nargs=-1, required=True, shell_complete=complete_node_pks)
@click.option(
    "-k", "--keys", cls=MultipleValueOption, help="Only these attributes: -k KEY [KEY...] (as verdi)."
)
@format_option
@pass_provgraph
def attributes(
    ctx: ProvgraphContext, identifiers: tuple[str, ...], keys: tuple[str, ...], style: OutputStyle
) -> None:
    """Show the attributes of one or more nodes (all, or those named with -k).

    With several nodes each is headed by its pk (json and yaml: one mapping keyed by pk; tsv: a
    pk column).

    \b
    Examples:
      provgraph node attributes 12 -k value --json
      provgraph node attributes 12 13 14 -k value -F tsv
    """
    found = [_load(ctx, identifier) for identifier in identifiers]
    _print_per_node(found, lambda one: _values(one, one.base.attributes, keys, "attribute"), style)


@node.command("extras")
@click.argument("identifiers", metavar="NODES...", nargs=-1, required=True, shell_complete=complete_node_pks)
@click.option("-k", "--keys", cls=MultipleValueOption, help="Only these extras: -k KEY [KEY...] (as verdi).")
@format_option
@pass_provgraph
def extras(
    ctx: ProvgraphContext, identifiers: tuple[str, ...], keys: tuple[str, ...], style: OutputStyle
) -> None:
    """Show the extras of one or more nodes (all, or those named with -k).

    With several nodes each is headed by its pk (json and yaml: one mapping keyed by pk; tsv: a
    pk column).

    \b
    Examples:
      provgraph node extras 12 -k tag -F yaml
      provgraph node extras 12 13 -k tag
    """
    found = [_load(ctx, identifier) for identifier in identifiers]
    _print_per_node(found, lambda one: _values(one, one.base.extras, keys, "extra"), style)


def _print_per_node(
    found: list[Node], values_of: Callable[[Node], dict[str, Any]], style: OutputStyle
) -> None:
    """One node's mapping as it is; several as verdi shows them (``PK: 12`` before each)."""
    if len(found) == 1:
        print_mapping(values_of(found[0]), style)
        return
    mappings = [(one.pk, values_of(one)) for one in found]  # every missing key reported before output
    if style.format in ("json", "yaml"):
        print_mapping({str(pk): values for pk, values in mappings}, style)
    elif style.format == "tsv":
        rows = [(pk, key, value) for pk, values in mappings for key, value in flat_items(values)]
        emit_rows(["pk", "key", "value"], rows, style)
    else:
        for index, (pk, values) in enumerate(mappings):
            click.echo(("\n" if index else "") + f"PK: {pk}")
            print_mapping(values, style)


def _values(
    found: Node, values: NodeAttributes | NodeExtras, keys: tuple[str, ...], kind: str
) -> dict[str, Any]:
    """The ``keys`` of the attributes or extras (all if none are named); a missing key is a user error."""
    if not keys:
        return values.all
    for key in keys:
        if key not in values:
            raise NotExistent(f"node {found.pk} has no {kind} {key!r}")
    return dict(zip(keys, values.get_many(keys), strict=True))


# -- files ----------------------------------------------------------------------------------------


@node.group("repo", cls=ProvgraphGroup)
def repo() -> None:
    """List, print and copy the files of a node."""


@repo.command("ls")
@click.argument("identifier", metavar="NODE", shell_complete=complete_node_pks)
@click.argument("path", required=False, default=None)
@format_option
@pass_provgraph
def repo_ls(ctx: ProvgraphContext, identifier: str, path: str | None, style: OutputStyle) -> None:
    """List the files and folders of a node at PATH (default: the top folder), sorted by name.

    \b
    Example:
      provgraph node repo ls 12 sub/dir
      provgraph node repo ls 12 -F tsv | cut -f1
    """
    repository = _load(ctx, identifier).base.repository
    try:
        entries = repository.list_objects(path)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise NotExistent(f"node {identifier} has no folder {path!r}: {exc}") from exc
    emit_rows(["name", "type"], ((entry.name, entry.file_type.name.lower()) for entry in entries), style)


@repo.command("cat")
@click.argument("identifier", metavar="NODE", shell_complete=complete_node_pks)
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
        raise NotExistent(f"node {identifier} has no file {path!r}: {exc}") from exc
    stdout.flush()


@repo.command("dump")
@click.argument("identifier", metavar="NODE", shell_complete=complete_node_pks)
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
@click.argument("identifier", metavar="NODE", shell_complete=complete_node_pks)
@click.argument("content")
@pass_provgraph
def comment_add(ctx: ProvgraphContext, identifier: str, content: str) -> None:
    """Add a comment to a node, as the profile's default user."""
    added = _load(ctx, identifier).base.comments.add(content)
    click.echo(f"Added comment {added.pk} to node {identifier}")


@comment.command("show")
@click.argument("identifier", metavar="NODE", shell_complete=complete_node_pks)
@format_option
@pass_provgraph
def comment_show(ctx: ProvgraphContext, identifier: str, style: OutputStyle) -> None:
    """Show the comments of a node, oldest first.

    \b
    Example:
      provgraph node comment show 12 --json
    """
    comments = _load(ctx, identifier).base.comments.all()
    rows = ((item.pk, item.user.email, item.ctime, item.content) for item in comments)
    if not emit_rows(["pk", "user", "ctime", "content"], rows, style):
        note(f"Node {identifier} has no comments.", style)


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
@click.argument("identifiers", metavar="[NODES]...", nargs=-1, shell_complete=complete_node_pks)
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
