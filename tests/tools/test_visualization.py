"""Pictures of the provenance graph (provgraph.tools.visualization, `provgraph node graph`), on
aiida-core's fixture archive imported into a profile on each SQL backend, checked structurally:
which nodes and links the DOT text holds, with which styles, and what folding leaves."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from tests.data_files import SMALL_ARCHIVE, SMALL_MANIFEST

from provgraph.cli.main import cli
from provgraph.common.links import LinkType
from provgraph.config.profile import Profile
from provgraph.exceptions import InputValidationError, InvalidOperation, NotExistent
from provgraph.orm import Node, QueryBuilder
from provgraph.orm.nodes.links import LinkPair
from provgraph.tools.archive import import_archive
from provgraph.tools.visualization import Graph, pstate_node_styles, render

MANIFEST: dict[str, Any] = json.loads(SMALL_MANIFEST.read_text())
NAMED = MANIFEST["named_nodes"]
_NODE = re.compile(r"^\t+N(\d+) \[(.*?)\]$", re.MULTILINE | re.DOTALL)
_EDGE = re.compile(r"^\tN(\d+) -> N(\d+)(?: \[(.*?)\])?$", re.MULTILINE | re.DOTALL)
_ATTRIBUTE = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)', re.DOTALL)


def _attributes(text: str) -> dict[str, str]:
    return {key: value.strip('"') for key, value in _ATTRIBUTE.findall(text)}


def drawn(graph: Graph) -> tuple[dict[int, dict[str, str]], list[tuple[int, int, dict[str, str]]]]:
    """The nodes (pk -> attributes) and edges of the picture's DOT text."""
    source = graph.graphviz.source
    nodes = {int(pk): _attributes(body) for pk, body in _NODE.findall(source)}
    edges = [(int(a), int(b), _attributes(body or "")) for a, b, body in _EDGE.findall(source)]
    return nodes, edges


@pytest.fixture
def pks(registered_profile: Profile) -> dict[str, int]:
    """The fixture archive imported; pk by uuid for every node."""
    import_archive(SMALL_ARCHIVE)
    rows = QueryBuilder().append(Node, project=["uuid", "id"]).all()
    return {uuid: pk for uuid, pk in rows}


def pk_of(pks: dict[str, int], role: str) -> int:
    return pks[NAMED[role]["uuid"]]


def _links(pks: dict[str, int]) -> list[tuple[int, int, str, str]]:
    """aiida-core's own list of the archive's links, by pk."""
    return [(pks[source], pks[target], kind, label) for source, target, kind, label in MANIFEST["links"]]


def test_ancestors_along_data_flow_are_aiidas(pks: dict[str, int]) -> None:
    end = pks[MANIFEST["chain_end"]["uuid"]]
    graph = Graph()
    graph.recurse_ancestors(end, link_types=("create", "input_calc"), annotate_links="label")
    by_pk = {pk: uuid for uuid, pk in pks.items()}
    assert {by_pk[pk] for pk in graph.nodes} - {by_pk[end]} == set(MANIFEST["chain_end"]["ancestors"])
    nodes, edges = drawn(graph)
    assert set(nodes) == graph.nodes
    assert len(edges) == len(graph.edges) > 0
    assert all(attributes["label"] for *_, attributes in edges)  # annotated with the link label
    assert nodes[end]["color"] == "red"  # the origin


def test_nodes_are_styled_by_kind_and_failures_stand_out(pks: dict[str, int]) -> None:
    graph = Graph()
    for role in ("workflow", "failed_calc", "excepted_calc", "int", "code"):
        graph.add_node(pk_of(pks, role))
    nodes, _ = drawn(graph)
    workflow = nodes[pk_of(pks, "workflow")]
    assert "rounded" in workflow["style"]
    assert workflow["label"].startswith("add_multiply (")
    for role in ("failed_calc", "excepted_calc"):
        assert nodes[pk_of(pks, role)]["fillcolor"] == "#de707f", role
        assert nodes[pk_of(pks, role)]["shape"] == "rectangle"
    assert "Exit Code: 400" in nodes[pk_of(pks, "failed_calc")]["label"]
    value = NAMED["int"]["attributes"]["value"]
    assert nodes[pk_of(pks, "int")]["label"] == f"Int ({pk_of(pks, 'int')})\n{value}"
    assert nodes[pk_of(pks, "int")]["shape"] == "ellipse"
    assert nodes[pk_of(pks, "code")]["fillcolor"] == "#4ca4b9"
    states = Graph(node_style_fn=pstate_node_styles)
    states.add_node(pk_of(pks, "failed_calc"))
    assert drawn(states)[0][pk_of(pks, "failed_calc")]["shape"] == "ellipse"


def test_folding_draws_a_workflow_as_one_box_with_its_outside_links(pks: dict[str, int]) -> None:
    workflow = pk_of(pks, "workflow")
    graph = Graph()
    graph.recurse_descendants(workflow, annotate_links="both")
    graph.recurse_ancestors(workflow, depth=1, annotate_links="both")
    before_nodes, before_edges = drawn(graph)
    called = {target for source, target, kind, _ in _links(pks) if source == workflow and kind == "call_calc"}
    calls = [pk for pk in before_nodes if pk in called]
    assert len(calls) == 2  # the two calcfunctions it called
    assert graph.fold_workflows() == [workflow]
    after_nodes, after_edges = drawn(graph)
    box = after_nodes[workflow]
    assert box["shape"] == "box3d"
    assert "2 calls folded" in box["label"]
    assert not set(calls) & set(after_nodes)  # the calls are inside the box
    assert set(graph.folded[workflow]) == set(before_nodes) - set(after_nodes)
    result = pk_of(pks, "workflow_result")
    assert result in after_nodes  # what it returns stays outside
    into_box = {(a, attributes["label"]) for a, b, attributes in after_edges if b == workflow}
    out_of_box = {(b, attributes["label"]) for a, b, attributes in after_edges if a == workflow}
    inputs = {(a, attributes["label"]) for a, b, attributes in before_edges if b == workflow}
    assert into_box == inputs  # exactly its own inputs (INPUT_WORK), nothing from inside
    assert all(label.startswith("INPUT_WORK") for _, label in into_box)
    assert {label.split("\n")[0] for _, label in out_of_box} == {"RETURN"}
    assert result in {pk for pk, _ in out_of_box}
    assert len(after_edges) < len(before_edges)


def test_recursions_refuse_too_many_nodes_with_the_count(pks: dict[str, int]) -> None:
    end = pks[MANIFEST["chain_end"]["uuid"]]
    with pytest.raises(
        InputValidationError, match=r"upstream of node \d+ has more than 5 nodes \(\d+\+? found\)"
    ):
        Graph().recurse_ancestors(end, max_nodes=5)
    graph = Graph()
    graph.recurse_ancestors(end, depth=1, max_nodes=5)
    assert 1 < len(graph.nodes) <= 5


def test_aiida_core_api_details(pks: dict[str, int]) -> None:
    workflow = pk_of(pks, "workflow")
    graph = Graph()
    with pytest.raises(AssertionError, match="must have already been added"):
        graph.add_edge(workflow, pk_of(pks, "workflow_result"))
    inputs = graph.add_incoming(workflow, link_types="input_work")
    assert len(inputs) == 3
    assert all(isinstance(pk, int) for pk in inputs)
    outputs = graph.add_outgoing(NAMED["workflow"]["uuid"], link_types=[LinkType.RETURN], return_pks=False)
    assert [node.pk for node in outputs] == [pk_of(pks, "workflow_result")]
    assert (workflow, pk_of(pks, "workflow_result"), LinkPair(LinkType.RETURN, "result")) in graph.edges
    with pytest.raises(NotExistent):
        graph.add_node(10**9)
    with pytest.raises(ValueError, match="annotate_links"):
        graph.add_incoming(workflow, annotate_links="everything")  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="unknown link type"):
        graph.add_incoming(workflow, link_types="nosuch")


def _need_dot() -> None:
    """graphviz's dot, required where PROVGRAPH_REQUIRE_GRAPHVIZ=1 (.ci/run), else a clear skip."""
    if shutil.which("dot") is not None:
        return
    if os.environ.get("PROVGRAPH_REQUIRE_GRAPHVIZ") == "1":
        pytest.fail("graphviz's dot is required (PROVGRAPH_REQUIRE_GRAPHVIZ=1) but not installed")
    pytest.skip("needs graphviz's dot: apt-get install graphviz (scripts/test installs it)")


def test_rendering_through_dot(pks: dict[str, int]) -> None:
    _need_dot()
    graph = Graph()
    graph.recurse_descendants(pk_of(pks, "workflow"))
    assert b"<svg" in render(graph, "svg")
    assert render(graph, "png").startswith(b"\x89PNG")
    assert render(graph, "pdf").startswith(b"%PDF")
    assert render(graph, "dot").startswith(b"digraph")


def test_without_dot_only_dot_text_is_written(pks: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    graph = Graph()
    graph.add_node(pk_of(pks, "int"))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert render(graph, "dot").startswith(b"digraph")
    with pytest.raises(InvalidOperation, match=r"apt-get install graphviz.*--format dot"):
        render(graph, "svg")


def test_node_graph_command(pks: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    workflow = str(pk_of(pks, "workflow"))
    result = CliRunner().invoke(cli, ["node", "graph", workflow, "-F", "dot"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{workflow}.dot").read_text().startswith("digraph")
    assert f"Wrote {workflow}.dot" in result.stderr
    folded = CliRunner().invoke(cli, ["node", "graph", workflow, "--fold-workflows", "-F", "dot", "-o", "-"])
    assert folded.exit_code == 0
    assert "box3d" in folded.stdout
    folder = CliRunner().invoke(cli, ["node", "graph", workflow, "-F", "dot", "-o", str(tmp_path)])
    assert folder.exit_code == 2
    assert "is a directory" in folder.output  # click's own check
    empty = CliRunner().invoke(cli, ["node", "graph", workflow, "-F", "dot", "-o", ""])
    assert empty.exit_code == 2
    assert "is a folder" in empty.output  # "" is the current folder
    end = str(pks[MANIFEST["chain_end"]["uuid"]])
    refused = CliRunner().invoke(cli, ["node", "graph", end, "--max-nodes", "3", "-F", "dot"])
    assert refused.exit_code == 1
    assert refused.output.count("\n") == 1
    assert "more than 3 nodes" in refused.output
    assert "--max-nodes" in refused.output
    limited = CliRunner().invoke(
        cli, ["node", "graph", end, "-a", "1", "-d", "0", "-F", "dot", "-o", "small.dot"]
    )
    assert limited.exit_code == 0, limited.output
    assert (tmp_path / "small.dot").read_text().count("->") >= 1


def test_framed_workflows_show_their_calls_without_call_links(pks: dict[str, int]) -> None:
    workflow = pk_of(pks, "workflow")
    graph = Graph()
    graph.recurse_descendants(workflow, annotate_links="both")
    graph.recurse_ancestors(workflow, depth=1, annotate_links="both")
    _, plain_edges = drawn(graph)
    assert graph.cluster_workflows() == [workflow]
    source = graph.graphviz.source
    frame = source[source.index(f"subgraph cluster_{workflow} {{") :]
    frame = frame[: frame.index("\t}")]
    called = {
        target for source_pk, target, kind, _ in _links(pks) if source_pk == workflow and kind == "call_calc"
    }
    for pk in (workflow, *called):
        assert f"N{pk} [" in frame  # the workflow and what it called are inside its frame
    assert pk_of(pks, "workflow_result") not in {int(pk) for pk in re.findall(r"\tN(\d+) \[", frame)}
    nodes, edges = drawn(graph)
    assert set(nodes) == graph.nodes  # nothing hidden
    calls = [(a, b) for a, b, attributes in plain_edges if attributes["label"].startswith("CALL")]
    assert len(calls) == 2
    assert not [edge for edge in edges if edge[2]["label"].startswith("CALL")]
    assert len(edges) == len(plain_edges) - len(calls)


def test_node_graph_frames_workflows_unless_call_links_are_asked_for(
    pks: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    workflow = str(pk_of(pks, "workflow"))
    framed = CliRunner().invoke(cli, ["node", "graph", workflow, "-F", "dot", "-o", "-"])
    assert f"subgraph cluster_{workflow}" in framed.stdout
    assert "CALL_CALC" not in framed.stdout
    linked = CliRunner().invoke(cli, ["node", "graph", workflow, "--call-links", "-F", "dot", "-o", "-"])
    assert "cluster" not in linked.stdout
    assert linked.stdout.count("CALL_CALC") == 2
