"""``provgraph code ...`` on a real default profile of each SQL backend."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from provgraph.cli import prompts
from provgraph.cli.code import code
from provgraph.config.profile import Profile
from provgraph.orm import Int
from provgraph.orm.computers import Computer
from provgraph.orm.nodes.data.core.code import AbstractCode, ContainerizedCode, InstalledCode, PortableCode
from provgraph.orm.users import User
from provgraph.orm.utils.loaders import load_code


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile with two computers, and wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    Computer("cluster", "login.example.org", transport_type="core.ssh", scheduler_type="core.slurm").store()
    Computer("laptop", "localhost", transport_type="core.local", scheduler_type="core.direct").store()
    return registered_profile


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "code"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "run.sh").write_text("#!/bin/sh\necho hi\n")
    (folder / "data.txt").write_text("input\n")
    return folder


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(code, list(args), input=input, catch_exceptions=False)


def installed(label: str, computer: str = "cluster", *extra: str) -> Result:
    return run(
        "create", "core.code.installed", "-L", label, "-Y", computer, "-X", f"/opt/{label}", "-n", *extra
    )


def assert_one_line_error(result: Result, *fragments: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[-1], result.output


def rows(result: Result) -> list[list[str]]:
    assert result.exit_code == 0, result.output
    return [line.split() for line in result.stdout.splitlines()]


# -- create ---------------------------------------------------------------------------------------


def test_create_installed_with_every_option(registered: Profile) -> None:
    result = run(
        *("create", "core.code.installed", "-L", "pw", "-D", "QE 7.2", "-Y", "cluster", "-X", "/opt/qe/pw.x"),
        *("-P", "quantumespresso.pw", "--use-double-quotes", "--with-mpi"),
        *("--prepend-text", "module load qe", "--append-text", "echo done", "-n"),
    )
    assert result.exit_code == 0, result.output
    created = load_code("pw@cluster")
    assert f"Created InstalledCode 'pw@cluster' (pk {created.pk})." in result.output
    assert isinstance(created, InstalledCode)
    assert created.computer is not None
    assert created.computer.label == "cluster"
    assert str(created.filepath_executable) == "/opt/qe/pw.x"
    assert (created.description, created.default_calc_job_plugin) == ("QE 7.2", "quantumespresso.pw")
    assert (created.use_double_quotes, created.with_mpi) == (True, True)
    assert (created.prepend_text, created.append_text) == ("module load qe", "echo done")


def test_create_portable(registered: Profile, code_dir: Path) -> None:
    result = run(
        "create", "core.code.portable", "-L", "script", "-X", "bin/run.sh", "-F", str(code_dir), "-n"
    )
    assert result.exit_code == 0, result.output
    created = load_code("script")
    assert isinstance(created, PortableCode)
    assert created.computer is None
    assert sorted(str(path) for path in created.base.repository.glob()) == ["bin", "bin/run.sh", "data.txt"]
    missing = run(
        "create", "core.code.portable", "-L", "other", "-X", "bin/none.sh", "-F", str(code_dir), "-n"
    )
    assert_one_line_error(missing, "'bin/none.sh' is not among its files")


def test_create_containerized(registered: Profile) -> None:
    args = ["create", "core.code.containerized", "-L", "box", "-Y", "laptop", "-X", "/usr/bin/pw.x"]
    result = run(*args, "-I", "qe:7.2", "-E", "docker run -i {image_name}", "--wrap-cmdline-params", "-n")
    assert result.exit_code == 0, result.output
    created = load_code("box@laptop")
    assert isinstance(created, ContainerizedCode)
    assert (created.image_name, created.engine_command) == ("qe:7.2", "docker run -i {image_name}")
    assert created.wrap_cmdline_params is True
    bad = run(*[item.replace("box", "box2") for item in args], "-I", "qe", "-E", "docker run", "-n")
    assert_one_line_error(bad, "Cannot create the code", "{image_name}")


def test_create_errors(registered: Profile) -> None:
    assert installed("pw").exit_code == 0
    assert_one_line_error(installed("pw"), "A code labelled 'pw' exists already on computer 'cluster'")
    assert installed("pw", "laptop").exit_code == 0  # the same label on another computer is fine
    assert_one_line_error(installed("a@b"), "may not contain '@'")
    assert_one_line_error(installed("x", "ghost"), "no Computer")
    missing = run("create", "core.code.installed", "-L", "x", "-X", "/opt/x")
    assert missing.exit_code == 2
    assert "Missing option '--computer'" in missing.output
    assert (
        run("create", "core.code.portable", "-L", "p", "-X", "run.sh", "-F", "/no/such/dir", "-n").exit_code
        == 2
    )
    assert run("create", "core.code.nosuch", "-L", "x").exit_code == 2
    assert AbstractCode.collection.count() == 2


def test_create_prompts_on_a_terminal(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    result = run("create", "core.code.installed", input="asked\ncluster\n/opt/asked\n")
    assert result.exit_code == 0, result.output
    assert str(load_code("asked@cluster").filepath_executable) == "/opt/asked"


# -- list and show --------------------------------------------------------------------------------


def test_list_filters_and_projections(registered: Profile, code_dir: Path) -> None:
    installed("pw", "cluster", "-P", "quantumespresso.pw")
    installed("cp", "laptop", "-P", "quantumespresso.cp")
    run("create", "core.code.portable", "-L", "script", "-X", "bin/run.sh", "-F", str(code_dir), "-n")
    hidden = InstalledCode("laptop", "/opt/old", label="old")
    hidden.store()
    hidden.is_hidden = True
    ada = User("ada@example.org").store()
    InstalledCode("laptop", "/opt/hers", label="hers", user=ada).store()

    lines = rows(run("list"))
    assert lines[0] == ["full_label", "pk", "entry_point"]
    assert [line[0] for line in lines[1:4]] == ["cp@laptop", "pw@cluster", "script"]
    assert lines[3][2] == "core.code.portable"
    assert "3 codes." in run("list").output
    assert [line[0] for line in rows(run("list", "-a"))[1:5]] == [
        "cp@laptop",
        "old@laptop",
        "pw@cluster",
        "script",
    ]
    everyone = rows(run("list", "-A", "-P", "label", "user"))
    assert ["hers", "ada@example.org"] in everyone
    assert [line[0] for line in rows(run("list", "-Y", "laptop", "-P", "label"))[1:2]] == ["cp"]
    records = json.loads(run("list", "-d", "quantumespresso.pw", "-P", "pk", "computer", "--json").stdout)
    assert records == [{"pk": load_code("pw@cluster").pk, "computer": "cluster"}]
    raw = run("list", "-r", "-P", "label", "default_calc_job_plugin").stdout.splitlines()
    assert raw == ["cp\tquantumespresso.cp", "pw\tquantumespresso.pw", "script\t"]
    none = run("list", "-d", "nothing.here")
    assert none.exit_code == 0
    assert "No codes found" in none.output
    assert run("list", "-P", "colour").exit_code == 2
    assert_one_line_error(run("list", "-Y", "ghost"), "ghost")


def test_show(registered: Profile, code_dir: Path) -> None:
    installed("pw", "cluster", "-P", "quantumespresso.pw")
    chosen = load_code("pw@cluster")
    for identifier in ("pw@cluster", "pw", str(chosen.pk), chosen.uuid):
        lines = rows(run("show", identifier))
        assert ["type", "core.code.installed"] in lines
        assert ["computer", "cluster", "(login.example.org),", "pk", str(chosen.computer.pk)] in lines
        assert ["filepath_executable", "/opt/pw"] in lines
        assert ["default_calc_job_plugin", "quantumespresso.pw"] in lines
    record = json.loads(run("show", "pw@cluster", "--json").stdout)
    assert record["full_label"] == "pw@cluster"
    assert record["with_mpi"] is None
    assert record["hidden"] is False
    run("create", "core.code.portable", "-L", "script", "-X", "bin/run.sh", "-F", str(code_dir), "-n")
    portable = json.loads(run("show", "script", "--json").stdout)
    assert portable["files"] == ["bin", "bin/run.sh", "data.txt"]
    assert portable["computer"] is None
    assert_one_line_error(run("show", "ghost@cluster"), "ghost")


# -- relabel, hide, reveal, delete ----------------------------------------------------------------


def test_relabel(registered: Profile) -> None:
    installed("pw")
    installed("cp")
    result = run("relabel", "pw@cluster", "pw7")
    assert result.exit_code == 0, result.output
    assert "Relabelled code 'pw@cluster' to 'pw7@cluster'." in result.output
    assert load_code("pw7@cluster").label == "pw7"
    assert_one_line_error(run("relabel", "pw7@cluster", "pw7"), "has that label already")
    assert_one_line_error(run("relabel", "pw7@cluster", "cp"), "A code labelled 'cp' exists already")
    assert_one_line_error(run("relabel", "pw7@cluster", "a@b"), "Invalid code label")


def test_hide_and_reveal(registered: Profile) -> None:
    installed("pw")
    result = run("hide", "pw@cluster")
    assert result.exit_code == 0, result.output
    assert load_code("pw@cluster").is_hidden
    assert "No codes found" in run("list").output
    assert run("reveal", "pw@cluster").exit_code == 0
    assert not load_code("pw@cluster").is_hidden


def test_delete(registered: Profile) -> None:
    installed("pw")
    installed("cp")
    refused = run("delete", "pw@cluster")
    assert refused.exit_code == 2
    assert "pass --force" in refused.output
    assert "(see 'code delete --help')" in refused.output
    assert "Dry run" in run("delete", "pw@cluster", "--dry-run").output
    assert AbstractCode.collection.count() == 2
    result = run("delete", "pw@cluster", "--force")
    assert result.exit_code == 0, result.output
    assert [item.label for item in AbstractCode.collection.find()] == ["cp"]
    assert Int(1).store().pk is not None  # the storage is still usable
    assert_one_line_error(run("delete", "pw@cluster", "-f"), "pw")


def test_every_command_has_help_with_an_example(registered: Profile) -> None:
    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            assert "Example:" in (command.help or ""), name
            for param in command.params:
                if isinstance(param, click.Option):
                    assert param.help, (name, param.name)
            result = CliRunner().invoke(code, [*path, name, "--help"])
            assert result.exit_code == 0, result.output
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(code, ())
    assert set(code.commands) >= {"create", "list", "show", "relabel", "hide", "reveal", "delete"}
