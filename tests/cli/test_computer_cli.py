"""``provgraph computer ...`` through click, on a real default profile of each SQL backend."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner, Result

from provgraph.cli import prompts
from provgraph.cli.computer import computer
from provgraph.config.profile import Profile
from provgraph.orm.computers import Computer, load_computer


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile (tests/conftest.py), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(computer, list(args), input=input, catch_exceptions=False)


def setup(label: str, *extra: str) -> Result:
    return run("setup", "--label", label, "--hostname", "localhost", "--non-interactive", *extra)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    for fragment in fragments:
        assert fragment in lines[0], result.output


def test_setup_with_defaults(registered: Profile) -> None:
    result = setup("local")
    assert result.exit_code == 0, result.output
    created = load_computer("local")
    assert f"Created computer 'local' (pk {created.pk})." in result.output
    assert (created.hostname, created.transport_type, created.scheduler_type) == (
        "localhost",
        "core.local",
        "core.direct",
    )
    assert created.metadata == {}


def test_setup_with_every_option(registered: Profile) -> None:
    result = run(
        "setup",
        "-L",
        "cluster",
        "-H",
        "login.example.org",
        "-D",
        "the big one",
        "-T",
        "core.ssh",
        "-S",
        "core.slurm",
        "-w",
        "/scratch/{username}/provgraph",
        "--shebang",
        "#!/bin/zsh",
        "--mpirun-command",
        "srun -n {tot_num_mpiprocs}",
        "--mpiprocs-per-machine",
        "48",
        "-n",
    )
    assert result.exit_code == 0, result.output
    created = load_computer("cluster")
    assert (created.description, created.transport_type, created.scheduler_type) == (
        "the big one",
        "core.ssh",
        "core.slurm",
    )
    assert created.get_workdir() == "/scratch/{username}/provgraph"
    assert created.get_shebang() == "#!/bin/zsh"
    assert created.get_mpirun_command() == ["srun", "-n", "{tot_num_mpiprocs}"]
    assert created.get_default_mpiprocs_per_machine() == 48


def test_setup_errors(registered: Profile) -> None:
    assert setup("dup").exit_code == 0
    assert_one_line_error(setup("dup"), "a computer labelled 'dup' exists already")
    assert_one_line_error(
        setup("bad", "--workdir", "relative"), "invalid workdir 'relative'", "absolute path"
    )
    assert_one_line_error(setup("bad", "--shebang", "bash"), "invalid shebang 'bash'")
    missing = run("setup", "--label", "x", "--non-interactive")
    assert missing.exit_code == 2
    assert "Missing option '--hostname'" in missing.output
    assert run("setup", "--hostname", "h").exit_code == 2  # no terminal: no prompt either
    zero = setup("zero", "--mpiprocs-per-machine", "0")
    assert zero.exit_code == 2
    assert Computer.collection.count() == 1


def test_setup_prompts_on_a_terminal(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    result = run("setup", input="prompted\nhost.example.org\n")
    assert result.exit_code == 0, result.output
    assert load_computer("prompted").hostname == "host.example.org"


def test_list(registered: Profile) -> None:
    assert "No computers yet" in run("list").output
    setup("beta")
    setup("alpha", "--transport", "core.ssh")
    result = run("list")
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in result.output.splitlines()]
    assert lines[0] == ["pk", "label", "hostname", "transport", "scheduler"]
    assert [line[1] for line in lines[1:]] == ["alpha", "beta"]
    assert lines[1][2:] == ["localhost", "core.ssh", "core.direct"]


def test_show(registered: Profile) -> None:
    setup("shown", "--workdir", "/tmp/{username}")
    chosen = load_computer("shown")
    for identifier in ("shown", str(chosen.pk), chosen.uuid, chosen.uuid[:8]):
        result = run("show", identifier)
        assert result.exit_code == 0, result.output
        for fragment in (chosen.uuid, "localhost", "core.local", "/tmp/{username}", "#!/bin/bash"):
            assert fragment in result.output
        assert "mpirun -np {tot_num_mpiprocs}" in result.output
        assert ["configured", "for", "default", "user", "no"] in [
            line.split() for line in result.output.splitlines()
        ]
    chosen.configure()
    lines = [line.split() for line in run("show", "shown").output.splitlines()]
    assert ["configured", "for", "default", "user", "yes"] in lines
    assert_one_line_error(run("show", "ghost"), "no Computer with label 'ghost'")


def test_every_command_and_option_has_help(registered: Profile) -> None:
    assert computer.help
    for name, command in computer.commands.items():
        assert command.help, name
        assert len(command.help) > 20, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, (name, param.name)
        result = CliRunner().invoke(computer, [name, "--help"])
        assert result.exit_code == 0, result.output
    assert set(computer.commands) >= {"setup", "list", "show"}
