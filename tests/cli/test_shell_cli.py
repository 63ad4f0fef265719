"""``provgraph shell``: the plain console in a real process fed through stdin, IPython by a stand-in."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from provgraph.cli import shell as shell_module
from provgraph.cli.shell import shell
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.orm import Group, Int, QueryBuilder

#: `provgraph ARGS` in a child process, with `shell` registered (the lead adds it to main.COMMANDS).
LAUNCH = (
    "import sys\n"
    "from provgraph.cli.main import cli\n"
    "cli.lazy_commands.setdefault('shell', 'provgraph.cli.shell:shell')\n"
    "cli(sys.argv[1:], prog_name='provgraph')\n"
)


def run_process(
    *args: str, stdin: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, *args],
        input=stdin,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_plain_console_in_a_real_process(registered_profile: Profile) -> None:
    five = Int(5).store()
    Group("tools").store()
    commands = (
        f"print('value', load_node({five.pk}).value)\n"
        "print('count', QueryBuilder().append(Node).count())\n"
        "print('group', orm.load_group('tools').label, Group is orm.Group)\n"
        "print('profile', provgraph.get_profile().name)\n"
        "print('stored', Int(7).store().pk > 0)\n"
        "def twice(x):\n"
        "    return 2 * x\n"
        "\n"
        "print('twice', twice(21))\n"
    )
    result = run_process("-p", registered_profile.name, "shell", "--plain", stdin=commands)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "value 5" in lines
    assert "count 1" in lines
    assert "group tools True" in lines
    assert f"profile {registered_profile.name}" in lines
    assert "stored True" in lines
    assert "twice 42" in lines
    assert f"profile {registered_profile.name!r}" in result.stderr  # the banner
    assert "QueryBuilder" in result.stderr
    assert QueryBuilder().append(Int).count() == 2  # the shell stored into the same profile


def test_startup_script_runs_unless_no_startup(
    registered_profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("GREETING = 'hello from startup'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.pythonrc.py of the person running the tests
    result = CliRunner().invoke(shell, ["--plain"], input="print(GREETING)\n")
    assert "hello from startup" in result.stdout, result.output
    result = CliRunner().invoke(shell, ["--plain", "--no-startup"], input="print(GREETING)\n")
    assert "hello from startup" not in result.stdout
    assert "NameError" in result.stderr
    (tmp_path / ".pythonrc.py").write_text("FROM_RC = 'rc'\n")
    startup.write_text("raise RuntimeError('broken startup')\n")
    result = CliRunner().invoke(shell, ["--plain"], input="print('still here', FROM_RC)\n")
    assert "still here rc" in result.stdout
    assert "broken startup" in result.stderr


def test_broken_profile_fails_before_the_shell_with_one_line(registered_profile: Profile) -> None:
    from provgraph.cli.main import cli

    cli.lazy_commands.setdefault("shell", "provgraph.cli.shell:shell")
    result = CliRunner().invoke(cli, ["-p", "nosuch", "shell", "--plain"], input="print('never')\n")
    assert result.exit_code == 1
    assert "never" not in result.stdout
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "nosuch" in result.stderr


class FakeIPython(types.ModuleType):
    """Stands in for IPython: records what ``start_ipython`` was given."""

    def __init__(self) -> None:
        super().__init__("IPython")
        self.calls: list[dict[str, Any]] = []

    def start_ipython(self, argv: list[str], user_ns: dict[str, Any]) -> None:
        self.calls.append({"argv": argv, "user_ns": user_ns})


def test_ipython_is_used_when_installed(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeIPython()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setattr(shell_module, "stdin_is_tty", lambda: True)  # a person at a terminal
    monkeypatch.setattr(shell_module, "_enable_completion", lambda namespace: None)
    result = CliRunner().invoke(shell, [])
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 1
    namespace = fake.calls[0]["user_ns"]
    assert fake.calls[0]["argv"] == []
    for name in (
        "provgraph",
        "orm",
        "QueryBuilder",
        "load_node",
        "Node",
        "Group",
        "Int",
        "Dict",
        "StructureData",
    ):
        assert name in namespace
    assert namespace["Group"] is Group
    assert get_manager().get_profile() is not None
    assert get_manager().profile_storage_loaded  # the profile is open before the shell starts


def test_plain_console_when_asked_piped_or_without_ipython(
    registered_profile: Profile, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeIPython()
    monkeypatch.setitem(sys.modules, "IPython", fake)
    result = CliRunner().invoke(shell, ["--no-startup"], input="print('piped', 6 * 7)\n")
    assert result.exit_code == 0, result.output
    assert fake.calls == []  # commands piped in: the plain console, even with IPython installed
    assert "piped 42" in result.stdout
    monkeypatch.setattr(shell_module, "stdin_is_tty", lambda: True)  # from here on, a terminal
    monkeypatch.setattr(shell_module, "_enable_completion", lambda namespace: None)
    result = CliRunner().invoke(shell, ["--plain", "--no-startup"], input="print('plain', 1 + 1)\n")
    assert result.exit_code == 0, result.output
    assert fake.calls == []
    assert "plain 2" in result.stdout
    monkeypatch.setitem(sys.modules, "IPython", None)  # import IPython now raises ImportError
    monkeypatch.setitem(sys.modules, "bpython", None)
    result = CliRunner().invoke(shell, ["--no-startup"], input="print('fallback', 3)\n")
    assert result.exit_code == 0, result.output
    assert "fallback 3" in result.stdout
    assert "not installed" not in result.stderr  # nothing was asked for: no note
    result = CliRunner().invoke(shell, ["-i", "ipython", "--no-startup"], input="print('asked', 4)\n")
    assert result.exit_code == 0, result.output
    assert "ipython is not installed" in result.stderr
    assert "asked 4" in result.stdout
