"""``provgraph group path ls``: groups seen as a ``/``-separated hierarchy of their labels.

As ``verdi group path ls``: the groups labelled ``runs/2026/a`` and ``runs/2026/b`` make the path
``runs`` with the child ``runs/2026`` and the grandchildren ``runs/2026/a`` and ``runs/2026/b``.
A path that no group is labelled with (``runs``, ``runs/2026`` here) is *virtual*: it exists
only because longer labels start with it. One query reads the labels of the type; the tree is
built in memory (labels are short and groups far fewer than nodes).

    provgraph group path ls                 # the top level
    provgraph group path ls runs -R -l      # everything under runs, with sub-group counts
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.completion import complete_group_labels
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.listing import OutputStyle, emit_rows, format_option, stdout_is_terminal
from provgraph.exceptions import InputValidationError, NotExistent

if TYPE_CHECKING:
    from provgraph.storage.abstract import StorageBackend

__all__ = ["PathEntry", "group_path", "list_paths", "validate_path"]

DELIMITER = "/"


@dataclass(frozen=True)
class PathEntry:
    """One path under the listed one: the group it names (None when virtual) and its real sub-groups."""

    path: str
    pk: int | None
    description: str | None
    sub_groups: int

    @property
    def is_virtual(self) -> bool:
        return self.pk is None


def validate_path(path: str | None) -> str:
    """The path without a redundant root; ``InputValidationError`` for ``a//b``, ``/a`` or ``a/``.

    >>> validate_path("runs/2026"), validate_path("/"), validate_path(None)
    ('runs/2026', '', '')
    """
    if not path or path == DELIMITER:
        return ""
    if DELIMITER * 2 in path:
        raise InputValidationError(f"invalid group path {path!r}: it may not contain '{DELIMITER * 2}'")
    if path.startswith(DELIMITER) or path.endswith(DELIMITER):
        raise InputValidationError(f"invalid group path {path!r}: it may not start or end with '{DELIMITER}'")
    return path


def list_paths(
    labels: Iterable[tuple[int, str, str]], path: str, *, recursive: bool
) -> tuple[list[PathEntry], list[str]]:
    """The children of ``path`` (all descendants if ``recursive``), sorted, and the invalid labels met.

    ``labels`` are ``(pk, label, description)`` of the groups of one type; ``path`` is validated.

    >>> groups = [(1, "a/x", ""), (2, "a/y/z", ""), (3, "b", "")]
    >>> [(e.path, e.is_virtual, e.sub_groups) for e in list_paths(groups, "", recursive=False)[0]]
    [('a', True, 2), ('b', False, 0)]
    """
    prefix = path.split(DELIMITER) if path else []
    depth = len(prefix)
    real: dict[str, tuple[int, str]] = {}
    below: dict[str, int] = {}
    invalid: list[str] = []
    for pk, label, description in labels:
        parts = label.split(DELIMITER)
        if len(parts) <= depth or parts[:depth] != prefix:
            continue
        if any(not part for part in parts):
            invalid.append(label)
            continue
        real[label] = (pk, description)
        for end in range(depth + 1, len(parts)):
            ancestor = DELIMITER.join(parts[:end])
            below[ancestor] = below.get(ancestor, 0) + 1
    paths = set(real) | set(below)
    if not recursive:
        paths = {candidate for candidate in paths if candidate.count(DELIMITER) == depth}
    entries = [
        PathEntry(
            candidate,
            real[candidate][0] if candidate in real else None,
            real[candidate][1] if candidate in real else None,
            below.get(candidate, 0),
        )
        for candidate in sorted(paths)
    ]
    return entries, invalid


def _labels(storage: StorageBackend, type_string: str, path: str) -> Iterator[tuple[int, str, str]]:
    from provgraph.orm.groups import Group
    from provgraph.orm.querybuilder import QueryBuilder
    from provgraph.storage.query_schema import escape_like

    filters: dict[str, Any] = {"type_string": type_string}
    if path:
        filters["or"] = [{"label": path}, {"label": {"like": f"{escape_like(path)}{DELIMITER}%"}}]
    query = QueryBuilder(backend=storage).append(
        Group, filters=filters, project=["id", "label", "description"]
    )
    for pk, label, description in query.iterall(batch_size=1000):
        yield int(pk), str(label), str(description or "")


@click.group("path", cls=ProvgraphGroup)
def group_path() -> None:
    """Browse groups as a hierarchy: labels split at '/' (runs/2026/a is under runs/2026)."""


@group_path.command("ls")
@click.argument("path", required=False, default=None, shell_complete=complete_group_labels)
@click.option(
    "-T",
    "--type-string",
    default="core",
    show_default=True,
    metavar="TYPE",
    help="Only groups of this type string.",
)
@click.option("-R", "--recursive", is_flag=True, help="List every path below PATH, not only its children.")
@click.option(
    "-l", "--long", "as_table", is_flag=True, help="A table with the pk and the sub-group count of each path."
)
@click.option(
    "-d", "--with-description", is_flag=True, help="Add the description of each group (implies --long)."
)
@click.option("--no-virtual", is_flag=True, help="Only paths that are the label of a group.")
@click.option("--no-warn", is_flag=True, help="Do not warn about labels that are not valid paths (a//b, a/).")
@format_option
@pass_provgraph
def path_ls(
    ctx: ProvgraphContext,
    *,
    path: str | None,
    type_string: str,
    recursive: bool,
    as_table: bool,
    with_description: bool,
    no_virtual: bool,
    no_warn: bool,
    style: OutputStyle,
) -> None:
    """List the group paths below PATH (default: the top level).

    A virtual path (no group has it as its label; only longer labels start with it) is listed
    too, unless --no-virtual; on a terminal the paths that are groups are bold, and --long
    shows a virtual path with an empty pk.

    \b
    Example:
      provgraph group path ls runs -R
      provgraph group path ls -l --json
    """
    where = validate_path(path)
    entries, invalid = list_paths(_labels(ctx.get_storage(), type_string, where), where, recursive=recursive)
    if where and not entries and not _exists(ctx, type_string, where):
        raise NotExistent(f"no group of type {type_string!r} is labelled {where!r} or starts with '{where}/'")
    if invalid and not no_warn:
        shown = ", ".join(repr(label) for label in invalid[:5])
        click.echo(f"Warning: skipped labels that are not valid paths: {shown}", err=True)
    if no_virtual:
        entries = [entry for entry in entries if not entry.is_virtual]
    if as_table or with_description or style.structured:
        columns = ["path", "pk", "sub_groups"] + (["description"] if with_description else [])
        rows = (
            (entry.path, entry.pk, entry.sub_groups, entry.description)[: len(columns)] for entry in entries
        )
        emit_rows(columns, rows, style)
        return
    bold = stdout_is_terminal()
    for entry in entries:
        click.echo(click.style(entry.path, bold=True) if bold and not entry.is_virtual else entry.path)


def _exists(ctx: ProvgraphContext, type_string: str, label: str) -> bool:
    from provgraph.orm.groups import Group

    return bool(
        Group.collection(ctx.get_storage()).find({"type_string": type_string, "label": label}, limit=1)
    )
