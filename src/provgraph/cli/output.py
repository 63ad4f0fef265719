"""Rendering for the terminal: tables, nested mappings as indented text, secrets masked."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.progress import Progress
    from rich.table import Table

__all__ = [
    "make_table",
    "mask_secrets",
    "print_rich",
    "progress_bars",
    "render_mapping",
    "stage_progress",
    "stderr_is_terminal",
]

_UUID_WIDTH = 36

_SECRET_KEY = re.compile(r"password|secret|token", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)(?P<password>[^@\s]+)(?P<tail>@)")
MASK = "****"


def make_table(*columns: str, no_wrap: Iterable[str] = ()) -> Table:
    """A borderless table with bold headers, for small tables (listings use ``cli/listing.py``).

    A ``uuid`` column is never wrapped, so it can be copied whole; ``no_wrap`` names more such
    columns. Other cells fold onto more lines rather than being cut with an ellipsis.
    """
    from rich.table import Table

    unwrapped = {"uuid", *no_wrap}
    table = Table(box=None, header_style="bold")
    for column in columns:
        table.add_column(
            column,
            no_wrap=column in unwrapped,
            min_width=_UUID_WIDTH if column == "uuid" else None,
            overflow="fold",
        )
    return table


#: Width given to rich when standard output is a pipe or a file: wide enough that nothing folds.
_PIPE_WIDTH = 100_000


def print_rich(renderable: Any) -> None:
    """Print a rich table (or other renderable) to standard output, never cutting a value.

    On a terminal rich fits the table to the screen (cells fold); in a pipe it would assume 80
    columns, so it gets a width no row reaches and every value comes out whole on its line.
    """
    from rich.console import Console

    if sys.stdout.isatty():
        Console().print(renderable)
    else:
        Console(width=_PIPE_WIDTH).print(renderable, crop=False)


def mask_secrets(value: Any) -> Any:
    """A copy of ``value`` with passwords (by key, or inside URLs) replaced by ``****``."""
    if isinstance(value, Mapping):
        return {
            key: (MASK if _SECRET_KEY.search(str(key)) and item else mask_secrets(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    if isinstance(value, str):
        return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['tail']}", value)
    return value


def render_mapping(value: Mapping[str, Any]) -> str:
    """Indented ``key: value`` lines (YAML-like, as ``verdi storage info`` prints)."""
    return "\n".join(_lines(value, 0))


def _lines(value: Any, depth: int) -> Iterator[str]:
    indent = "  " * depth
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(item, Mapping) and item:
                yield f"{indent}{key}:"
                yield from _lines(item, depth + 1)
            elif isinstance(item, list) and item:
                yield f"{indent}{key}:"
                yield from (f"{indent}- {_scalar(element)}" for element in item)
            else:
                yield f"{indent}{key}: {_scalar(item)}"
    else:
        yield f"{indent}{_scalar(value)}"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return "{}" if isinstance(value, Mapping) else "[]"
    return str(value)


def stderr_is_terminal() -> bool:
    """Whether a person is watching standard error (progress bars are for them, not for logs)."""
    return sys.stderr.isatty()


@contextmanager
def progress_bars() -> Iterator[Progress | None]:
    """rich progress bars on standard error while a person watches it; ``None`` in a pipe or log.

    Transient: the bars vanish when the work ends, leaving standard output script-friendly.
    """
    if not stderr_is_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield progress


@contextmanager
def stage_progress() -> Iterator[Callable[[str, int, int | None], None]]:
    """A ``(stage, done, total)`` callback drawing one bar per stage (see :func:`progress_bars`).

    Archive import and migration report through such a callback (``total`` None: not known yet).
    """
    tasks: dict[str, Any] = {}
    with progress_bars() as bars:

        def report(stage: str, done: int, total: int | None) -> None:
            if bars is None:
                return
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        yield report
