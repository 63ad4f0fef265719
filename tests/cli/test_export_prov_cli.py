"""``provgraph export prov`` through click, on a real default profile of each SQL backend."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.tools.prov.prov_checks import elements, only_bundle, read
from tests.tools.prov.prov_graph import ProvGraph, build_graph

from provgraph import orm
from provgraph.cli.export import export
from provgraph.config.profile import Profile
from provgraph.tools.prov.mapping import node_identifier

#: (suffix, --format value or None, how prov reads the file back).
FORMATS = [
    ("json", None, ("json", {})),
    ("provn", None, ("provn", {})),
    ("xml", None, ("xml", {})),
    ("trig", None, ("rdf", {"rdf_format": "trig"})),
    ("out", "json", ("json", {})),
    ("out", "provn", ("provn", {})),
    ("out", "xml", ("xml", {})),
    ("out", "rdf", ("rdf", {"rdf_format": "trig"})),
]


@pytest.fixture
def graph(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> ProvGraph:
    monkeypatch.setenv("COLUMNS", "200")
    return build_graph()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    path = tmp_path / "exports"
    path.mkdir()
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(export, ["prov", *args], catch_exceptions=False)


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: ")
    for fragment in fragments:
        assert fragment in lines[0], result.output


def ident(node: orm.Node) -> str:
    return node_identifier(node.uuid).uri


def exported(path: Path, format: str = "json", **options: str) -> dict[str, set[str]]:
    return elements(only_bundle(read(path, format, **options)))


@pytest.mark.parametrize(("suffix", "option", "reading"), FORMATS)
def test_every_format(
    graph: ProvGraph, out: Path, suffix: str, option: str | None, reading: tuple[str, dict[str, str]]
) -> None:
    target = out / f"all.{suffix}"
    result = run("--all", str(target), *(["--format", option] if option else []))
    assert result.exit_code == 0, result.output
    format, options = reading
    found = exported(target, format, **options)
    assert len(found["entity"]) + len(found["activity"]) == orm.QueryBuilder().append(orm.Node).count()
    lines = result.output.splitlines()
    assert lines[0].split() == ["record", "count"]
    assert ["activities", str(len(found["activity"]))] in [line.split() for line in lines]
    assert f"Success: wrote {target} ({format})" in result.output


def test_nodes_with_traversal_flags(graph: ProvGraph, out: Path) -> None:
    assert run(str(out / "a.json"), "-N", str(graph.product.pk)).exit_code == 0
    found = exported(out / "a.json")
    assert {ident(graph.multiply), ident(graph.add), ident(graph.inner), ident(graph.outer)} == found[
        "activity"
    ]
    result = run(str(out / "b.json"), "-N", graph.product.uuid, "--no-create-backward")
    assert result.exit_code == 0, result.output
    assert exported(out / "b.json")["entity"] == {ident(graph.product)}
    assert exported(out / "b.json")["activity"] == set()
    assert run(str(out / "c.json"), "-N", str(graph.add.pk), "--no-call-calc-backward").exit_code == 0
    assert exported(out / "c.json")["activity"] == {ident(graph.add)}


def test_groups(graph: ProvGraph, out: Path) -> None:
    result = run(str(out / "g.provn"), "-G", graph.group.label)
    assert result.exit_code == 0, result.output
    found = exported(out / "g.provn", "provn")
    assert {ident(graph.product), ident(graph.description)} <= found["entity"]
    assert ident(graph.array) not in found["entity"]


def test_existing_file_needs_force(graph: ProvGraph, out: Path) -> None:
    target = out / "all.json"
    target.write_text("keep")
    assert_one_line_error(run("--all", str(target)), "already exists", "--force")
    assert target.read_text() == "keep"
    assert run("--all", "-f", str(target)).exit_code == 0
    assert "bundle" in json.loads(target.read_text())


def test_bad_format_is_one_line(graph: ProvGraph, out: Path) -> None:
    assert_one_line_error(run("--all", str(out / "a.json"), "--format", "dot"), "unknown PROV format 'dot'")
    assert not (out / "a.json").exists()


def test_empty_selection_is_one_line(graph: ProvGraph, out: Path) -> None:
    assert_one_line_error(run(str(out / "x.json")), "nothing to export", "--all")
    assert_one_line_error(
        run(str(out / "x.json"), "-G", graph.empty_group.label), "nothing to export", "prov/empty"
    )
    assert not (out / "x.json").exists()


def test_missing_node_is_one_line(graph: ProvGraph, out: Path) -> None:
    assert_one_line_error(run(str(out / "x.json"), "-N", "999999"), "999999")
    assert_one_line_error(run(str(out / "x.json"), "-G", "no-such-group"), "no-such-group")
    assert not (out / "x.json").exists()
