"""``provgraph data core.int|float|str|bool|list show``: the value a node holds.

For a person the values are printed one per line (``cat``-like); ``--format tsv`` gives
``pk<TAB>value`` rows, json and yaml the value itself for one node, a list of values (in the
order given) for several.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.data.common import data_arguments, load_data
from provgraph.cli.listing import OutputStyle, emit_rows, format_cell, format_option, print_mapping

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node

__all__ = ["bool_group", "float_group", "int_group", "list_group", "str_group"]


def print_values(pairs: list[tuple[int | None, Any]], style: OutputStyle) -> None:
    """``(pk, value)`` pairs in ``style`` (see the module docstring)."""
    if style.format == "tsv":
        emit_rows(["pk", "value"], pairs, style)
    elif style.format in ("json", "yaml"):
        values = [value for _, value in pairs]
        print_mapping_value(values[0] if len(values) == 1 else values, style)
    else:
        for _, value in pairs:
            click.echo(format_cell(value, style.raw_times))


def print_mapping_value(value: Any, style: OutputStyle) -> None:
    """One json or yaml document holding ``value`` (a scalar, a list or a mapping)."""
    import json

    if style.format == "json":
        click.echo(json.dumps(value, indent=2, ensure_ascii=False, default=str))
    elif isinstance(value, dict):
        print_mapping(value, style)
    else:
        import yaml

        click.echo(yaml.safe_dump(value, sort_keys=False, allow_unicode=True).rstrip())


def _show_command(type_name: str, class_name: str) -> click.Command:
    @click.command("show")
    @data_arguments
    @format_option
    @pass_provgraph
    def show(ctx: ProvgraphContext, identifiers: tuple[str, ...], style: OutputStyle) -> None:
        from provgraph import orm

        node_class: type[Node] = getattr(orm, class_name)
        nodes = load_data(ctx, identifiers, node_class)
        print_values([(node.pk, _value(node)) for node in nodes], style)

    show.help = f"""Print the value of {class_name} nodes.

    \b
    Example:
      provgraph data {type_name} show 12 13 --format tsv
    """
    return show


def _value(node: Node) -> Any:
    return node.value  # type: ignore[attr-defined]  # Int, Float, Str, Bool and List all have .value


def _group(type_name: str, class_name: str, what: str) -> click.Group:
    group = ProvgraphGroup(type_name, help=f"Inspect {class_name} nodes ({what}).")
    group.add_command(_show_command(type_name, class_name))
    return group


int_group = _group("core.int", "Int", "integers")
float_group = _group("core.float", "Float", "floating-point numbers")
str_group = _group("core.str", "Str", "strings")
bool_group = _group("core.bool", "Bool", "booleans")
list_group = _group("core.list", "List", "JSON lists")
