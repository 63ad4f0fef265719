"""Every command and subcommand, walked: --help, no arguments, a nonexistent ID, garbage option values.

Whatever the input, a command ends with one of the documented exit codes (provgraph.cli.errors)
and, when it fails, with exactly one ``Error: ...`` line on standard error and no traceback. The
walk finds commands by itself, so a command added later is checked without touching this file.
Runs on a real core.sqlite_dos profile holding a process, data and a group (the CLI never sees the
backend, and the walk is about the command layer, so one backend suffices).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from provgraph.cli.errors import ExitCode
from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.engine import calcfunction
from provgraph.orm import Group, Int

MISSING_ID = "999999"
GARBAGE = "@@garbage'\";--"
DOCUMENTED = {int(code) for code in ExitCode} - {int(ExitCode.INTERNAL)}


def walk(
    command: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None, name
            yield from walk(sub, (*path, name))


COMMANDS = [(path, command) for path, command in walk(cli) if path]
LEAVES = [(path, command) for path, command in COMMANDS if not isinstance(command, click.Group)]


@calcfunction
def double(x: Int) -> Int:
    return Int(x.value * 2)


@pytest.fixture
def seeded(registered_profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Profile:
    result = double(Int(3))
    Group(label="walked").store().add_nodes([result])
    monkeypatch.chdir(tmp_path)  # commands that write files (exports, backups, dumps) write here
    return registered_profile


def invoke(profile: Profile, args: list[str]) -> Result:
    return CliRunner().invoke(cli, ["-p", profile.name, *args], input="")


def check(result: Result, args: list[str]) -> None:
    shown = f"provgraph {' '.join(args)} -> exit {result.exit_code}"
    shown += f"\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    assert result.exit_code in DOCUMENTED, shown
    if result.exit_code != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, shown
        assert lines[0].startswith(("Error: ", "Aborted.")), shown


def arguments(command: click.Command) -> list[str]:
    return [MISSING_ID for param in command.params if isinstance(param, click.Argument)]


def valued_options(command: click.Command) -> list[str]:
    return [
        param.opts[0]
        for param in command.params
        if isinstance(param, click.Option) and not param.is_flag and not param.count and param.name != "help"
    ]


@pytest.mark.parametrize("backend_name", ["core.sqlite_dos"])
@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(path) for path, _ in COMMANDS])
def test_help_exits_zero(seeded: Profile, path: tuple[str, ...], command: click.Command) -> None:
    result = invoke(seeded, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


@pytest.mark.parametrize("backend_name", ["core.sqlite_dos"])
@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(path) for path, _ in LEAVES])
def test_bad_input_gives_one_line(seeded: Profile, path: tuple[str, ...], command: click.Command) -> None:
    check(invoke(seeded, list(path)), list(path))
    with_ids = [*path, *arguments(command)]
    check(invoke(seeded, with_ids), with_ids)
    for option in valued_options(command):
        args = [*with_ids, option, GARBAGE]
        check(invoke(seeded, args), args)


HEAVY = ("sqlalchemy", "provgraph.orm", "provgraph.storage", "disk_objectstore", "provgraph.manager", "numpy")
_HELP_EVERYWHERE = """
import sys
import click
from click.testing import CliRunner
from provgraph.cli.main import cli

def walk(command, path=()):
    yield path
    if isinstance(command, click.Group):
        ctx = click.Context(command)
        for name in command.list_commands(ctx):
            yield from walk(command.get_command(ctx, name), (*path, name))

for path in walk(cli):
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, (path, result.output)
print(" ".join(sorted(name for name in sys.modules if name.startswith(HEAVY))))
"""


def test_help_everywhere_imports_no_storage_orm_or_sqlalchemy() -> None:
    """Every ``--help`` (all of them, in one fresh interpreter) leaves the heavy layers unimported."""
    script = f"HEAVY = {HEAVY!r}\n" + _HELP_EVERYWHERE
    finished = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == "", f"--help imported: {finished.stdout}"
