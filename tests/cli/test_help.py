"""Every command explains itself with --help."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from provgraph.cli.main import cli


def walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command under ``command``, lazily registered ones included (loaded here)."""
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from walk(sub, (*path, name))


COMMANDS = list(walk(cli))


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "provgraph" for p, _ in COMMANDS])
def test_every_command_has_help(path: tuple[str, ...], command: click.Command) -> None:
    assert command.help, f"{' '.join(path)} has no help"
    assert len(command.help.strip()) > 20, f"{' '.join(path)} has no useful help"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden and param.name not in ("help", "version"):
            assert param.help, f"option {param.name} of {' '.join(path)} has no help"


def test_expected_commands_exist() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    for expected in (
        "node graph",
        "profile setup core.sqlite_dos",
        "profile setup core.psql_dos",
        "profile setup core.sqlite_zip",
        "node repo cat",
        "profile list",
        "profile show",
        "profile set-default",
        "profile delete",
        "storage info",
        "storage version",
        "storage migrate",
        "quickstart",
    ):
        assert expected in names
