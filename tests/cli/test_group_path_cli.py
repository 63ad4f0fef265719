"""``provgraph group path ls``: labels as a /-separated hierarchy, virtual paths included (verdi's)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.group_path import list_paths, validate_path
from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError
from provgraph.orm.groups import Group

LABELS = ("runs/2026/a", "runs/2026/b", "runs/old", "runs", "solo", "x_y/z", "xay/z")


@pytest.fixture
def groups(registered_profile: Profile) -> dict[str, Group]:
    made = {label: Group(label, description=f"about {label}").store() for label in LABELS}
    Group("runs/auto/c", type_string="core.auto").store()
    return made


def ls(*args: str) -> Result:
    return CliRunner().invoke(cli, ["group", "path", "ls", *args])


def lines(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_children_and_recursion(groups: dict[str, Group]) -> None:
    assert lines(ls()) == ["runs", "solo", "x_y", "xay"]
    assert lines(ls("runs")) == ["runs/2026", "runs/old"]
    assert lines(ls("runs", "-R")) == ["runs/2026", "runs/2026/a", "runs/2026/b", "runs/old"]
    real = ["runs", "runs/2026/a", "runs/2026/b", "runs/old", "solo", "x_y/z", "xay/z"]
    assert lines(ls("-R", "--no-virtual")) == real
    assert lines(ls("runs/2026")) == ["runs/2026/a", "runs/2026/b"]
    assert lines(ls("x_y")) == ["x_y/z"]  # '_' in a path is literal
    assert lines(ls("solo")) == []  # a group without sub-paths
    assert lines(ls("/")) == lines(ls())
    assert lines(ls("-T", "core.auto", "-R")) == ["runs", "runs/auto", "runs/auto/c"]


def test_long_listing(groups: dict[str, Group]) -> None:
    rows = [line.split() for line in lines(ls("-l"))]
    assert rows == [
        ["path", "pk", "sub_groups"],
        ["runs", str(groups["runs"].pk), "3"],
        ["solo", str(groups["solo"].pk), "0"],
        ["x_y", "1"],  # virtual: no pk
        ["xay", "1"],
    ]
    records = json.loads(ls("runs", "-R", "-d", "--json").stdout)
    assert records[0] == {"path": "runs/2026", "pk": None, "sub_groups": 2, "description": None}
    assert records[1] == {
        "path": "runs/2026/a",
        "pk": groups["runs/2026/a"].pk,
        "sub_groups": 0,
        "description": "about runs/2026/a",
    }
    tsv = lines(ls("runs", "-F", "tsv", "--no-virtual"))
    assert tsv == ["path\tpk\tsub_groups", f"runs/old\t{groups['runs/old'].pk}\t0"]


def test_errors(groups: dict[str, Group]) -> None:
    for bad in ("runs//2026", "/runs", "runs/"):
        result = ls(bad)
        assert result.exit_code == 1
        assert result.output.startswith(f"Error: invalid group path {bad!r}")
        assert len(result.output.splitlines()) == 1
    missing = ls("nowhere")
    assert (missing.exit_code, missing.output) == (
        1,
        "Error: no group of type 'core' is labelled 'nowhere' or starts with 'nowhere/'\n",
    )


def test_invalid_labels_are_skipped_with_a_warning(registered_profile: Profile) -> None:
    Group("good/one").store()
    Group("bad//one").store()
    result = ls("-R")
    assert result.stdout.splitlines() == ["good", "good/one"]
    assert "Warning: skipped labels that are not valid paths: 'bad//one'" in result.stderr
    assert ls("-R", "--no-warn").stderr == ""


def test_tree_functions() -> None:
    assert validate_path(None) == ""
    with pytest.raises(InputValidationError):
        validate_path("a//b")
    entries, invalid = list_paths([(1, "a/b/c", "x"), (2, "a", ""), (3, "a/", "")], "a", recursive=True)
    assert [(entry.path, entry.pk, entry.sub_groups) for entry in entries] == [
        ("a/b", None, 1),
        ("a/b/c", 1, 0),
    ]
    assert invalid == ["a/"]
