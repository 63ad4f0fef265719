"""aiida-core's process-function API: Process.current, launchers, defaults, metadata, outputs, logs."""

from __future__ import annotations

from typing import Any

import pytest

import provgraph
from provgraph import orm
from provgraph.exceptions import InvalidOperation
from provgraph.orm import LinkType
from provgraph.orm.logs import Log
from provgraph.provenance import calcfunction, workfunction
from provgraph.provenance.functions import ResultAndNode, is_process_function
from provgraph.provenance.launch import run, run_get_node, run_get_pk
from provgraph.provenance.process import Process

SEEN: list[Any] = []


@calcfunction
def reporting(x: Any) -> Any:
    process = Process.current()
    assert process is not None
    SEEN.append(process.node)
    process.report("got %d", x.value)
    return orm.Int(x.value + 1)


@calcfunction
def reporting_then_failing(x: Any) -> Any:
    Process.current().report("about to fail")  # type: ignore[union-attr]
    raise RuntimeError("failed on purpose")


@workfunction
def nested_outputs(x: Any) -> Any:
    return {"a.b": x, "c": {"d": x}}


@workfunction
def with_lambda_default(x: Any = lambda: orm.Int(7)) -> Any:
    return x


@calcfunction
def overlap(args_0: Any, *args: Any) -> Any:
    return orm.Int(1)


@calcfunction
def calls_another(x: Any) -> Any:
    return reporting(x)


def test_process_current_is_the_running_call() -> None:
    assert Process.current() is None
    result, node = reporting.run_get_node(1)
    assert result.value == 2
    assert SEEN[-1] is node
    assert Process.current() is None
    assert Process.SINGLE_OUTPUT_LINKNAME == "result"


def test_reports_of_a_running_calcfunction_are_written_with_its_node() -> None:
    _, node = reporting.run_get_node(4)
    (log,) = Log.collection.get_logs_for(node)
    assert log.levelname == "REPORT"
    assert log.message == f"[{node.pk}|reporting|reporting]: got 4"
    assert log.metadata["funcName"] == "reporting"  # the record points at the function that reported


def test_reports_before_a_failure_are_kept_with_the_traceback() -> None:
    with pytest.raises(RuntimeError, match="failed on purpose"):
        reporting_then_failing(1)
    node = (
        orm.QueryBuilder()
        .append(orm.CalcFunctionNode)
        .order_by({orm.CalcFunctionNode: {"id": "desc"}})
        .first()
    )
    assert node is not None
    messages = [log.message for log in Log.collection.get_logs_for(node[0])]
    assert messages[0].endswith("about to fail")
    assert "RuntimeError: failed on purpose" in messages[1]


def test_launchers_run_process_functions() -> None:
    assert run(reporting, x=orm.Int(1)).value == 2
    found = run_get_node(reporting, {"x": orm.Int(2)})
    assert isinstance(found, ResultAndNode)
    assert (found.result.value, found.node.is_finished_ok) == (3, True)
    result, pk = run_get_pk(reporting, x=3)
    assert (result.value, orm.load_node(pk).process_label) == (4, "reporting")
    with pytest.raises(TypeError, match="process functions"):
        run(orm.Int, value=1)
    assert is_process_function(reporting)
    assert not is_process_function(len)


def test_dotted_output_keys_are_namespaces() -> None:
    x = orm.Int(1).store()
    result, node = nested_outputs.run_get_node(x)
    assert result == {"a": {"b": x}, "c": {"d": x}}
    labels = sorted(t.link_label for t in node.base.links.get_outgoing(link_type=LinkType.RETURN))
    assert labels == ["a__b", "c__d"]
    assert node.outputs.a.b.uuid == x.uuid


def test_a_callable_default_is_called_per_call() -> None:
    first, second = with_lambda_default(), with_lambda_default()
    assert (first.value, second.value) == (7, 7)
    assert first.uuid != second.uuid


def test_a_varargs_label_clashing_with_a_parameter_is_a_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="variadic argument with index `0` would get the label `args_0`"):
        overlap(1, 2)


def test_a_calculation_cannot_call_a_process() -> None:
    with pytest.raises(InvalidOperation, match="only workflows"):
        calls_another(1)
    result, node = calls_another.run_get_node(1, metadata={"store_provenance": False})
    assert result.value == 2
    assert not node.is_stored


def test_the_version_attribute_names_provgraph_as_core() -> None:
    _, node = reporting.run_get_node(1)
    assert node.base.attributes.get("version")["core"] == provgraph.__version__


def test_process_class_and_type() -> None:
    assert reporting.process_class.__name__ == "reporting"
    assert reporting.process_type == f"{__name__}.reporting"
    assert reporting.node_class is orm.CalcFunctionNode
