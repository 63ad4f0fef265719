"""``provgraph computer ...`` through click, on a real default profile of each SQL backend."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from provgraph.cli import prompts
from provgraph.cli.computer import TRANSPORTS, computer
from provgraph.config.profile import Profile
from provgraph.orm import Int
from provgraph.orm.computers import Computer, load_computer
from provgraph.orm.users import User


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile (tests/conftest.py), with wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(computer, list(args), input=input, catch_exceptions=False)


def setup(label: str, *extra: str) -> Result:
    return run("setup", "--label", label, "--hostname", "localhost", "--non-interactive", *extra)


def configured(label: str, transport: str = "core.local", *extra: str) -> Computer:
    assert setup(label, "--transport", transport).exit_code == 0
    result = run("configure", transport, label, "-n", *extra)
    assert result.exit_code == 0, result.output
    return load_computer(label)


def assert_one_line_error(result: Result, *fragments: str, code: int = 1) -> None:
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: "), result.output
    assert sum(line.startswith("Error: ") for line in lines) == 1
    for fragment in fragments:
        assert fragment in lines[-1], result.output


def table(result: Result) -> list[list[str]]:
    assert result.exit_code == 0, result.output
    return [line.split() for line in result.output.splitlines()]


# -- setup ----------------------------------------------------------------------------------------


def test_setup_with_defaults(registered: Profile) -> None:
    result = setup("local")
    assert result.exit_code == 0, result.output
    created = load_computer("local")
    assert f"Created computer 'local' (pk {created.pk})." in result.output
    assert "provgraph computer configure core.local local" in result.output
    assert (created.hostname, created.transport_type, created.scheduler_type) == (
        "localhost",
        "core.local",
        "core.direct",
    )
    assert created.metadata == {}


def test_setup_with_every_option(registered: Profile) -> None:
    result = run(
        "setup",
        *(
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
        ),
        *("-w", "/scratch/{username}/provgraph", "--shebang", "#!/bin/zsh"),
        *("--mpirun-command", "srun -n {tot_num_mpiprocs}", "--mpiprocs-per-machine", "48", "-n"),
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


def test_setup_with_verdis_other_options(registered: Profile) -> None:
    result = setup(
        "verdi-like",
        *("--work-dir", "/work/{username}", "-m", "mpiexec -n {tot_num_mpiprocs}"),
        *("--default-memory-per-machine", "1000000", "--use-double-quotes"),
        *("--prepend-text", "module load mpi", "--append-text", "echo done"),
    )
    assert result.exit_code == 0, result.output
    created = load_computer("verdi-like")
    assert created.get_workdir() == "/work/{username}"
    assert created.get_mpirun_command() == ["mpiexec", "-n", "{tot_num_mpiprocs}"]
    assert created.get_default_memory_per_machine() == 1000000
    assert (created.get_prepend_text(), created.get_append_text()) == ("module load mpi", "echo done")
    record = json.loads(run("show", "verdi-like", "--json").stdout)
    assert record["use_double_quotes"] is True
    assert record["default_memory_per_machine"] == 1000000


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


# -- configure ------------------------------------------------------------------------------------


def test_configure_local_with_defaults_and_options(registered: Profile) -> None:
    chosen = configured("here")
    assert chosen.get_configuration() == {"use_login_shell": True, "safe_interval": 0.0}
    result = run("configure", "core.local", "here", "--no-use-login-shell", "--safe-interval", "2.5", "-n")
    assert result.exit_code == 0, result.output
    assert f"Configured computer 'here' for user {registered.default_user_email}." in result.output
    assert chosen.get_configuration() == {"use_login_shell": False, "safe_interval": 2.5}
    # an option not given keeps the stored value
    assert run("configure", "core.local", "here", "-n").exit_code == 0
    assert chosen.get_configuration() == {"use_login_shell": False, "safe_interval": 2.5}


def test_configure_ssh_stores_every_setting(registered: Profile, tmp_path: Path) -> None:
    key = tmp_path / "id_test"
    key.write_text("placeholder")
    chosen = configured("remote", "core.ssh", "--username", "ada", "-P", "2222", "--key-filename", str(key))
    stored = chosen.get_configuration()
    assert set(stored) == {param.name for param in TRANSPORTS["core.ssh"]}
    assert (stored["username"], stored["port"], stored["key_filename"]) == ("ada", 2222, str(key))
    assert (stored["key_policy"], stored["safe_interval"], stored["gss_host"]) == (
        "RejectPolicy",
        15.0,
        "localhost",
    )
    assert stored["look_for_keys"] is True
    assert stored["gss_auth"] is False


def test_configure_for_another_user(registered: Profile) -> None:
    setup("shared")
    ada = User("ada@example.org").store()
    result = run("configure", "core.local", "shared", "-u", "ada@example.org", "-n")
    assert result.exit_code == 0, result.output
    chosen = load_computer("shared")
    assert chosen.is_user_configured(ada)
    assert not chosen.is_configured  # not for the default user
    assert_one_line_error(
        run("configure", "core.local", "shared", "-u", "nobody@example.org", "-n"), "nobody"
    )


def test_configure_errors(registered: Profile, tmp_path: Path) -> None:
    setup("ssh-one", "--transport", "core.ssh")
    assert_one_line_error(
        run("configure", "core.local", "ssh-one", "-n"),
        "uses transport 'core.ssh', not 'core.local'",
        "provgraph computer configure core.ssh ssh-one",
    )
    bad_key = run("configure", "core.ssh", "ssh-one", "--key-filename", str(tmp_path / "missing"), "-n")
    assert bad_key.exit_code == 2
    assert "--key-filename" in bad_key.output
    assert run("configure", "core.ssh", "ssh-one", "--port", "0", "-n").exit_code == 2
    assert run("configure", "core.ssh", "ssh-one", "--key-policy", "Trust", "-n").exit_code == 2
    assert_one_line_error(run("configure", "core.local", "ghost", "-n"), "no Computer with label 'ghost'")
    assert run("configure", "core.nosuch", "ssh-one").exit_code == 2
    assert not load_computer("ssh-one").is_configured


def test_configure_prompts_on_a_terminal(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    setup("asked")
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    result = run("configure", "core.local", "asked", input="n\n3\n")
    assert result.exit_code == 0, result.output
    assert load_computer("asked").get_configuration() == {"use_login_shell": False, "safe_interval": 3.0}


def test_configure_show(registered: Profile) -> None:
    configured("shown", "core.local", "--safe-interval", "4")
    lines = table(run("configure", "show", "shown"))
    assert ["use_login_shell", "true"] in lines
    assert ["safe_interval", "4.0"] in lines
    as_json = json.loads(run("configure", "show", "shown", "--json").stdout)
    assert as_json == {"use_login_shell": True, "safe_interval": 4.0}
    setup("bare", "--transport", "core.ssh")
    bare = table(run("configure", "show", "bare"))
    assert ["username", "-"] in bare
    as_options = run("configure", "show", "shown", "--as-option-string").output.strip()
    assert as_options == "--use-login-shell --safe-interval=4.0"
    configured("copy", "core.local", *as_options.split())
    assert load_computer("copy").get_configuration() == load_computer("shown").get_configuration()
    defaults = json.loads(run("configure", "show", "bare", "--defaults", "--json").stdout)
    assert defaults["port"] == 22
    assert defaults["key_policy"] == "RejectPolicy"


# -- list, show, relabel --------------------------------------------------------------------------


def test_list_shows_configured_computers_and_all_with_a(registered: Profile) -> None:
    setup("beta")
    configured("alpha", "core.ssh")
    lines = table(run("list"))
    assert lines[0] == ["pk", "label", "hostname", "transport", "scheduler", "state"]
    assert [line[1] for line in lines[1:2]] == ["alpha"]
    assert len(lines) == 3  # the header, alpha, the note
    assert "1 computer not configured or disabled" in run("list").output
    every = table(run("list", "--all"))
    assert [line[1] for line in every[1:]] == ["alpha", "beta"]
    assert every[2][2:] == ["localhost", "core.local", "core.direct", "not", "configured"]
    assert run("list", "-a", "-r").output.split() == ["alpha", "beta"]
    tsv = run("list", "-a", "-F", "tsv").output.splitlines()
    assert tsv[0].split("\t") == ["pk", "label", "hostname", "transport", "scheduler", "state"]
    records = json.loads(run("list", "-a", "--json").stdout)
    assert [(item["label"], item["state"]) for item in records] == [
        ("alpha", "enabled"),
        ("beta", "not configured"),
    ]


def test_list_without_computers(registered: Profile) -> None:
    assert "No computers yet" in run("list").output
    assert json.loads(run("list", "--json").stdout) == []


def test_show(registered: Profile) -> None:
    setup("shown", "--workdir", "/tmp/{username}")
    chosen = load_computer("shown")
    for identifier in ("shown", str(chosen.pk), chosen.uuid, chosen.uuid[:8]):
        result = run("show", identifier)
        assert result.exit_code == 0, result.output
        for fragment in (chosen.uuid, "localhost", "core.local", "/tmp/{username}", "#!/bin/bash"):
            assert fragment in result.output
        assert "mpirun -np {tot_num_mpiprocs}" in result.output
        assert ["state", "not", "configured"] in table(result)
    chosen.configure()
    assert ["state", "enabled"] in table(run("show", "shown"))
    record = json.loads(run("show", "shown", "--json").stdout)
    assert record["pk"] == chosen.pk
    assert record["workdir"] == "/tmp/{username}"
    assert record["default_mpiprocs_per_machine"] is None
    assert_one_line_error(run("show", "ghost"), "no Computer with label 'ghost'")


def test_relabel(registered: Profile) -> None:
    setup("old")
    setup("taken")
    result = run("relabel", "old", "new")
    assert result.exit_code == 0, result.output
    assert "Relabelled computer 'old' to 'new'." in result.output
    assert load_computer("new").hostname == "localhost"
    assert_one_line_error(run("relabel", "new", "new"), "has that label already")
    assert_one_line_error(run("relabel", "new", "taken"), "labelled 'taken' exists already")
    assert_one_line_error(run("relabel", "ghost", "x"), "ghost")


# -- enable, disable, delete ----------------------------------------------------------------------


def test_enable_and_disable(registered: Profile) -> None:
    chosen = configured("switch")
    user = User.collection.get_default()
    result = run("disable", "switch")
    assert result.exit_code == 0, result.output
    assert f"Computer 'switch' disabled for user {user.email}." in result.output
    assert not chosen.is_user_enabled(user)
    assert "was already disabled" in run("disable", "switch").output
    assert run("enable", "switch", user.email).exit_code == 0
    assert chosen.is_user_enabled(user)
    assert "was already enabled" in run("enable", "switch").output
    setup("unconfigured")
    assert_one_line_error(run("disable", "unconfigured"), "not configured for user", "computer configure")
    assert_one_line_error(run("enable", "switch", "nobody@example.org"), "No user with email")


def test_delete(registered: Profile) -> None:
    configured("gone")
    refused = run("delete", "gone")  # no terminal, no --force
    assert refused.exit_code == 2
    assert "needs confirmation: pass --force" in refused.output
    dry = run("delete", "gone", "--dry-run")
    assert dry.exit_code == 0
    assert "nothing deleted" in dry.output
    result = run("delete", "gone", "-f")
    assert result.exit_code == 0, result.output
    assert "Deleted computer 'gone'." in result.output
    assert Computer.collection.count() == 0


def test_delete_refuses_a_computer_nodes_use(registered: Profile) -> None:
    setup("busy")
    chosen = load_computer("busy")
    for value in (1, 2):
        node = Int(value)
        node.computer = chosen
        node.store()
    assert_one_line_error(run("delete", "busy", "-f"), "Computer 'busy' is used by 2 nodes", "node delete")
    assert Computer.collection.count() == 1


def test_delete_with_confirmation(registered: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    setup("asked")
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    assert run("delete", "asked", input="n\n").exit_code == 1  # aborted
    assert Computer.collection.count() == 1
    assert run("delete", "asked", input="y\n").exit_code == 0
    assert Computer.collection.count() == 0


# -- test -----------------------------------------------------------------------------------------


def test_test_checks_what_it_can_and_says_it_runs_no_transport(registered: Profile) -> None:
    configured("checked")
    result = run("test", "checked")
    assert_one_line_error(result, "provgraph runs no transports")
    for fragment in (
        "Configured for the user: OK",
        "Work directory formats",
        "Transport core.local is known",
    ):
        assert fragment in result.output


def _unconfigured(chosen: Computer) -> None:
    del chosen


def _disabled(chosen: Computer) -> None:
    chosen.configure().enabled = False


def _bad_workdir(chosen: Computer) -> None:
    chosen.configure()
    chosen.set_property("workdir", "/scratch/{nobody}")


def _unknown_transport(chosen: Computer) -> None:
    chosen.configure()
    chosen.transport_type = "core.fax"


def _unknown_scheduler(chosen: Computer) -> None:
    chosen.configure()
    chosen.scheduler_type = "core.abacus"


def _foreign_setting(chosen: Computer) -> None:
    chosen.configure(colour="blue")


@pytest.mark.parametrize(
    ("prepare", "fragment"),
    [
        (_unconfigured, "is not configured for user"),
        (_disabled, "is disabled for user"),
        (_bad_workdir, "does not format"),
        (_unknown_transport, "Unknown transport 'core.fax'"),
        (_unknown_scheduler, "Unknown scheduler 'core.abacus'"),
        (_foreign_setting, "Settings colour are not core.local settings"),
    ],
)
def test_test_reports_the_first_failed_check(
    registered: Profile, prepare: Callable[[Computer], None], fragment: str
) -> None:
    setup("broken")
    prepare(load_computer("broken"))
    assert_one_line_error(run("test", "broken"), fragment)


def test_every_command_and_option_has_help(registered: Profile) -> None:
    assert computer.help

    def walk(group: click.Group, path: tuple[str, ...]) -> None:
        ctx = click.Context(group)
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            assert len(command.help or "") > 20, name
            for param in command.params:
                if isinstance(param, click.Option):
                    assert param.help, (name, param.name)
            result = CliRunner().invoke(computer, [*path, name, "--help"])
            assert result.exit_code == 0, result.output
            if isinstance(command, click.Group):
                walk(command, (*path, name))

    walk(computer, ())
    expected = {"setup", "list", "show", "configure", "test", "delete", "relabel", "enable", "disable"}
    assert set(computer.commands) >= expected
