"""``provgraph node list``: filters, projections and the --where mini-language, both backends."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.node import node
from provgraph.cli.node_list import parse_where
from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError
from provgraph.orm import Dict, Group, Int, Str


def run(*args: str) -> Result:
    return CliRunner().invoke(node, ["list", *args])


def listed(*args: str) -> list[dict[str, object]]:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    parsed: list[dict[str, object]] = json.loads(result.stdout)
    return parsed


@pytest.fixture
def graph(registered_profile: Profile) -> dict[str, list[int]]:
    ints = [Int(value, label=f"int-{value}").store() for value in range(6)]
    documents = [{"x": value * 1.5, "tag": "even" if value % 2 == 0 else "odd"} for value in range(4)]
    dicts = [Dict(document).store() for document in documents]
    words = [Str(text).store() for text in ("alpha", "beta")]
    group = Group(label="picked").store()
    group.add_nodes([ints[1], ints[4], dicts[0]])
    return {
        "ints": [n.pk for n in ints if n.pk is not None],
        "dicts": [n.pk for n in dicts if n.pk is not None],
        "words": [n.pk for n in words if n.pk is not None],
    }


def test_type_where_and_projection(graph: dict[str, list[int]]) -> None:
    rows = listed("--type", "Int", "--where", "attributes.value>3", "--project", "pk,attributes.value,label")
    assert rows == [
        {"pk": graph["ints"][4], "attributes.value": 4, "label": "int-4"},
        {"pk": graph["ints"][5], "attributes.value": 5, "label": "int-5"},
    ]
    rows = listed("--type", "data.core.dict", "-w", "attributes.tag == 'even'", "-w", "attributes.x>=3")
    assert [row["pk"] for row in rows] == [graph["dicts"][2]]
    assert rows[0]["node_type"] == "data.core.dict.Dict."
    rows = listed("--type", "Str", "--where", 'attributes.value in ["beta", "gamma"]', "--project", "uuid")
    assert len(rows) == 1
    assert set(rows[0]) == {"uuid"}


def test_label_group_negation_and_limit(graph: dict[str, list[int]]) -> None:
    assert [row["pk"] for row in listed("--label", "int-_")] == graph["ints"]
    members = sorted([*graph["ints"][1::3], graph["dicts"][0]])
    assert [row["pk"] for row in listed("--group", "picked")] == members
    rows = listed("--type", "Int", "--where", "attributes.value !in [0, 1, 2]")
    assert [row["pk"] for row in rows] == graph["ints"][3:]
    rows = listed("--type", "Int", "--limit", "2")
    assert len(rows) == 2
    result = run("--type", "Int", "--limit", "2")
    assert result.exit_code == 0
    assert "the limit" in result.output


def test_table_output(graph: dict[str, list[int]]) -> None:
    result = run("--type", "Int", "--where", "attributes.value == 2")
    assert result.exit_code == 0, result.output
    assert "int-2" in result.output
    assert "Total results: 1" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--where", "attributes.x"], "FIELD OPERATOR VALUE"),
        (["--where", "colour == red"], "unknown field 'colour'"),
        (["--where", "attributes.x in 5"], "needs a JSON list"),
        (["--where", "attributes.x like 5"], "like"),
        (["--type", "NoSuchClass"], "unknown node type"),
        (["--project", "pk,nonsense"], "unknown field 'nonsense'"),
        (["--group", "missing"], "missing"),
    ],
)
def test_bad_input_is_one_clear_line(graph: dict[str, list[int]], arguments: list[str], message: str) -> None:
    result = run(*arguments)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_where_parser() -> None:
    assert parse_where("attributes.x>=2.5").as_filter() == {"attributes.x": {">=": 2.5}}
    assert parse_where("label like 'calc%'").as_filter() == {"label": {"like": "calc%"}}
    assert parse_where('extras.name == "42"').as_filter() == {"extras.name": {"==": "42"}}
    assert parse_where("extras.name == plain words").as_filter() == {"extras.name": {"==": "plain words"}}
    assert parse_where("pk != 3").as_filter() == {"id": {"!==": 3}}
    assert parse_where("attributes.k !has_key a").operator == "!has_key"
    with pytest.raises(InputValidationError, match="missing value"):
        parse_where("pk ==")


def test_help_documents_the_where_syntax() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "FIELD OPERATOR VALUE" in result.output
    assert "of_length" in result.output
