"""What a command works on: entities named on the command line and the graph's traversal rules.

``archive create``, ``export prov``, ``export ro-crate`` and ``sync push|pull`` choose their nodes
alike, as ``verdi archive create`` does: ``-a/--all`` or ``-N/-G`` (archive create adds
``-X/-Y``), then follow the toggleable EXPORT traversal rules (``--create-backward/
--no-create-backward`` and friends) from the chosen nodes. This module holds those shared pieces;
each command keeps its own other options.

    @click.command("prov")
    @entity_options("export")
    def prov(..., all_entities: bool, nodes: tuple[str, ...], groups: tuple[str, ...], **rules: bool):
        entities = None if all_entities else load_entities(storage, nodes=nodes, groups=groups)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.options import MultipleValueOption
from provgraph.tools.graph.rules import GraphTraversalRules

if TYPE_CHECKING:
    from provgraph.orm.entities import Entity
    from provgraph.orm.nodes.node import Node
    from provgraph.storage.abstract import StorageBackend

__all__ = ["chosen_entities", "entity_options", "load_code", "load_entities", "traversal_options"]

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]

_RULE_HELP = {
    "forward": "Follow {link} links forward (from the node to what it points at)",
    "backward": "Follow {link} links backward (from the node to what points at it)",
}


def traversal_options(purpose: str) -> Decorator:
    """One ``--RULE/--no-RULE`` flag per toggleable EXPORT rule, with aiida-core's default.

    ``purpose`` ends each help line: "when collecting the nodes {purpose}" (``"to archive"``).
    The command receives the rules as keyword arguments named after them (``create_backward``).
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for name, rule in reversed(list(GraphTraversalRules.EXPORT.rules.items())):
            if not rule.toggleable:
                continue
            flag = name.replace("_", "-")
            help_text = _RULE_HELP[rule.direction].format(link=rule.link_type.name)
            command = click.option(
                f"--{flag}/--no-{flag}",
                name,
                default=rule.default,
                show_default=True,
                help=f"{help_text} when collecting the nodes {purpose}.",
            )(command)
        return command

    return decorate


def entity_options(verb: str, *, all_help: str | None = None, extra: Sequence[Decorator] = ()) -> Decorator:
    """``-a/--all``, ``-N/--nodes``, ``-G/--groups`` (then ``extra`` options) and the traversal flags.

    ``verb`` completes the help lines ("Nodes to archive"); the command receives ``all_entities``,
    ``nodes``, ``groups`` and one keyword argument per traversal rule.
    """
    options: list[Decorator] = [
        click.option(
            "-a",
            "--all",
            "all_entities",
            is_flag=True,
            help=all_help or f"{verb.capitalize()} everything: other choices are ignored.",
        ),
        click.option(
            "-N", "--nodes", cls=MultipleValueOption, metavar="NODE...", help=f"Nodes to {verb} (pk, UUID)."
        ),
        click.option(
            "-G",
            "--groups",
            cls=MultipleValueOption,
            metavar="GROUP...",
            help=f"Groups to {verb}, with their nodes.",
        ),
        *extra,
        traversal_options(f"to {verb}"),
    ]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def load_entities(
    storage: StorageBackend,
    *,
    nodes: tuple[str, ...] = (),
    groups: tuple[str, ...] = (),
    codes: tuple[str, ...] = (),
    computers: tuple[str, ...] = (),
) -> list[Entity]:
    """The entities named by ``-N/-G/-X/-Y`` values (pk, UUID or UUID prefix; labels where unique).

    Raises ``NotExistent`` / ``MultipleObjectsError`` naming the value that matched none or many.
    """
    from provgraph.orm.computers import load_computer
    from provgraph.orm.groups import load_group
    from provgraph.orm.loaders import load_node

    found: list[Entity] = [load_node(identifier, backend=storage) for identifier in nodes]
    found += [load_group(identifier, backend=storage) for identifier in groups]
    found += [load_code(storage, identifier) for identifier in codes]
    found += [load_computer(identifier, backend=storage) for identifier in computers]
    return found


def chosen_entities(
    storage: StorageBackend,
    verb: str,
    *,
    all_entities: bool,
    nodes: tuple[str, ...],
    groups: tuple[str, ...],
    codes: tuple[str, ...] = (),
    computers: tuple[str, ...] = (),
) -> list[Entity] | None:
    """What ``-a/-N/-G`` (``-X/-Y``) chose: None for everything, else the entities.

    Choosing nothing at all is refused with one line that names the options (``verb``: "archive").
    """
    from provgraph.exceptions import InputValidationError

    if all_entities:
        return None
    entities = load_entities(storage, nodes=nodes, groups=groups, codes=codes, computers=computers)
    if not entities:
        options = (
            "-N/--nodes, -G/--groups, -X/--codes, -Y/--computers"
            if verb == "archive"
            else "-N/--nodes, -G/--groups"
        )
        raise InputValidationError(
            f"nothing to {verb}: choose with {options}, or {verb} everything with -a/--all"
        )
    return entities


def load_code(storage: StorageBackend, identifier: str) -> Node:
    """A code by pk, UUID (prefix), ``label`` or ``label@computer``, as ``verdi`` reads ``-X``."""
    from provgraph.exceptions import MultipleObjectsError, NotExistent
    from provgraph.orm.computers import Computer
    from provgraph.orm.loaders import load_node
    from provgraph.orm.nodes.data.core.code.abstract import AbstractCode
    from provgraph.orm.querybuilder import QueryBuilder

    try:
        return load_node(identifier, sub_classes=(AbstractCode,), backend=storage)
    except NotExistent:
        if identifier.isdigit():
            raise
    label, _, computer = identifier.rpartition("@") if "@" in identifier else (identifier, "", "")
    query = QueryBuilder(backend=storage).append(AbstractCode, tag="code", filters={"label": label})
    if computer:
        query.append(Computer, with_node="code", filters={"label": computer})
    query.add_projection("code", "*")
    matches = query.all(flat=True)
    if not matches:
        raise NotExistent(f"no code with pk, UUID or label {identifier!r}")
    if len(matches) > 1:
        pks = ", ".join(str(match.pk) for match in matches)
        raise MultipleObjectsError(f"{len(matches)} codes are labelled {identifier!r} (pks {pks}); give a pk")
    code: Node = matches[0]
    return code
