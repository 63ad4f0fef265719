"""The root ``provgraph`` command and its global options."""

from __future__ import annotations

import click

from provgraph.cli.archive import archive
from provgraph.cli.computer import computer
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup
from provgraph.cli.group import group
from provgraph.cli.node import node
from provgraph.cli.process import process
from provgraph.cli.profile import profile
from provgraph.cli.quickstart import quickstart
from provgraph.cli.storage import storage
from provgraph.cli.user import user

__all__ = ["cli", "main"]


@click.group(cls=ProvgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-p",
    "--profile",
    "profile_name",
    metavar="PROFILE",
    envvar="PROVGRAPH_PROFILE",
    help="Profile to use instead of the default one (also: PROVGRAPH_PROFILE).",
)
@click.version_option(package_name="provgraph", prog_name="provgraph")
@click.pass_context
def cli(ctx: click.Context, profile_name: str | None) -> None:
    """provgraph: record and explore provenance graphs of computational science.

    Start with `provgraph quickstart`; see `provgraph COMMAND --help` for each command.
    """
    ctx.obj = ProvgraphContext(profile_name=profile_name)


for command in (profile, storage, node, process, group, user, computer, archive, quickstart):
    cli.add_command(command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="provgraph")
