"""Rendering for the terminal: tables, nested mappings as indented text, secrets masked."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["make_table", "mask_secrets", "print_rich", "render_mapping", "stage_progress"]

_UUID_WIDTH = 36

_SECRET_KEY = re.compile(r"password|secret|token", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)(?P<password>[^@\s]+)(?P<tail>@)")
MASK = "****"


def make_table(*columns: str, no_wrap: Iterable[str] = ()) -> Table:
    """A borderless table with bold headers, as the list and show commands print.

    A ``uuid`` column is never wrapped, so it can be copied whole; ``no_wrap`` names more such
    columns.
    """
    from rich.table import Table

    unwrapped = {"uuid", *no_wrap}
    table = Table(box=None, header_style="bold")
    for column in columns:
        table.add_column(
            column,
            no_wrap=column in unwrapped,
            min_width=_UUID_WIDTH if column == "uuid" else None,
        )
    return table


def print_rich(renderable: Any) -> None:
    """Print a rich table (or other renderable) to standard output."""
    from rich.console import Console

    Console().print(renderable)


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


@contextmanager
def stage_progress() -> Iterator[Callable[[str, int, int], None]]:
    """A ``(stage, done, total)`` callback drawing one progress bar per stage on standard error.

    Long library calls (archive create and import) report through such a callback; on a terminal
    it becomes rich progress bars, elsewhere (pipes, CI logs) nothing is drawn, so standard
    output stays script-friendly either way.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    tasks: dict[str, Any] = {}
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield report
