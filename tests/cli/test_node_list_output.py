"""``provgraph node list`` output: every format, --all / --limit, ordering, --past-days, on both backends."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import yaml
from click.testing import CliRunner, Result

from provgraph.cli.node import node
from provgraph.config.profile import Profile
from provgraph.orm import Int, Node, QueryBuilder
from provgraph.storage import EntityTypes


def run(*args: str) -> Result:
    return CliRunner().invoke(node, ["list", *args])


@pytest.fixture
def ints(registered_profile: Profile) -> list[int]:
    nodes = [
        Int(value, label=f"n{value:03d}\tx" if value == 7 else f"n{value:03d}").store()
        for value in range(150)
    ]
    return [n.pk for n in nodes if n.pk is not None]


def test_default_limit_all_and_limit(ints: list[int]) -> None:
    result = run("--format", "tsv", "-P", "pk")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [str(pk) for pk in ints[:100]]
    assert "Total results: 100 (the limit" in result.stderr
    everything = run("--format", "tsv", "-P", "pk", "--all")
    assert everything.stdout.splitlines()[1:] == [str(pk) for pk in ints]
    assert run("--all", "--limit", "3").exit_code == 2


def test_tsv_json_yaml_agree(ints: list[int]) -> None:
    tsv = run("--format", "tsv", "-P", "pk,label,ctime", "--raw-times", "-l", "10").stdout.splitlines()
    assert tsv[0] == "pk\tlabel\tctime"
    assert tsv[8].split("\t")[1] == "n007\\tx"  # a tab inside a value is escaped, not a new column
    as_json = json.loads(run("--json", "-P", "pk,label,ctime", "-l", "10").stdout)
    as_yaml = yaml.safe_load(run("-F", "yaml", "-P", "pk,label,ctime", "-l", "10").stdout)
    assert as_json == as_yaml
    assert [row["pk"] for row in as_json] == ints[:10]
    assert [line.split("\t")[2] for line in tsv[1:]] == [row["ctime"] for row in as_json]
    assert datetime.fromisoformat(as_json[0]["ctime"]).tzinfo is not None
    assert run("--json", "--format", "tsv").exit_code == 2


def test_table_prints_local_times_to_the_second(ints: list[int]) -> None:
    result = run("-P", "pk,ctime", "-l", "1")
    ctime = QueryBuilder().append(Node, filters={"id": ints[0]}, project="ctime").one()[0]
    assert result.stdout.splitlines()[1].split(None, 1)[1] == ctime.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert (
        result.stdout.splitlines()[-1]
        == "Total results: 1 (the limit: raise it with --limit, or show all with --all)"
    )


def test_order_by_and_direction(ints: list[int]) -> None:
    rows = json.loads(run("--json", "-P", "pk", "-O", "label", "-D", "desc", "-l", "3").stdout)
    assert [row["pk"] for row in rows] == ints[::-1][:3]
    assert run("-O", "attributes.value").exit_code == 2


def test_past_days(ints: list[int], registered_profile: Profile) -> None:
    old = Int(1).store()
    old.backend.bulk_update(
        EntityTypes.NODE, [{"id": old.pk, "ctime": datetime.now(timezone.utc) - timedelta(days=10)}]
    )
    recent = {row["pk"] for row in json.loads(run("--json", "-P", "pk", "--all", "-p", "2").stdout)}
    assert recent == set(ints)
    assert old.pk in {row["pk"] for row in json.loads(run("--json", "-P", "pk", "--all", "-p", "11").stdout)}
