"""Every ``node`` and ``group`` subcommand, with a nonexistent ID and with garbage option values.

What is checked: no traceback and no internal error (exit code 70) ever; a user error (exit 1) is
exactly one ``Error: ...`` line on standard error; a usage error (exit 2) ends in one.
``node list`` belongs to its own suite (tests/cli/test_node_list_cli.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.orm.groups import Group
from provgraph.orm.nodes.data.data import Data

MISSING = "987654"
GARBAGE = ("%%garbage\x01", "-5", "")
SKIPPED = {("node", "list")}


def leaves(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            yield from leaves(sub, (*path, name))
    elif path not in SKIPPED:
        yield path, command


ROOT_CTX = click.Context(cli)
COMMANDS = [
    item
    for name in ("node", "group")
    for item in leaves(cli.get_command(ROOT_CTX, name), (name,))  # type: ignore[arg-type]
]


def check(result: Result, args: list[str]) -> None:
    shown = f"provgraph {' '.join(args)}\n{result.output}"
    assert "Traceback" not in result.output, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert result.exit_code in (0, 1, 2), shown
    if result.exit_code == 1:
        errors = result.stderr.splitlines()
        assert len(errors) == 1, shown
        assert errors[0].startswith("Error: "), shown
    elif result.exit_code == 2:
        assert result.stderr.splitlines()[-1].startswith("Error: "), shown


def arguments(command: click.Command, node: str, group: str, tmp: Path) -> list[str]:
    """One value per positional argument: ``node`` / ``group`` for identifiers, harmless values else."""
    values = []
    for param in command.params:
        if not isinstance(param, click.Argument):
            continue
        metavar = (param.metavar or param.name or "").upper()
        if "NODE" in metavar:
            values.append(node)
        elif "GROUP" in metavar or metavar == "SOURCE":
            values.append(group)
        elif metavar == "COMMENT_PK":
            values.append(MISSING)
        elif metavar == "DEST":
            values.append(str(tmp / "dump"))
        elif param.required:
            values.append("no/such/thing")
    return values


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_nonexistent_id_and_garbage_options(
    registered_profile: Profile,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    path: tuple[str, ...],
    command: click.Command,
) -> None:
    monkeypatch.chdir(tmp_path)  # a garbage value can be a valid file name (node graph -o -5)
    node = Data().store()
    Group("present").store().add_nodes(node)
    missing = [*path, *arguments(command, MISSING, MISSING, tmp_path)]
    result = CliRunner().invoke(cli, missing)
    check(result, missing)
    present = arguments(command, str(node.pk), "present", tmp_path)
    for param in command.params:
        if not isinstance(param, click.Option) or param.is_flag or param.name in ("help",):
            continue
        for garbage in GARBAGE:
            args = [*path, *present, param.opts[0], garbage]
            check(CliRunner().invoke(cli, args), args)


def test_the_sweep_reaches_the_new_commands() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert names >= {
        "node show",
        "node label",
        "node description",
        "node attributes",
        "node extras",
        "node repo ls",
        "group copy",
        "group move-nodes",
        "group path ls",
        "group show",
        "group list",
    }
