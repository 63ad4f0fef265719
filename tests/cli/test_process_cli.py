"""``provgraph process list|show|report|status`` on real storages of both SQL backends."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from provgraph import orm
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
def registered(registered_profile: Profile, monkeypatch: pytest.MonkeyPatch) -> Profile:
    """The loaded test profile (see ``registered_profile`` in tests/conftest.py), wide tables."""
    monkeypatch.setenv("COLUMNS", "200")
    return registered_profile


def _process(
    cls: type[ProcessNode],
    label: str,
    state: str,
    *,
    exit_status: int | None = None,
    inputs: dict[str, Node] | None = None,
    caller: ProcessNode | None = None,
    **attributes: Any,
) -> ProcessNode:
    """A stored process node with its state set before storing, as the engine would leave it."""
    node = cls()
    node.set_process_label(label)
    node.set_process_state(state)
    if exit_status is not None:
        node.set_exit_status(exit_status)
    for key, value in attributes.items():
        node.base.attributes.set(key, value)
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

    def everything(self) -> list[int]:
        """Every process pk in creation order (the backdated one first)."""
        nodes = (self.old, self.outer, self.add, self.inner, self.pending, self.lonely)
        return [node.pk for node in nodes if node.pk is not None]


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
    lonely = _process(CalcFunctionNode, "lonely", "running", process_status="Waiting for the scheduler")
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
    return [int(line.split()[0]) for line in result.stdout.splitlines() if line.strip()[:1].isdigit()]


def assert_one_line_error(result: Result, exit_code: int = 1) -> str:
    assert result.exit_code == exit_code, result.output
    assert result.output.startswith("Error: "), result.output
    assert result.output.count("\n") == 1, result.output
    return result.output


# -- list -----------------------------------------------------------------------------------------


def test_list_default_shows_active_only(graph: Graph) -> None:
    result = run("list")
    assert _listed_pks(result) == [graph.pending.pk, graph.lonely.pk]
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PK", "Created", "Process", "label", "Cached", "State", "Process", "status"]
    assert lines[2].rstrip().endswith("Running  Waiting for the scheduler")
    assert "Waiting" in lines[1]
    created = datetime.fromisoformat(" ".join(lines[1].split()[1:3]))
    assert abs(created - graph.pending.ctime.astimezone().replace(tzinfo=None)) < timedelta(seconds=1)
    assert "Total results: 2" in result.stdout
    assert "add -a/--all" in result.stdout


def test_list_all_order_and_limit(graph: Graph) -> None:
    everything = graph.everything()
    result = run("list", "--all")
    assert _listed_pks(result) == everything  # by ctime: the backdated one first
    assert "Finished [0]" in result.stdout
    assert "Excepted" in result.stdout
    assert "Total results: 6" in result.stdout
    assert "--all" not in result.stdout  # no hint when everything is listed
    assert _listed_pks(run("list", "-a", "--past-days", "2")) == everything[1:]
    assert _listed_pks(run("list", "-a", "-p", "11")) == everything
    assert _listed_pks(run("list", "-a", "-l", "2")) == everything[-2:]  # the newest two, oldest first
    assert _listed_pks(run("list", "-a", "-l", "2", "-D", "desc")) == everything[::-1][:2]
    assert _listed_pks(run("list", "-a", "--order-direction", "desc")) == everything[::-1]
    assert _listed_pks(run("list", "-a", "-O", "id", "--order-dir", "desc")) == sorted(
        everything, reverse=True
    )
    assert _listed_pks(run("list", "-a", "-O", "pk")) == sorted(everything)
    assert run("list", "-l", "0").exit_code == 2
    assert run("list", "-O", "label").exit_code == 2


def test_list_state_label_and_exit_filters(graph: Graph) -> None:
    failed = _process(CalcFunctionNode, "add", "finished", exit_status=3, exit_message="negative input")
    paused = _process(CalcFunctionNode, "sleepy", "waiting", paused=True)
    assert _listed_pks(run("list", "-S", "finished")) == [graph.outer.pk, graph.add.pk, failed.pk]
    both = run("list", "-S", "excepted", "killed")  # several values after one -S, as verdi
    assert _listed_pks(both) == [graph.old.pk, graph.inner.pk]
    assert _listed_pks(run("list", "-S", "excepted", "-S", "killed")) == [graph.old.pk, graph.inner.pk]
    assert _listed_pks(run("list", "-S", "created")) == []
    assert "Total results: 0" in run("list", "-S", "created").stdout
    assert run("list", "-S", "bogus").exit_code == 2
    assert _listed_pks(run("list", "-E", "0")) == [graph.outer.pk, graph.add.pk]
    assert _listed_pks(run("list", "-E", "3")) == [failed.pk]
    failures = run("list", "-X", "-P", "pk", "exit_status", "exit_message")
    assert _listed_pks(failures) == [failed.pk]
    assert failures.stdout.splitlines()[1].split() == [str(failed.pk), "3", "negative", "input"]
    assert _listed_pks(run("list", "-a", "-L", "add")) == [graph.add.pk, failed.pk]
    assert _listed_pks(run("list", "-a", "-L", "o%")) == [graph.old.pk, graph.outer.pk]  # LIKE with %
    assert _listed_pks(run("list", "--paused")) == [paused.pk]
    assert "Waiting (paused)" in run("list", "--paused").stdout


def test_list_group(graph: Graph) -> None:
    chosen = orm.Group("chosen").store()
    chosen.add_nodes([graph.outer, graph.lonely, graph.x])
    assert _listed_pks(run("list", "-a", "-G", "chosen")) == [graph.outer.pk, graph.lonely.pk]
    assert _listed_pks(run("list", "-G", str(chosen.pk))) == [graph.lonely.pk]
    assert "no Group" in assert_one_line_error(run("list", "-G", "nosuch"))


def test_list_projections(graph: Graph) -> None:
    computer = orm.Computer("cluster", "cluster.example.org").store()
    remote = CalcFunctionNode()
    remote.set_process_label("remote")
    remote.set_process_state("running")
    remote.computer = computer
    remote.store()
    result = run("list", "-P", "pk", "process_state", "computer", "uuid", "sealed", "paused", "node_type")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "PK",
        "Process",
        "state",
        "Computer",
        "UUID",
        "Sealed",
        "Paused",
        "Node",
        "type",
    ]
    by_pk = {line.split()[0]: line.split() for line in lines[1:] if line[:1].isdigit()}
    assert by_pk[str(remote.pk)] == [
        str(remote.pk),
        "Running",
        "cluster",
        remote.uuid,
        "False",
        "False",
        remote.node_type,
    ]
    assert by_pk[str(graph.lonely.pk)][2] == graph.lonely.uuid  # no computer: an empty cell
    every = run("list", "-a", "-P", *_all_projections())
    assert every.exit_code == 0, every.output
    assert "Total results: 7" in every.stdout
    assert run("list", "-P", "bogus").exit_code == 2


def _all_projections() -> list[str]:
    from provgraph.cli.process_list import PROJECTIONS

    return list(PROJECTIONS)


def test_list_machine_formats(graph: Graph) -> None:
    result = run("list", "-a", "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)  # nothing else on standard output
    assert [record["pk"] for record in records] == graph.everything()
    first = next(record for record in records if record["pk"] == graph.outer.pk)
    assert list(first) == ["pk", "ctime", "process_label", "cached", "state", "process_status"]
    assert first["state"] == "Finished [0]"
    assert first["cached"] is False
    assert datetime.fromisoformat(first["ctime"]) == graph.outer.ctime
    assert result.stderr == "Total results: 6\n"
    assert json.loads(run("list", "-a", "--json", "-P", "pk", "exit_status").stdout)[1] == {
        "pk": graph.outer.pk,
        "exit_status": 0,
    }
    as_yaml = yaml.safe_load(run("list", "--format", "yaml", "-P", "pk", "process_state").stdout)
    assert as_yaml == [
        {"pk": graph.pending.pk, "process_state": "waiting"},
        {"pk": graph.lonely.pk, "process_state": "running"},
    ]
    tsv = run("list", "-F", "tsv", "-P", "pk", "state", "process_status").stdout.splitlines()
    assert tsv == [
        "pk\tstate\tprocess_status",
        f"{graph.pending.pk}\tWaiting\t",
        f"{graph.lonely.pk}\tRunning\tWaiting for the scheduler",
    ]
    assert "[]" in run("list", "-S", "created", "--json").stdout


def test_list_raw_and_cached(graph: Graph) -> None:
    result = run("list", "-a", "-r", "-P", "pk", "state")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [f"{graph.old.pk}\tKilled", f"{graph.outer.pk}\tFinished [0]"]
    assert "Total" not in result.output
    assert len(result.output.splitlines()) == 6
    assert run("list", "-r", "--json").exit_code == 2

    # A process taken from the cache: marked, with verdi's hint lines under a table.
    graph.add.base.extras.set("_aiida_cached_from", graph.outer.uuid)
    result = run("list", "-a")
    row = next(line for line in result.stdout.splitlines() if line.startswith(f"{graph.add.pk} "))
    assert " yes " in row
    assert "taken from the cache" in result.stdout
    assert "-P pk cached_from" in result.stdout
    assert "taken from the cache" not in run("list").stdout  # no cached process listed
    sources = run("list", "-a", "-P", "pk", "cached_from", "--json").stdout
    assert {"pk": graph.add.pk, "cached_from": graph.outer.uuid} in json.loads(sources)


def test_list_is_one_streamed_query(graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    """No node objects, no query per row, and no ``all()``: rows go from iterall to the screen."""
    from provgraph.orm.querybuilder import QueryBuilder

    storage = graph.x.backend
    calls: list[str] = []
    original = type(storage).query_rows

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append("query_rows")
        return original(self, *args, **kwargs)

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the listing must stream with iterall")

    monkeypatch.setattr(type(storage), "query_rows", counted)
    monkeypatch.setattr(QueryBuilder, "all", refused)
    monkeypatch.setattr(Node, "__init__", refused)
    result = run("list", "-a", "-P", *_all_projections())
    assert result.exit_code == 0, result.output
    assert calls == ["query_rows"]


def test_a_profile_without_processes(registered: Profile) -> None:
    Data().store()
    result = run("list", "--all")
    assert _listed_pks(result) == []
    assert "Total results: 0" in result.output
    for command in ("show", "report", "status"):
        assert "no process nodes" in assert_one_line_error(run(command, "-M"))


# -- show -----------------------------------------------------------------------------------------


def test_show(graph: Graph) -> None:
    result = run("show", str(graph.outer.pk))
    assert result.exit_code == 0, result.output
    output = result.output
    details = dict(
        line.split(None, 1) if " " in line else (line, "") for line in output.split("\n\n")[0].splitlines()
    )
    assert details["uuid"].strip() == graph.outer.uuid
    assert details["type"].strip() == "WorkFunctionNode"
    assert "Finished [0]" in output
    assert "finished" not in output.replace("Finished", "")  # every state capitalised
    local = graph.outer.ctime.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert local in output  # local time to the second, as every command shows it
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
    assert graph.outer.ctime.isoformat() in run("show", str(graph.outer.pk), "--raw-times").output

    result = run("show", graph.pending.uuid[:10])
    assert result.exit_code == 0, result.output
    assert f"Caller: inner<{graph.inner.pk}>" in result.output
    assert "Outputs: none" in result.output
    assert "Called: none" in result.output
    assert "Log messages: 1" in result.output
    assert "Log messages: 0" in run("show", str(graph.lonely.pk)).output


def test_show_machine_formats(graph: Graph) -> None:
    result = run("show", str(graph.outer.pk), "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert record["pk"] == graph.outer.pk
    assert record["state"] == "Finished [0]"
    assert record["process_state"] == "finished"
    assert record["exit_status"] == 0
    assert datetime.fromisoformat(record["ctime"]) == graph.outer.ctime
    assert {"link_label": "x", "link_type": "input_work", "pk": graph.x.pk, "type": "Data"} in record[
        "inputs"
    ]
    assert [item["pk"] for item in record["called"]] == [graph.add.pk, graph.inner.pk]
    assert record["caller"] is None
    assert record["log_messages"] == 2
    as_yaml = yaml.safe_load(run("show", str(graph.pending.pk), "-F", "yaml").output)
    assert as_yaml["caller"] == {"pk": graph.inner.pk, "process_label": "inner"}
    assert as_yaml["state"] == "Waiting"
    several = json.loads(run("show", str(graph.add.pk), str(graph.old.pk), "--json").output)
    assert [item["pk"] for item in several] == [graph.add.pk, graph.old.pk]
    tsv = run("show", str(graph.add.pk), "--format", "tsv").output.splitlines()
    assert tsv[0] == "key\tvalue"
    assert f"pk\t{graph.add.pk}" in tsv


def test_show_several_and_most_recent(graph: Graph) -> None:
    result = run("show", str(graph.add.pk), str(graph.lonely.pk))
    assert result.exit_code == 0, result.output
    assert result.output.count("Log messages:") == 2
    newest = run("show", "-M")
    assert newest.exit_code == 0, newest.output
    assert graph.lonely.uuid in newest.output  # the backdated 'old' was stored last but is older
    assert run("show", "-M", str(graph.add.pk)).exit_code == 2
    assert "Missing argument 'PROCESS...'" in run("show").output
    assert run("show").exit_code == 2


def test_show_exception(registered: Profile) -> None:
    node = WorkFunctionNode()
    node.set_process_state("excepted")
    node.set_exception("Traceback (most recent call last):\n  ...\nValueError: bad input 42\n")
    node.store()
    result = run("show", str(node.pk))
    assert result.exit_code == 0, result.output
    assert "ValueError: bad input 42" in result.output
    assert "Traceback" not in result.output
    assert "Traceback" in json.loads(run("show", str(node.pk), "--json").output)["exception"]


# -- report ---------------------------------------------------------------------------------------


def test_report(graph: Graph) -> None:
    result = run("report", str(graph.outer.pk))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith("[REPORT] provgraph.test: outer starts")
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc).astimezone()
    assert lines[0].startswith(moment.strftime("%Y-%m-%d %H:%M:%S"))
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
    assert "outer detail" in run("report", str(graph.outer.pk), "-l", "info").output
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
    both = run("report", str(graph.add.pk), str(graph.pending.pk)).output.splitlines()
    assert [line.rsplit(": ", 1)[-1] for line in both] == ["add warns", "pending waits"]
    silent = run("report", str(graph.lonely.pk))
    assert silent.exit_code == 0, silent.output
    assert (
        silent.output == f"No log messages recorded for process {graph.lonely.pk} at level REPORT or above\n"
    )


# -- status ---------------------------------------------------------------------------------------


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
    labelled = run("status", str(graph.inner.pk), "-c").output.splitlines()
    assert labelled[1] == f"└── pending<{graph.pending.pk}> [CALL] Waiting"
    assert run("status", "-M").output == f"lonely<{graph.lonely.pk}> Running\n"
    unlabelled = CalcFunctionNode()
    unlabelled.set_process_state("waiting")
    unlabelled.base.attributes.set("paused", True)
    unlabelled.store()
    assert run("status", str(unlabelled.pk)).output == f"CalcFunctionNode<{unlabelled.pk}> Waiting (paused)\n"


def test_errors(graph: Graph) -> None:
    for command in ("show", "report", "status"):
        assert assert_one_line_error(run(command, "999999")).startswith("Error: no Node with pk")
        refused = assert_one_line_error(run(command, str(graph.x.pk)))
        assert refused.startswith(f"Error: Node {graph.x.pk} is a Data, not a process")
        by_uuid = assert_one_line_error(run(command, graph.x.uuid))
        assert by_uuid.startswith(f"Error: Node {graph.x.uuid} (pk {graph.x.pk}) is a Data")
        assert run(command).exit_code == 2
