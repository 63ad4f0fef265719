"""Shell completion: ``provgraph completion bash|zsh|fish`` and the completers of values.

click's own mechanism does the work: the printed script calls ``provgraph`` back with
``_PROVGRAPH_COMPLETE`` set, and click asks the completer of the parameter under the cursor.
Completers never fail loudly: a missing config or an unreachable database completes nothing.

>>> from click.testing import CliRunner
>>> "_PROVGRAPH_COMPLETE" in CliRunner().invoke(completion, ["bash"]).output
True
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from provgraph.storage.abstract import StorageBackend

__all__ = ["complete_group_labels", "complete_node_pks", "complete_profile_names", "completion"]

_SHELLS = ("bash", "zsh", "fish")
_MAX_NODES = 200


@click.command("completion")
@click.argument("shell", type=click.Choice(_SHELLS))
@click.pass_context
def completion(ctx: click.Context, shell: str) -> None:
    """Print the shell code that completes provgraph's commands, options, profiles, groups and nodes.

    \b
    Enable it for the current shell, or add the line to your shell's start-up file:
      bash: eval "$(provgraph completion bash)"      (~/.bashrc)
      zsh:  eval "$(provgraph completion zsh)"       (~/.zshrc)
      fish: provgraph completion fish | source       (~/.config/fish/completions/provgraph.fish)
    """
    from click.shell_completion import get_completion_class

    completer_class = get_completion_class(shell)
    assert completer_class is not None  # every name of _SHELLS is one of click's shells
    root = ctx.find_root().command  # the ``provgraph`` group this command was reached from
    click.echo(completer_class(root, {}, "provgraph", "_PROVGRAPH_COMPLETE").source())


def complete_profile_names(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """The profile names of config.json that start with what is typed."""
    from click.shell_completion import CompletionItem

    from provgraph.config.config import Config

    try:
        names = Config.load().profile_names
    except Exception:
        return []
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


def _quietly(find: Callable[[StorageBackend], list[tuple[str, str]]]) -> Callable[..., list[CompletionItem]]:
    """A completer that opens the storage of the profile on the command line and asks ``find``."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        from click.shell_completion import CompletionItem

        from provgraph.cli.context import ProvgraphContext

        profile_name: Any = ctx.find_root().params.get("profile_name")
        try:
            storage = ProvgraphContext(profile_name=profile_name).get_storage()
            found = find(storage)
        except Exception:
            return []
        return [CompletionItem(value, help=text) for value, text in found if value.startswith(incomplete)]

    return complete


def _group_labels(storage: StorageBackend) -> list[tuple[str, str]]:
    from provgraph.orm import Group, QueryBuilder

    query = QueryBuilder(backend=storage).append(Group, project=["label", "description"])
    return [(str(label), str(description or "")) for label, description in query.iterall()]


def _recent_nodes(storage: StorageBackend) -> list[tuple[str, str]]:
    from provgraph.orm import Node, QueryBuilder

    query = QueryBuilder(backend=storage).append(Node, project=["id", "node_type", "label"])
    query.order_by({Node: {"id": "desc"}}).limit(_MAX_NODES)
    return [(str(pk), f"{node_type} {label or ''}".strip()) for pk, node_type, label in query.iterall()]


complete_group_labels = _quietly(_group_labels)
"""Completes GROUP arguments with the labels of the profile's groups."""

complete_node_pks = _quietly(_recent_nodes)
"""Completes NODE arguments with the pks of the profile's newest nodes."""
