"""The shared prompting rules: ask only on a terminal, otherwise name the option to pass."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from provgraph.cli import prompts


@click.command()
@click.option("--name")
@click.option("--force", is_flag=True)
@click.option("--non-interactive", is_flag=True)
def ask(name: str | None, force: bool, non_interactive: bool) -> None:
    value = prompts.required_value(name, "--name NAME", "Name", non_interactive)
    prompts.confirm_or_force(force, "Naming", f"Use {value!r}?")
    click.echo(f"named {value!r}")


def test_without_a_terminal_nothing_is_asked() -> None:
    missing = CliRunner().invoke(ask, [])
    assert missing.exit_code == 2
    assert "Missing option '--name NAME'." in missing.output
    unconfirmed = CliRunner().invoke(ask, ["--name", "x"])
    assert unconfirmed.exit_code == 2
    assert "Naming needs confirmation: pass --force (or pipe the answer 'y')." in unconfirmed.output
    assert CliRunner().invoke(ask, ["--name", "", "--force"]).output == "named ''\n"  # given, if empty


def test_on_a_terminal_missing_values_and_confirmations_are_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    result = CliRunner().invoke(ask, [], input="typed\ny\n")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("named 'typed'\n")
    declined = CliRunner().invoke(ask, ["--name", "x"], input="n\n")
    assert declined.exit_code == 1
    assert "Aborted" in declined.output
    refused = CliRunner().invoke(ask, ["--non-interactive", "--force"])
    assert refused.exit_code == 2  # --non-interactive wins over the terminal


def test_a_piped_answer_confirms_or_declines() -> None:
    assert CliRunner().invoke(ask, ["--name", "x"], input="y\n").output == "named 'x'\n"
    assert CliRunner().invoke(ask, ["--name", "x"], input="YES\n").exit_code == 0
    declined = CliRunner().invoke(ask, ["--name", "x"], input="n\n")
    assert declined.exit_code == 1
    assert "named" not in declined.output
    assert CliRunner().invoke(ask, ["--name", "x"], input="\n").exit_code == 2  # an empty line is no answer
