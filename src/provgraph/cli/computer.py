"""``provgraph computer``: set up and inspect the computers calculations run on."""

from __future__ import annotations

import shlex

import click

from provgraph.cli.context import ProvgraphContext, ProvgraphGroup, pass_provgraph
from provgraph.cli.output import make_table, print_rich
from provgraph.cli.prompts import required_value

__all__ = ["computer"]


@click.group(cls=ProvgraphGroup)
def computer() -> None:
    """Set up and inspect computers: where calculations run and how to reach them."""


@computer.command("setup")
@click.option("-L", "--label", help="Unique name of the computer, used to refer to it later.")
@click.option("-H", "--hostname", help="Host name or address to connect to (e.g. localhost).")
@click.option("-D", "--description", default="", help="A sentence describing the computer.")
@click.option(
    "-T", "--transport", default="core.local", show_default=True, help="Transport type used to connect."
)
@click.option("-S", "--scheduler", default="core.direct", show_default=True, help="Scheduler type for jobs.")
@click.option(
    "-w",
    "--workdir",
    help="Absolute path where calculations run; '{username}' is replaced by the remote user name.",
)
@click.option("--shebang", help="First line of job scripts (default: #!/bin/bash).")
@click.option(
    "--mpirun-command", help="MPI launcher command line (default: 'mpirun -np {tot_num_mpiprocs}')."
)
@click.option(
    "--mpiprocs-per-machine",
    type=click.IntRange(min=1),
    help="Default number of MPI processes per machine.",
)
@click.option(
    "-n", "--non-interactive", is_flag=True, help="Never prompt; fail if a required value is missing."
)
@pass_provgraph
def setup(
    ctx: ProvgraphContext,
    *,
    label: str | None,
    hostname: str | None,
    description: str,
    transport: str,
    scheduler: str,
    workdir: str | None,
    shebang: str | None,
    mpirun_command: str | None,
    mpiprocs_per_machine: int | None,
    non_interactive: bool,
) -> None:
    """Create a new computer in the profile's storage."""
    from provgraph.orm.computers import Computer

    label = required_value(label, "--label", "Computer label", non_interactive)
    hostname = required_value(hostname, "--hostname", "Hostname", non_interactive)
    new = Computer(
        label,
        hostname,
        description,
        transport_type=transport,
        scheduler_type=scheduler,
        workdir=workdir,
        backend=ctx.get_storage(),
    )
    if shebang is not None:
        new.set_shebang(shebang)
    if mpirun_command is not None:
        new.set_mpirun_command(shlex.split(mpirun_command))
    if mpiprocs_per_machine is not None:
        new.set_default_mpiprocs_per_machine(mpiprocs_per_machine)
    new.store()
    click.echo(f"Created computer {new.label!r} (pk {new.pk}).")


@computer.command("list")
@pass_provgraph
def list_computers(ctx: ProvgraphContext) -> None:
    """List the computers with how they are reached."""
    from provgraph.orm.computers import Computer

    found = Computer.collection(ctx.get_storage()).find(order_by=["label"])
    if not found:
        click.echo("No computers yet. Create one with `provgraph computer setup`.")
        return
    table = make_table("pk", "label", "hostname", "transport", "scheduler")
    for item in found:
        table.add_row(str(item.pk), item.label, item.hostname, item.transport_type, item.scheduler_type)
    print_rich(table)


@computer.command("show")
@click.argument("identifier", metavar="COMPUTER")
@pass_provgraph
def show(ctx: ProvgraphContext, identifier: str) -> None:
    """Show a computer's settings.

    COMPUTER is a pk, a uuid (or unique uuid prefix) or a label.
    """
    from provgraph.orm.computers import load_computer

    chosen = load_computer(identifier, backend=ctx.get_storage())
    mpiprocs = chosen.get_default_mpiprocs_per_machine()
    table = make_table("property", "value", no_wrap=["value"])
    for name, value in (
        ("label", chosen.label),
        ("pk", str(chosen.pk)),
        ("uuid", chosen.uuid),
        ("description", chosen.description),
        ("hostname", chosen.hostname),
        ("transport", chosen.transport_type),
        ("scheduler", chosen.scheduler_type),
        ("workdir", chosen.get_workdir()),
        ("shebang", chosen.get_shebang()),
        ("mpirun command", " ".join(chosen.get_mpirun_command())),
        ("mpiprocs per machine", "" if mpiprocs is None else str(mpiprocs)),
        ("configured for default user", "yes" if chosen.is_configured else "no"),
    ):
        table.add_row(name, value)
    print_rich(table)
