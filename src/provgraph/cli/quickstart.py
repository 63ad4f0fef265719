"""``provgraph quickstart``: from nothing to a working profile in one command."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from provgraph.cli.context import ProvgraphContext
from provgraph.cli.listing import format_state
from provgraph.cli.output import print_rich, render_mapping

if TYPE_CHECKING:
    from rich.tree import Tree

__all__ = ["quickstart"]

QUICKSTART_PROFILE = "default"


@click.command()
@click.option(
    "--profile-name",
    default=QUICKSTART_PROFILE,
    show_default=True,
    help="Name of the profile to use: created on SQLite when it does not exist yet.",
)
@click.option("--email", help="Email of the default user (default: provgraph@localhost).")
@click.pass_context
def quickstart(click_ctx: click.Context, profile_name: str, email: str | None) -> None:
    """Create a profile on SQLite if needed, record an example workflow, show it.

    Needs no server: the profile keeps an SQLite database and a file repository under the
    config folder (PROVGRAPH_PATH, default ~/.provgraph). Without options it uses the default
    profile, creating one named 'default' when there is none. With --profile-name it uses that
    profile, creating it when it does not exist (it becomes the default only when there is no
    default yet). Running it again reuses the profile and records the example once more.

    \b
    Examples:
      provgraph quickstart
      provgraph quickstart --profile-name scratch
    """
    from provgraph.config import Config

    ctx = click_ctx.ensure_object(ProvgraphContext)
    named = click_ctx.get_parameter_source("profile_name") is not click.core.ParameterSource.DEFAULT
    if named and ctx.profile_name is not None and ctx.profile_name != profile_name:
        raise click.UsageError(
            f"-p {ctx.profile_name} contradicts --profile-name {profile_name}: give one of them."
        )
    config = Config.load(create=True)
    if named or (ctx.profile_name is None and config.default_profile_name is None):
        if profile_name not in config.profile_names:
            _create_sqlite_profile(profile_name, email, set_default=config.default_profile_name is None)
        ctx.profile_name = profile_name
    storage = ctx.get_storage()
    profile = storage.profile
    click.echo(f"Profile {profile.name!r} is ready.")
    click.echo(f"Config folder: {Config.load().dirpath}")
    click.echo(f"Storage: {storage}")

    from provgraph.provenance.example import record_example_workflow

    workflow = record_example_workflow()
    click.echo("")
    click.echo("Recorded an example workflow (a workfunction calling two calcfunctions):")
    print_rich(provenance_tree(workflow))
    click.echo("")
    click.echo(render_mapping(storage.get_info()))
    click.echo("")
    click.echo("Next steps:")
    click.echo(f"  provgraph process status {workflow.pk:<10}the call tree of the example workflow")
    click.echo(f"  provgraph node show {workflow.pk:<15}a node, its inputs and outputs")
    click.echo("  provgraph process list --all       every recorded process")
    click.echo("  provgraph storage info --detailed  what the storage holds")
    click.echo("  provgraph --help                   every command")


def _create_sqlite_profile(name: str, email: str | None, *, set_default: bool) -> None:
    import uuid

    from provgraph.config.profile import DEFAULT_USER_EMAIL
    from provgraph.profiles import create_profile, default_storage_location

    profile_uuid = uuid.uuid4().hex
    storage_config = {"filepath": default_storage_location("core.sqlite_dos", profile_uuid)}
    create_profile(
        name,
        "core.sqlite_dos",
        storage_config,
        email or DEFAULT_USER_EMAIL,
        set_default=set_default,
        profile_uuid=profile_uuid,
    )
    if set_default:
        click.echo(f"Created profile {name!r} on core.sqlite_dos (now the default profile).")
    else:
        click.echo(
            f"Created profile {name!r} on core.sqlite_dos; the default profile is unchanged "
            f"(use -p {name}, or make it the default with `provgraph profile set-default {name}`)."
        )


def provenance_tree(process: Any) -> Tree:
    """A process with its inputs, the processes it called (recursively) and its outputs."""
    from rich.tree import Tree

    from provgraph.orm.nodes.link_types import LinkType

    tree = Tree(f"[bold]{_describe(process)}[/bold]")
    links = process.base.links
    inputs = links.get_incoming(link_type=(LinkType.INPUT_CALC, LinkType.INPUT_WORK)).all()
    if inputs:
        branch = tree.add("inputs")
        for triple in sorted(inputs, key=lambda item: item.link_label):
            branch.add(f"{triple.link_label}: {_describe(triple.node)}")
    called = links.get_outgoing(link_type=(LinkType.CALL_CALC, LinkType.CALL_WORK)).all()
    if called:
        branch = tree.add("calls")
        for triple in sorted(called, key=lambda item: item.node.pk):
            branch.add(provenance_tree(triple.node))
    outputs = links.get_outgoing(link_type=(LinkType.CREATE, LinkType.RETURN)).all()
    if outputs:
        branch = tree.add("outputs")
        for triple in sorted(outputs, key=lambda item: item.link_label):
            branch.add(f"{triple.link_label}: {_describe(triple.node)}")
    return tree


def _describe(node: Any) -> str:
    name = getattr(node, "process_label", None) or type(node).__name__
    text = f"{name}<{node.pk}>"
    state = getattr(node, "process_state", None)
    if state is not None:
        text += " " + format_state(str(getattr(state, "value", state)), getattr(node, "exit_status", None))
    elif type(node).__name__ != name:
        text = f"{type(node).__name__}<{node.pk}>"
    return text
