"""``provgraph process ...`` on real storages of both SQL backends, with hand-built process graphs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner, Result

from provgraph.cli.process import process
from provgraph.config.profile import Profile
from provgraph.orm.logs import Log
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import CalcFunctionNode, ProcessNode, WorkFunctionNode
from provgraph.storage import EntityTypes


def run(*args: str) -> Result:
    return CliRunner().invoke(process, list(args))


@pytest.fixture
def registered(registered_profile: Profile) -> Profile:
    """The loaded test profile (see ``registered_profile`` in tests/conftest.py)."""
    return registered_profile


def _process(
    cls: type[ProcessNode],
    label: str,
    state: str,
    *,
    exit_status: int | None = None,
    inputs: dict[str, Node] | None = None,
    caller: ProcessNode | None = None,
) -> ProcessNode:
    """A stored process node with its state set before storing, as the engine would leave it."""
    node = cls()
    node.set_process_label(label)
    node.set_process_state(state)
    if exit_status is not None:
        node.set_exit_status(exit_status)
    is_calc = isinstance(node, CalcFunctionNode)
    for name, source in (inputs or {}).items():
        node.base.links.add_incoming(source, LinkType.INPUT_CALC if is_calc else LinkType.INPUT_WORK, name)
    if caller is not None:
        node.base.links.add_incoming(caller, LinkType.CALL_CALC if is_calc else LinkType.CALL_WORK, "CALL")
    return node.store()


@dataclass
class Graph:
    x: Data
    outer: ProcessNode  # finished [0], calls add and inner, returns result
    add: ProcessNode  # finished [0], creates result
    inner: ProcessNode  # excepted, calls pending
    pending: ProcessNode  # waiting
    lonely: ProcessNode  # running, top level
    old: ProcessNode  # killed, ten days old
    result: Data


def _log(node: Node, levelname: str, message: str, seconds: int = 0) -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc) + timedelta(seconds=seconds)
    assert node.pk is not None
    Log(moment, "provgraph.test", levelname, node.pk, message, backend=node.backend).store()


@pytest.fixture
def graph(registered: Profile) -> Graph:
    x = Data(label="x").store()
    outer = _process(WorkFunctionNode, "outer", "finished", exit_status=0, inputs={"x": x})
    add = _process(CalcFunctionNode, "add", "finished", exit_status=0, inputs={"x": x}, caller=outer)
    result = Data(label="result")
    result.base.links.add_incoming(add, LinkType.CREATE, "sum")
    result.store()
    result.base.links.add_incoming(outer, LinkType.RETURN, "result")
    inner = _process(WorkFunctionNode, "inner", "excepted", inputs={"x": x}, caller=outer)
    pending = _process(CalcFunctionNode, "pending", "waiting", inputs={"x": x}, caller=inner)
    lonely = _process(CalcFunctionNode, "lonely", "running")
    old = _process(CalcFunctionNode, "old", "killed")
    ten_days_ago = datetime.now(timezone.utc) - timedelta(days=10)
    old.backend.bulk_update(EntityTypes.NODE, [{"id": old.pk, "ctime": ten_days_ago}])
    _log(outer, "REPORT", "outer starts")
    _log(outer, "INFO", "outer detail", seconds=1)
    _log(add, "WARNING", "add warns", seconds=2)
    _log(inner, "ERROR", "inner fails", seconds=3)
    _log(pending, "REPORT", "pending waits", seconds=4)
    return Graph(x, outer, add, inner, pending, lonely, old, result)


def _listed_pks(result: Result) -> list[int]:
    """The pk column of a listing, in printed order."""
    assert result.exit_code == 0, result.output
    return [int(line.split()[0]) for line in result.output.splitlines() if line.strip()[:1].isdigit()]


def test_list_default_shows_active_only(graph: Graph) -> None:
    result = run("list")
    assert _listed_pks(result) == [graph.pending.pk, graph.lonely.pk]
    assert "Total results: 2" in result.output
    assert "--all" in result.output
    assert "Waiting" in result.output
    assert "Running" in result.output
    assert "ago" in result.output


def test_list_all_past_days_limit(graph: Graph) -> None:
    everything = [
        graph.old.pk,
        graph.outer.pk,
        graph.add.pk,
        graph.inner.pk,
        graph.pending.pk,
        graph.lonely.pk,
    ]
    result = run("list", "--all")
    assert _listed_pks(result) == everything  # ordered by ctime: the backdated one first
    assert "Finished [0]" in result.output
    assert "Total results: 6" in result.output
    assert "10d ago" in result.output
    assert _listed_pks(run("list", "-a", "--past-days", "2")) == everything[1:]
    assert _listed_pks(run("list", "-a", "-l", "2")) == everything[-2:]


def test_list_state_filter(graph: Graph) -> None:
    assert _listed_pks(run("list", "-S", "finished")) == [graph.outer.pk, graph.add.pk]
    assert _listed_pks(run("list", "-S", "excepted", "-S", "killed")) == [graph.old.pk, graph.inner.pk]
    result = run("list", "-S", "created")
    assert _listed_pks(result) == []
    assert "Total results: 0" in result.output
    assert run("list", "-S", "bogus").exit_code == 2


def test_list_ignores_data_nodes(registered: Profile) -> None:
    Data().store()
    result = run("list", "--all")
    assert _listed_pks(result) == []
    assert "Total results: 0" in result.output


def test_show(graph: Graph) -> None:
    result = run("show", str(graph.outer.pk))
    assert result.exit_code == 0, result.output
    output = result.output
    assert graph.outer.uuid in output
    assert "WorkFunctionNode" in output
    assert "Finished [0]" in output
    inputs, outputs = output.split("\nInputs:")[1].split("\nOutputs:")
    assert ["x", str(graph.x.pk), "Data"] in [line.split() for line in inputs.splitlines()]
    assert "result" in outputs
    assert str(graph.result.pk) in outputs
    assert "CALL" not in outputs  # called processes have their own section
    assert "Caller: none" in output
    called = output.split("\nCalled:")[1]
    assert str(graph.add.pk) in called
    assert "inner" in called
    assert "Excepted" in called
    assert f"Log messages: 2; see `provgraph process report {graph.outer.pk}`" in output

    result = run("show", graph.pending.uuid[:10])
    assert result.exit_code == 0, result.output
    assert f"Caller: inner<{graph.inner.pk}>" in result.output
    assert "Outputs: none" in result.output
    assert "Called: none" in result.output
    assert "Log messages: 1" in result.output
    assert "Log messages: 0" in run("show", str(graph.lonely.pk)).output


def test_show_exception(registered: Profile) -> None:
    node = WorkFunctionNode()
    node.set_process_state("excepted")
    node.set_exception("Traceback (most recent call last):\n  ...\nValueError: bad input 42\n")
    node.store()
    result = run("show", str(node.pk))
    assert result.exit_code == 0, result.output
    assert "ValueError: bad input 42" in result.output
    assert "Traceback" not in result.output


def test_report(graph: Graph) -> None:
    result = run("report", str(graph.outer.pk))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("[REPORT] provgraph.test: outer starts")
    assert "outer detail" not in result.output  # INFO is below the default REPORT
    assert lines[1] == f"+-> add<{graph.add.pk}> Finished [0]"
    assert lines[2].startswith("  ")
    assert lines[2].endswith("[WARNING] provgraph.test: add warns")
    assert lines[3] == f"+-> inner<{graph.inner.pk}> Excepted"
    assert lines[4].strip().endswith("inner fails")
    assert lines[5] == f"  +-> pending<{graph.pending.pk}> Waiting"
    assert lines[6].startswith("    ")
    assert lines[6].endswith("pending waits")
    assert len(lines) == 7

    detailed = run("report", str(graph.outer.pk), "--levelname", "INFO").output
    assert "[INFO] provgraph.test: outer detail" in detailed
    errors = run("report", str(graph.outer.pk), "-l", "ERROR").output
    assert "inner fails" in errors
    assert "add warns" not in errors
    assert "outer starts" not in errors
    shallow = run("report", str(graph.outer.pk), "--max-depth", "1").output
    assert "inner fails" in shallow
    assert "pending waits" not in shallow
    top = run("report", str(graph.outer.pk), "-m", "0").output
    assert top.splitlines() == [lines[0]]
    wide = run("report", str(graph.outer.pk), "-i", "4").output.splitlines()
    assert wide[6].startswith("        ")
    assert wide[6].endswith("pending waits")


def test_report_without_logs(graph: Graph) -> None:
    result = run("report", str(graph.lonely.pk))
    assert result.exit_code == 0, result.output
    assert (
        result.output == f"No log messages recorded for process {graph.lonely.pk} at level REPORT or above\n"
    )


def test_status(graph: Graph) -> None:
    result = run("status", str(graph.outer.pk))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"outer<{graph.outer.pk}> Finished [0]",
        f"├── add<{graph.add.pk}> Finished [0]",
        f"└── inner<{graph.inner.pk}> Excepted",
        f"    └── pending<{graph.pending.pk}> Waiting",
    ]
    assert len(run("status", str(graph.outer.pk), "--max-depth", "1").output.splitlines()) == 3
    assert run("status", str(graph.outer.pk), "-m", "0").output.splitlines() == [
        f"outer<{graph.outer.pk}> Finished [0]"
    ]
    assert run("status", graph.lonely.uuid).output == f"lonely<{graph.lonely.pk}> Running\n"


def test_status_unlabelled_and_paused(registered: Profile) -> None:
    node = CalcFunctionNode()
    node.set_process_state("waiting")
    node.base.attributes.set("paused", True)
    node.store()
    assert run("status", str(node.pk)).output == f"CalcFunctionNode<{node.pk}> Waiting (paused)\n"


@pytest.mark.parametrize("command", ["show", "report", "status"])
def test_errors(graph: Graph, command: str) -> None:
    result = run(command, "999999")
    assert result.exit_code == 1
    assert result.output.startswith("Error: no Node with pk")
    assert result.output.count("\n") == 1
    result = run(command, str(graph.x.pk))
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith(f"Error: node {graph.x.pk} (pk {graph.x.pk}) is a Data, not a process")
    assert run(command).exit_code == 2
