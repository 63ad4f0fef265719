"""``provgraph data core.dict show``: the content of Dict nodes, as json (default), yaml, table or tsv."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.data.common import data_arguments, dict_format_option, load_data
from provgraph.cli.listing import OutputStyle

__all__ = ["dictionary", "print_contents"]


@click.group("core.dict", cls=ProvgraphGroup)
def dictionary() -> None:
    """Inspect Dict nodes (JSON dictionaries)."""


@dictionary.command("show")
@data_arguments
@dict_format_option
@pass_provgraph
def show(ctx: ProvgraphContext, identifiers: tuple[str, ...], style: OutputStyle) -> None:
    """Print the content of Dict nodes (json by default, keys sorted).

    With several nodes, json and yaml print one list of their contents, in the order given.

    \b
    Examples:
      provgraph data core.dict show 42
      provgraph data core.dict show 42 --format yaml
      provgraph data core.dict show 42 43 -F tsv
    """
    from provgraph.orm import Dict

    nodes = load_data(ctx, identifiers, Dict)
    print_contents([(node.pk, node.get_dict()) for node in nodes], style)


def print_contents(contents: list[tuple[int | None, dict[str, Any]]], style: OutputStyle) -> None:
    """Dictionaries of nodes (pk, content) in ``style``: one document for json and yaml.

    Keys are sorted (verdi's order); a person reading a table sees each node under a ``pk`` line.
    """
    import json

    from provgraph.cli.listing import emit_rows, print_mapping

    ordered: list[tuple[int | None, dict[str, Any]]] = [(pk, _sorted(content)) for pk, content in contents]
    if style.format in ("json", "yaml"):
        document: object = ordered[0][1] if len(ordered) == 1 else [content for _, content in ordered]
        if style.format == "json":
            click.echo(json.dumps(document, indent=2, ensure_ascii=False, default=str))
        else:
            import yaml

            click.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True).rstrip())
        return
    if style.format == "tsv" and len(ordered) > 1:
        rows = ((pk, key, value) for pk, content in ordered for key, value in _flatten(content, ""))
        emit_rows(["pk", "key", "value"], rows, style)
        return
    for index, (pk, content) in enumerate(ordered):
        if len(ordered) > 1:
            click.echo(("\n" if index else "") + f"pk {pk}:")
        if content or style.format == "tsv":
            print_mapping(content, style)
        else:
            click.echo("{}")


def _flatten(mapping: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    """``(dotted key, value)`` for every leaf, as the tsv of one mapping names them."""
    for key, value in mapping.items():
        if isinstance(value, dict) and value:
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _sorted(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_sorted(item) for item in value]
    return value
