"""What the ``provgraph data core.<type>`` commands share: loading typed nodes, writing exports, listing.

An export goes to standard output unless ``-o/--output`` names a file; an existing file is never
replaced without ``-f/--force`` (also spelled ``--overwrite``), and the file is written to a
temporary name beside it and renamed into place, so that a failed export leaves no half file.

>>> from click.testing import CliRunner
>>> @click.command()
... @output_options
... def export(output, force):
...     write_export(b"42\\n", output, force)
>>> CliRunner().invoke(export, []).output
'42\\n'
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

import click

from provgraph.cli.completion import complete_group_labels, complete_node_pks
from provgraph.cli.context import ProvgraphContext
from provgraph.cli.listing import FORMATS, OutputStyle, stdout_is_terminal
from provgraph.cli.options import MultipleValueOption, days_ago, past_days_option
from provgraph.exceptions import InvalidOperation

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.orm.querybuilder import QueryBuilder
    from provgraph.orm.users import UserCollection

__all__ = [
    "DICT_FORMATS",
    "data_arguments",
    "datum_argument",
    "dict_format_option",
    "emit_raw",
    "list_options",
    "list_query",
    "load_data",
    "open_export",
    "output_options",
    "unique_rows",
    "write_export",
]

F = TypeVar("F", bound=Callable[..., Any])
N = TypeVar("N", bound="Node")

#: ``--format`` of the commands that print a dictionary (verdi's ``json+date`` and ``yaml_expanded``
#: are accepted as the names verdi users type, for json and yaml).
DICT_FORMATS = (*FORMATS, "json+date", "yaml_expanded")
_DICT_ALIASES = {"json+date": "json", "yaml_expanded": "yaml"}


# -- arguments ----------------------------------------------------------------------------------


def data_arguments(func: F) -> F:
    """``NODE...``: one or more nodes by pk, UUID or UUID prefix."""
    return click.argument(
        "identifiers", metavar="NODE...", nargs=-1, required=True, shell_complete=complete_node_pks
    )(func)


def datum_argument(func: F) -> F:
    """``NODE``: one node by pk, UUID or UUID prefix."""
    return click.argument("identifier", metavar="NODE", shell_complete=complete_node_pks)(func)


def load_data(ctx: ProvgraphContext, identifiers: Iterable[str], node_class: type[N]) -> list[N]:
    """The nodes named by ``identifiers``; each must be a ``node_class`` (else one-line error)."""
    from provgraph.orm.loaders import load_node

    storage = ctx.get_storage()
    found = [load_node(identifier, sub_classes=(node_class,), backend=storage) for identifier in identifiers]
    return found  # type: ignore[return-value]  # load_node checked the class


def dict_format_option(func: F) -> F:
    """``-F/-f/--format`` for a dictionary's content, json by default (as ``verdi data core.dict show``).

    The command receives ``style: OutputStyle``; ``--json`` and ``--raw-times`` as everywhere.
    """

    @click.option(
        "-F",
        "-f",
        "--format",
        "output_format",
        type=click.Choice(DICT_FORMATS, case_sensitive=False),
        default="json",
        show_default=True,
        help="Output format: json, yaml, table (key: value lines) or tsv (flattened keys).",
    )
    @click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
    @click.option(
        "--raw-times", is_flag=True, help="Print times as ISO 8601 with time zone instead of local time."
    )
    @functools.wraps(func)
    def wrapper(*args: Any, output_format: str, as_json: bool, raw_times: bool, **kwargs: Any) -> Any:
        chosen = output_format.lower()
        chosen = _DICT_ALIASES.get(chosen, chosen)
        if as_json and chosen != "json":
            raise click.UsageError(f"--json contradicts --format {output_format}.")
        return func(*args, style=OutputStyle("json" if as_json else chosen, raw_times), **kwargs)

    return wrapper  # type: ignore[return-value]  # same call signature for click, plus the options


# -- exports ------------------------------------------------------------------------------------


def output_options(func: F) -> F:
    """``-o/--output PATH`` (default: standard output) and ``-f/--force`` (alias ``--overwrite``)."""
    func = click.option(
        "-f",
        "--force",
        "--overwrite",
        "force",
        is_flag=True,
        help="Replace the output file if it exists.",
    )(func)
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=True, path_type=Path),
        default=None,
        help="Write to this file instead of standard output.",
    )(func)


def refuse_existing(path: Path, force: bool) -> None:
    """Refuse to replace ``path`` unless ``force``; a folder is never replaced."""
    if path.is_dir():
        raise InvalidOperation(f"{path} is a folder; give a file name to write to")
    if path.exists() and not force:
        raise InvalidOperation(f"{path} exists already; use -f/--force to overwrite it")


@contextmanager
def open_export(path: Path, force: bool) -> Iterator[IO[bytes]]:
    """A binary handle whose content becomes ``path`` only if the ``with`` block succeeds."""
    refuse_existing(path, force)
    folder = path.parent
    if not folder.is_dir():
        raise InvalidOperation(f"cannot write {path}: the folder {folder} does not exist")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def write_export(content: bytes, output: Path | None, force: bool, *, binary: bool = False) -> None:
    """``content`` to ``output``, or to standard output without one.

    ``binary`` content is refused on a terminal (it would garble it): redirect it or give ``-o``.
    """
    if output is None:
        if binary and stdout_is_terminal():
            raise click.UsageError("The output is binary: redirect it to a file or give -o/--output FILE.")
        click.echo(content, nl=False)  # bytes go to the binary stream under standard output
        return
    with open_export(output, force) as handle:
        handle.write(content)
    click.echo(f"Wrote {output}.", err=True)


# -- listings -----------------------------------------------------------------------------------


def list_options(func: F) -> F:
    """verdi's options of ``data ... list``: -G/--groups, -p/--past-days, -A/--all-users, -r/--raw."""
    options = [
        click.option(
            "-G",
            "--groups",
            cls=MultipleValueOption,
            metavar="GROUP...",
            shell_complete=complete_group_labels,
            help="Only nodes in one of these groups (pk, UUID or label).",
        ),
        past_days_option("nodes"),
        click.option(
            "-A", "--all-users", is_flag=True, help="Nodes of every user, not only the default user's."
        ),
        click.option("-r", "--raw", is_flag=True, help="Only the rows, tab-separated: no header, no total."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def list_query(
    ctx: ProvgraphContext,
    node_class: type[Node],
    project: Sequence[str],
    *,
    groups: Sequence[str],
    past_days: int | None,
    all_users: bool,
) -> QueryBuilder:
    """Nodes of ``node_class`` (oldest first) projected on ``project``, filtered as verdi's list does.

    ``project`` starts with ``id`` (see :func:`unique_rows`, which reads the query's rows).
    """

    from provgraph.orm import Group, QueryBuilder, User
    from provgraph.orm.groups import load_group

    storage = ctx.get_storage()
    filters: dict[str, Any] = {}
    if past_days is not None:
        filters["ctime"] = {">=": days_ago(past_days)}
    query = QueryBuilder(backend=storage)
    if all_users:
        query.append(node_class, tag="data", filters=filters, project=list(project))
    else:
        user = cast("UserCollection", User.get_collection(storage)).get_default()
        query.append(User, tag="user", filters={"id": user.pk})
        query.append(node_class, tag="data", with_user="user", filters=filters, project=list(project))
    if groups:
        pks = sorted({cast(int, load_group(label, backend=storage).pk) for label in groups})
        query.append(Group, tag="group", filters={"id": {"in": pks}}, with_node="data")
    query.order_by({"data": [{"ctime": "asc"}, {"id": "asc"}]})
    return query


def unique_rows(query: QueryBuilder) -> Iterator[list[Any]]:
    """The query's rows, streamed, without repeats of a node (in two of the ``--groups``).

    The projection starts with the node's ``id`` and rows are ordered by ctime then id, so the
    rows of one node are neighbours: no DISTINCT (which PostgreSQL refuses with this ordering).
    """
    previous: Any = None
    for row in query.iterall():
        if row[0] != previous:
            previous = row[0]
            yield row


def emit_raw(rows: Iterable[Sequence[Any]]) -> int:
    """``--raw``: the rows as tab-separated values without a header; returns how many."""
    from provgraph.cli.listing import format_cell

    count = 0
    for row in rows:
        click.echo("\t".join(format_cell(value) for value in row))
        count += 1
    return count
