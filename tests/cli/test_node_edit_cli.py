"""``provgraph node label`` and ``provgraph node description`` (verdi's options) on both SQL backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from provgraph.cli import prompts
from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.orm.loaders import load_node
from provgraph.orm.nodes.data.data import Data


@pytest.fixture(autouse=True)
def registered(registered_profile: Profile) -> Profile:
    return registered_profile


def run(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["node", *args], input=input)


def test_label_show_and_raw() -> None:
    first, second = Data(label="alpha").store(), Data(label="beta gamma").store()
    result = run("label", str(first.pk), second.uuid)
    assert result.exit_code == 0, result.output
    assert [line.split() for line in result.output.splitlines()] == [
        ["pk", "label"],
        [str(first.pk), "alpha"],
        [str(second.pk), "beta", "gamma"],
    ]
    assert run("label", str(second.pk), str(first.pk), "--raw").output == "beta gamma\nalpha\n"
    assert json.loads(run("label", str(first.pk), "--json").output) == [{"pk": first.pk, "label": "alpha"}]


@pytest.mark.parametrize("flag", ["-L", "--label", "--set"])
def test_label_set(flag: str) -> None:
    first, second = Data(label="old").store(), Data().store()
    refused = run("label", str(first.pk), str(second.pk), flag, "new")
    assert refused.exit_code == 2
    assert "pass --force" in refused.output
    assert load_node(first.pk).label == "old"
    result = run("label", str(first.pk), str(second.pk), str(second.pk), flag, "new", "-f")
    assert result.exit_code == 0, result.output
    assert result.output == "Set the label of 2 nodes to 'new'.\n"
    assert [load_node(pk).label for pk in (first.pk, second.pk)] == ["new", "new"]


def test_label_asks_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prompts, "stdin_is_tty", lambda: True)
    item = Data(label="kept").store()
    assert run("label", str(item.pk), "-L", "gone", input="n\n").exit_code == 1
    assert load_node(item.pk).label == "kept"
    result = run("label", str(item.pk), "-L", "changed", input="y\n")
    assert result.exit_code == 0, result.output
    assert "Set the label of 1 node to 'changed'." in result.output
    assert load_node(item.pk).label == "changed"


def test_description_show_and_set() -> None:
    item = Data().store()
    item.description = "first words"
    assert run("description", str(item.pk), "-r").output == "first words\n"
    rows = run("description", str(item.pk), "-F", "tsv").output
    assert rows == f"pk\tdescription\n{item.pk}\tfirst words\n"
    for flag in ("-D", "--description", "--set"):
        result = run("description", str(item.pk), flag, f"set by {flag}", "--force")
        assert result.exit_code == 0, result.output
        assert result.output == f"Set the description of 1 node to 'set by {flag}'.\n"
        assert load_node(item.pk).description == f"set by {flag}"


@pytest.mark.parametrize("command", ["label", "description"])
def test_errors_are_one_line(command: str) -> None:
    item = Data().store()
    missing = run(command, str(item.pk), "987654")
    assert missing.exit_code == 1
    assert missing.output == "Error: no Node with pk '987654'\n"
    assert run(command).exit_code == 2  # NODES is required
    flag = {"label": "-L", "description": "-D"}[command]
    assert run(command, str(item.pk), flag).exit_code == 2  # the option needs a value
    bad = run(command, str(item.pk), flag, "x" * 300, "-f") if command == "label" else None
    if bad is not None:  # labels are at most 255 characters, as in AiiDA
        assert bad.exit_code == 1, bad.output
        assert len(bad.output.splitlines()) == 1
        assert bad.output.startswith("Error: ")
        assert "Traceback" not in bad.output
