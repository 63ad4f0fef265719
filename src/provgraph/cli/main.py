"""The root ``provgraph`` command and its global options.

Subcommands are registered by name and imported on demand (:class:`ProvgraphGroup`), and command
modules import the library inside their bodies, so ``provgraph --help`` and ``provgraph X --help``
load neither the ORM nor SQLAlchemy.
"""

from __future__ import annotations

import click

from provgraph.cli.completion import complete_profile_names
from provgraph.cli.context import ProvgraphContext, ProvgraphGroup
from provgraph.cli.errors import TRACEBACK_ENV

__all__ = ["COMMANDS", "cli", "main"]

#: Every top-level command: name -> "module:attribute".
COMMANDS = {
    "archive": "provgraph.cli.archive:archive",
    "code": "provgraph.cli.code:code",
    "completion": "provgraph.cli.completion:completion",
    "computer": "provgraph.cli.computer:computer",
    "config": "provgraph.cli.config_cmd:config",
    "data": "provgraph.cli.data:data",
    "explore": "provgraph.cli.explore:explore",
    "export": "provgraph.cli.export:export",
    "group": "provgraph.cli.group:group",
    "node": "provgraph.cli.node:node",
    "process": "provgraph.cli.process:process",
    "profile": "provgraph.cli.profile:profile",
    "quickstart": "provgraph.cli.quickstart:quickstart",
    "shell": "provgraph.cli.shell:shell",
    "status": "provgraph.cli.status:status",
    "storage": "provgraph.cli.storage:storage",
    "sync": "provgraph.cli.sync:sync",
    "user": "provgraph.cli.user:user",
}


@click.group(
    cls=ProvgraphGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "-p",
    "--profile",
    "profile_name",
    metavar="PROFILE",
    envvar="PROVGRAPH_PROFILE",
    shell_complete=complete_profile_names,
    help="Profile to use instead of the default one (also: PROVGRAPH_PROFILE).",
)
@click.option(
    "--traceback",
    is_flag=True,
    help=f"On failure, print the full Python traceback (for bug reports; also: {TRACEBACK_ENV}=1).",
)
@click.version_option(package_name="provgraph", prog_name="provgraph")
@click.pass_context
def cli(ctx: click.Context, profile_name: str | None, traceback: bool) -> None:
    """provgraph: record and explore provenance graphs of computational science.

    Start with `provgraph quickstart`; see `provgraph COMMAND --help` for each command.

    \b
    Exit codes: 0 success, 1 user error, 2 usage error, 3 storage unreachable,
    4 file system error, 70 internal error (a bug), 130 interrupted.
    """
    del traceback  # read from the root context's parameters by the error handler
    owns_process = isinstance(ctx.obj, ProvgraphContext) and ctx.obj.owns_process  # given by entry.py
    ctx.obj = ProvgraphContext(profile_name=profile_name, owns_process=owns_process)


def main() -> None:
    """Console-script entry point (see :mod:`provgraph.cli.entry` for the one installed)."""
    cli(prog_name="provgraph")
