"""Options shared by several commands, written once.

``MultipleValueOption`` reads ``-N 1 2 3`` as three values, as verdi does for entity lists,
besides the click way ``-N 1 -N 2 -N 3``: it takes the values that follow the option up to the
next option (or ``--``). A positional argument placed after such an option must therefore come
after ``--``, or before the option.

>>> import click
>>> @click.command()
... @click.option("-N", "--nodes", cls=MultipleValueOption, help="Nodes.")
... def show(nodes):
...     click.echo(nodes)
>>> from click.testing import CliRunner
>>> CliRunner().invoke(show, ["-N", "1", "2", "-N", "3"]).output
"('1', '2', '3')\\n"
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import click

__all__ = ["MultipleValueOption", "days_ago", "order_options", "past_days_option"]

F = TypeVar("F", bound=Callable[..., Any])


class MultipleValueOption(click.Option):
    """An option taking any number of values after it (and repeatable); its value is a tuple."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["multiple"] = True
        kwargs.setdefault("default", ())
        super().__init__(*args, **kwargs)

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        """Register as click does, then let each parser entry of this option take the following values."""
        super().add_to_parser(parser, ctx)
        prefixes = tuple(getattr(parser, "_opt_prefixes", {"-", "--"}))
        for table in (getattr(parser, "_long_opt", {}), getattr(parser, "_short_opt", {})):
            for name in self.opts:
                entry = table.get(name)
                if entry is not None and getattr(entry, "obj", None) is self:
                    entry.process = _greedy(entry.process, prefixes)


def _greedy(process: Any, prefixes: tuple[str, ...]) -> Any:
    """Wrap a parser entry's ``process(value, state)`` to also take the values that follow."""

    def take_following(value: Any, state: Any) -> None:
        process(value, state)
        remaining: list[str] = state.rargs
        while remaining and not (remaining[0] == "--" or remaining[0].startswith(prefixes)):
            process(remaining.pop(0), state)

    return take_following


def order_options(fields: Iterable[str], default: str, what: str) -> Callable[[F], F]:
    """verdi's ``-O/--order-by FIELD`` and ``-D/--order-direction asc|desc`` (also ``--order-dir``).

    The command receives ``order_by`` and ``order_direction``; ``what`` names the listed things
    in the help ("nodes", "groups").
    """

    def decorate(func: F) -> F:
        func = click.option(
            "-D",
            "--order-direction",
            "--order-dir",
            "order_direction",
            type=click.Choice(("asc", "desc")),
            default="asc",
            show_default=True,
            help=f"List the {what} in ascending or descending order.",
        )(func)
        return click.option(
            "-O",
            "--order-by",
            "order_by",
            type=click.Choice(tuple(fields)),
            default=default,
            show_default=True,
            help=f"Order the {what} by this field.",
        )(func)

    return decorate


def past_days_option(what: str) -> Callable[[F], F]:
    """verdi's ``-p/--past-days DAYS``: the command receives ``past_days`` (None: no limit)."""
    return click.option(
        "-p",
        "--past-days",
        "past_days",
        type=click.IntRange(min=0),
        metavar="DAYS",
        help=f"Only {what} created in the last DAYS days.",
    )


def days_ago(days: int) -> datetime:
    """The moment ``days`` days before now (aware, UTC), where a ``--past-days`` listing starts."""
    return datetime.now(timezone.utc) - timedelta(days=days)
