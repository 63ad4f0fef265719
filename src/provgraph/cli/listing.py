"""One output style for every command: formats, times, states, counts, and streamed listings.

Every listing takes ``--format table|tsv|json|yaml`` (``--json`` kept as a short form) and
``--raw-times``, through :func:`format_option`, and prints its rows with :func:`emit_rows`, which
streams: rows are written as they come from the query, in pages, so the first ones appear at once
even when a million follow. Nothing is ever cut: on a terminal a column too wide for the screen
wraps inside its cell; in a pipe every value is printed whole (a row whose value is wider than the
first page's column simply pushes the rest of its line to the right).

>>> from click.testing import CliRunner
>>> @click.command()
... @format_option
... def show(style: OutputStyle) -> None:
...     emit_rows(["pk", "label"], [(1, "first"), (2, "a longer label")], style)
>>> print(CliRunner().invoke(show, ["--format", "tsv"]).output.replace("\\t", " | "), end="")
pk | label
1 | first
2 | a longer label
"""

from __future__ import annotations

import functools
import itertools
import json
import shutil
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any, TypeVar

import click

from provgraph.common.states import format_state

__all__ = [
    "FORMATS",
    "OutputStyle",
    "TsvPageFormatter",
    "cell_formatter",
    "emit_rows",
    "flat_items",
    "format_cell",
    "format_option",
    "format_state",
    "format_time",
    "note",
    "plural",
    "print_mapping",
    "stdout_is_terminal",
]

FORMATS = ("table", "tsv", "json", "yaml")
_PAGE_ROWS = 100
_TSV_PAGE_ROWS = 1000  # pages after the first: fewer writes, and columns long enough to convert at once
_MIN_WRAP_WIDTH = 12
_GAP = "  "
#: Columns that are never wrapped on a terminal (identifiers and times are copied whole).
_UNWRAPPED = frozenset({"pk", "id", "uuid", "ctime", "mtime", "time", "created", "modified"})

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class OutputStyle:
    """How a command prints: the format and whether times stay ISO 8601 (``--raw-times``)."""

    format: str = "table"
    raw_times: bool = False

    @property
    def structured(self) -> bool:
        """Whether the output is for programs (json, yaml, tsv): notes then go to standard error."""
        return self.format != "table"


def format_option(func: F) -> F:
    """Add ``--format``, ``--json`` and ``--raw-times``; the command receives ``style: OutputStyle``."""

    @click.option(
        "-F",
        "--format",
        "output_format",
        type=click.Choice(FORMATS, case_sensitive=False),
        default=None,
        help="Output format: table (aligned, for people), tsv (tab-separated with a header), json, yaml.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
    @click.option(
        "--raw-times", is_flag=True, help="Print times as ISO 8601 with time zone instead of local time."
    )
    @functools.wraps(func)
    def wrapper(*args: Any, output_format: str | None, as_json: bool, raw_times: bool, **kwargs: Any) -> Any:
        if as_json and output_format not in (None, "json"):
            raise click.UsageError(f"--json contradicts --format {output_format}.")
        chosen = "json" if as_json else (output_format or "table").lower()
        return func(*args, style=OutputStyle(chosen, raw_times), **kwargs)

    return wrapper  # type: ignore[return-value]  # same call signature for click, plus the options


# -- single values ------------------------------------------------------------------------------


def format_time(value: datetime | None, raw: bool = False) -> str:
    """Local time to the second (``2026-12-07 16:04:05``), or ISO 8601 with ``raw``; ``""`` for None.

    >>> from datetime import timezone
    >>> format_time(datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=timezone.utc), raw=True)
    '2026-01-02T03:04:05.000678+00:00'
    """
    if value is None:
        return ""
    if raw:
        return value.isoformat()
    local = value.astimezone() if value.tzinfo is not None else value
    return local.isoformat(sep=" ", timespec="seconds")[:19]  # isoformat is C; strftime is slower


def plural(count: int, noun: str, plural_form: str | None = None) -> str:
    """``1 node``, ``2 nodes``, ``0 processes`` (give ``plural_form`` when ``s`` is not it).

    >>> plural(1, "node"), plural(3, "node"), plural(2, "process", "processes")
    ('1 node', '3 nodes', '2 processes')
    """
    return f"{count} {noun if count == 1 else (plural_form or noun + 's')}"


def format_cell(value: Any, raw_times: bool = False) -> str:
    """One value as text: times per :func:`format_time`, JSON for mappings, lists and booleans."""
    return cell_formatter(raw_times)(value)


def cell_formatter(raw_times: bool = False, *, for_tsv: bool = False) -> Callable[[Any], str]:
    """A function turning one value into its cell text, dispatching on the value's exact type.

    Listings call it for every value of millions of rows, so the common types (text, integers,
    times, None) take one dictionary lookup; ``for_tsv`` also escapes tabs, newlines and
    backslashes so that every row stays one line of tab-separated fields.
    """

    def text(value: str) -> str:
        return value if value.isprintable() and "\\" not in value else _tsv_cell(value)

    zone = _fixed_local_zone()
    second_start: datetime | None = None  # the last time formatted, to the whole second
    second_text = ""

    def time_text(value: datetime) -> str:
        # Rows listed in pk order often share a second (bulk stores, batches of calculations):
        # the text of the last second is reused, skipping the time-zone conversion.
        nonlocal second_start, second_text
        if raw_times or value.tzinfo is None:
            return format_time(value, raw_times)
        if second_start is not None and second_start <= value < second_start + _ONE_SECOND:
            return second_text
        local = value.astimezone(zone) if zone is not None else value.astimezone()
        second_start, second_text = value.replace(microsecond=0), local.isoformat(" ", "seconds")[:19]
        return second_text

    def other(value: Any) -> str:
        if isinstance(value, datetime):
            return format_time(value, raw_times)
        if isinstance(value, dict | list | tuple | bool):
            result = json.dumps(value, ensure_ascii=False, default=str)
        else:
            result = str(value)
        return _tsv_cell(result) if for_tsv else result

    dispatch: dict[type, Callable[[Any], str]] = {
        str: text if for_tsv else str,
        int: str,
        type(None): lambda value: "",
        datetime: time_text,
        bool: lambda value: "true" if value else "false",
    }

    def cell(value: Any) -> str:
        return dispatch.get(type(value), other)(value)

    return cell


_ONE_SECOND = timedelta(seconds=1)


def _fixed_local_zone() -> tzinfo | None:
    """The local time zone as a fixed offset when it has no daylight saving time (as on servers).

    Converting with a fixed offset skips the C library's local-time lookup for each value, a
    large share of the cost of a listing's time column; with DST the lookup is needed.
    """
    if time.daylight:
        return None
    return timezone(timedelta(seconds=-time.timezone))


def _machine_value(value: Any) -> Any:
    """A value for json/yaml: times and dates as ISO strings, the rest as it is."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _machine_value(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_machine_value(item) for item in value]
    return value


def stdout_is_terminal() -> bool:
    """Whether a person reads standard output (tables may then wrap to the screen's width)."""
    return sys.stdout.isatty()


def note(message: str, style: OutputStyle) -> None:
    """A summary line (``Total results: 5``): on standard output for a table, else standard error.

    Programs reading json, yaml or tsv must get nothing but the data on standard output.
    """
    click.echo(message, err=style.structured)


# -- listings -----------------------------------------------------------------------------------


def emit_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], style: OutputStyle) -> int:
    """Print ``rows`` (one value per column) in ``style`` as they come; returns how many were printed.

    Rows are consumed lazily: give an iterator straight from ``QueryBuilder.iterall`` and the first
    page is on the screen while the database still sends the rest.
    """
    writer = {"table": _emit_table, "tsv": _emit_tsv, "json": _emit_json, "yaml": _emit_yaml}[style.format]
    return writer(list(columns), iter(rows), style)


def _write(text: str) -> None:
    sys.stdout.write(text)


def _emit_tsv(columns: list[str], rows: Iterator[Sequence[Any]], style: OutputStyle) -> int:
    _write("\t".join(columns) + "\n")
    count = 0
    page_rows = _PAGE_ROWS  # the first page small, so that the first row shows at once
    formatter = TsvPageFormatter(style.raw_times)
    while page := list(itertools.islice(rows, page_rows)):
        _write(formatter.lines(page))
        sys.stdout.flush()
        count += len(page)
        page_rows = _TSV_PAGE_ROWS
    sys.stdout.flush()
    return count


class TsvPageFormatter:
    r"""Pages of rows as lines of tab-separated cells, converted a column at a time.

    A listing of a million rows is five million cells: converting them one by one in Python is
    most of a listing's time. A page's column is converted in one call where its values all have
    one type (``str`` on a column of integers; text checked for characters to escape once for
    the whole column), value by value (``cell_formatter``) only where types are mixed.

        >>> TsvPageFormatter(raw_times=True).lines([(1, "a\tb", None), (2, "c", True)])
        '1\ta\\tb\t\n2\tc\ttrue\n'
    """

    def __init__(self, raw_times: bool) -> None:
        self._cell = cell_formatter(raw_times, for_tsv=True)

    def lines(self, page: Sequence[Sequence[Any]]) -> str:
        """The text of ``page``: one line per row, each ending in a newline."""
        texts = [self._column(column) for column in zip(*page, strict=True)]
        return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"

    def _column(self, values: tuple[Any, ...]) -> Sequence[str]:
        kinds = set(map(type, values))
        if len(kinds) == 1:
            (kind,) = kinds
            if kind is int:
                return list(map(str, values))
            if kind is str:
                joined = "".join(values)
                if joined.isprintable() and "\\" not in joined:  # no tab, newline or backslash
                    return values
            elif kind is type(None):
                return [""] * len(values)
        return list(map(self._cell, values))


def _tsv_cell(text: str) -> str:
    if "\t" in text or "\n" in text or "\\" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _emit_json(columns: list[str], rows: Iterator[Sequence[Any]], style: OutputStyle) -> int:
    count = 0
    for row in rows:
        record = {column: _machine_value(value) for column, value in zip(columns, row, strict=True)}
        text = json.dumps(record, indent=2, ensure_ascii=False, default=str)
        _write(("[\n" if count == 0 else ",\n") + textwrap.indent(text, "  "))
        count += 1
        if count % _PAGE_ROWS == 0:
            sys.stdout.flush()
    _write("\n]\n" if count else "[]\n")
    sys.stdout.flush()
    return count


def _emit_yaml(columns: list[str], rows: Iterator[Sequence[Any]], style: OutputStyle) -> int:
    import yaml

    count = 0
    for row in rows:
        record = {column: _machine_value(value) for column, value in zip(columns, row, strict=True)}
        _write(yaml.safe_dump([record], sort_keys=False, allow_unicode=True, default_flow_style=False))
        count += 1
        if count % _PAGE_ROWS == 0:
            sys.stdout.flush()
    if count == 0:
        _write("[]\n")
    sys.stdout.flush()
    return count


def _emit_table(columns: list[str], rows: Iterator[Sequence[Any]], style: OutputStyle) -> int:
    terminal = stdout_is_terminal()
    cell = cell_formatter(style.raw_times)
    first: list[list[str]] = []
    for row in rows:
        first.append([cell(value) for value in row])
        if len(first) >= _PAGE_ROWS:
            break
    if not first:
        return 0
    widths = [
        max(len(line) for cell in column for line in cell.split("\n"))
        for column in zip(columns, *first, strict=True)
    ]
    if terminal:
        widths = _fit(columns, widths, shutil.get_terminal_size((200, 24)).columns)
    header = [click.style(name, bold=True) if terminal else name for name in columns]
    _write(_line(header, columns, widths, terminal) + "\n")
    count = 0
    page: list[str] = []
    for cells in _chain(first, rows, cell):
        page.append(_line(cells, columns, widths, terminal))
        count += 1
        if len(page) >= _PAGE_ROWS:
            _write("\n".join(page) + "\n")
            sys.stdout.flush()
            page.clear()
    if page:
        _write("\n".join(page) + "\n")
    sys.stdout.flush()
    return count


def _chain(
    first: list[list[str]], rows: Iterator[Sequence[Any]], cell: Callable[[Any], str]
) -> Iterator[list[str]]:
    yield from first
    for row in rows:
        yield [cell(value) for value in row]


def _fit(columns: list[str], widths: list[int], screen: int) -> list[int]:
    """Narrow the widest wrappable columns until the row fits the screen (never below a minimum)."""
    widths = list(widths)
    wrappable = [index for index, name in enumerate(columns) if name.lower() not in _UNWRAPPED]
    while sum(widths) + len(_GAP) * (len(widths) - 1) > screen:
        candidates = [index for index in wrappable if widths[index] > _MIN_WRAP_WIDTH]
        if not candidates:
            break
        widest = max(candidates, key=lambda index: widths[index])
        widths[widest] -= 1
    return widths


def _line(cells: Sequence[str], columns: Sequence[str], widths: Sequence[int], terminal: bool) -> str:
    """One row; on a terminal a cell wider than its column wraps onto continuation lines."""
    if not terminal:
        padded = [_pad(cell, width) for cell, width in zip(cells, widths, strict=True)]
        return _GAP.join(padded).rstrip()
    pieces = [_wrap(cell, width) for cell, width in zip(cells, widths, strict=True)]
    height = max(len(piece) for piece in pieces)
    lines = []
    for index in range(height):
        parts = [
            _pad(piece[index] if index < len(piece) else "", width)
            for piece, width in zip(pieces, widths, strict=True)
        ]
        lines.append(_GAP.join(parts).rstrip())
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    visible = len(click.unstyle(text)) if "\x1b" in text else len(text)
    return text + " " * max(0, width - visible)


def _wrap(text: str, width: int) -> list[str]:
    if "\x1b" in text or (len(text) <= width and "\n" not in text):
        return [text]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(
            textwrap.wrap(
                paragraph, width, break_long_words=True, break_on_hyphens=False, drop_whitespace=False
            )
            or [""]
        )
    return lines


# -- one record ---------------------------------------------------------------------------------


def print_mapping(mapping: Mapping[str, Any], style: OutputStyle) -> None:
    """A ``show``-style record: ``key: value`` lines for people, or the mapping as json/yaml/tsv."""
    if style.format == "json":
        click.echo(json.dumps(_machine_value(mapping), indent=2, ensure_ascii=False, default=str))
    elif style.format == "yaml":
        import yaml

        click.echo(yaml.safe_dump(_machine_value(mapping), sort_keys=False, allow_unicode=True).rstrip())
    elif style.format == "tsv":
        click.echo("key\tvalue")
        for key, value in _flatten(mapping, ""):
            click.echo(f"{_tsv_cell(key)}\t{_tsv_cell(format_cell(value, style.raw_times))}")
    else:
        width = max((len(str(key)) for key in mapping), default=0)
        for key, value in mapping.items():
            if isinstance(value, Mapping) and value:
                click.echo(f"{key}:")
                for sub_key, item in _flatten(value, ""):
                    click.echo(f"  {sub_key}: {format_cell(item, style.raw_times)}")
            else:
                click.echo(f"{str(key).ljust(width)}  {format_cell(value, style.raw_times)}".rstrip())


def flat_items(mapping: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Nested mappings as ``(dotted.key, value)`` pairs, as the tsv form of ``print_mapping`` lists them.

    >>> list(flat_items({"a": 1, "b": {"c": 2, "d": {}}}))
    [('a', 1), ('b.c', 2), ('b.d', {})]
    """
    return _flatten(mapping, "")


def _flatten(mapping: Mapping[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _flatten(value, name + ".")
        else:
            yield name, value
