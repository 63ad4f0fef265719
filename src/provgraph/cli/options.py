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

from typing import Any

import click

__all__ = ["MultipleValueOption"]


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
