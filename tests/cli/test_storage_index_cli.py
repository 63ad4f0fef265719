"""``provgraph storage index add|list|drop`` and ``node list --explain``, on both backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.main import cli
from provgraph.config.profile import Profile
from provgraph.orm import Dict, store_many


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def dicts(registered_profile: Profile) -> Profile:
    store_many([Dict({"energy": index / 7, "tag": f"t{index % 30}"}) for index in range(12_000)])
    return registered_profile


def test_add_list_explain_drop(dicts: Profile) -> None:
    listing = ["node", "list", "--type", "Dict", "--where", "attributes.energy<1"]
    before = run(*listing, "--explain")
    assert before.exit_code == 0, before.output
    assert "Plan:" in before.output
    assert "`provgraph storage index add attributes.energy --type int` would make this an index lookup" in (
        before.output
    )
    added = run("storage", "index", "add", "attributes.energy", "--type", "float")
    assert added.exit_code == 0, added.output
    assert added.output.startswith("Success: index ix_pg_attri_energy_float_")
    listed = run("storage", "index", "list", "--json")
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert row["path"] == "attributes.energy"
    assert row["type"] == "float"
    assert row["present"] == "yes"
    assert int(row["bytes"]) > 0
    after = run(*listing, "--explain")
    assert after.exit_code == 0, after.output
    assert f"Indexes used: {row['name']}" in after.output
    assert "Advice:" not in after.output
    found = run(*listing, "--json")
    assert found.exit_code == 0, found.output
    assert len(json.loads(found.stdout)) == 7  # 0/7 .. 6/7: the same rows with the index
    structured = run(*listing, "--explain", "--json")
    assert json.loads(structured.stdout)["indexes"] == [row["name"]]
    dropped = run("storage", "index", "drop", "attributes.energy")
    assert dropped.exit_code == 0, dropped.output
    assert dropped.output.startswith(f"Success: index {row['name']} on attributes.energy (float) dropped.")
    empty = run("storage", "index", "list")
    assert empty.output.startswith("No declared indexes.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "energy"], "Error: index path 'energy' must start with attributes. or extras."),
        (["add", "attributes.x", "--node-type", "Dict"], "must be a stored node_type or a prefix of one"),
        (["drop", "nothing"], "Error: no declared index 'nothing'; declared: none"),
        (["add", "attributes.x", "--type", "complex"], "Invalid value for '--type'"),
    ],
)
def test_mistakes_are_one_line(dicts: Profile, args: list[str], message: str) -> None:
    result = run("storage", "index", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_second_add_says_it_is_declared_already(dicts: Profile) -> None:
    assert run("storage", "index", "add", "extras.tag").exit_code == 0
    again = run("storage", "index", "add", "extras.tag")
    assert again.exit_code == 1
    assert "Error: extras.tag is declared already, as ix_pg_extra_tag_" in again.output
