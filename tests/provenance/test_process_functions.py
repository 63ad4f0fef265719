"""calcfunction / workfunction: the graph a call records, on both SQL backends."""

from __future__ import annotations

from typing import Any, cast

import pytest

import provgraph
from provgraph import orm
from provgraph.exceptions import InputValidationError, LinkValidationError, ModificationNotAllowed
from provgraph.orm import LinkType
from provgraph.provenance import ExitCode, calcfunction, current_process, workfunction


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@calcfunction
def explode(x: Any) -> Any:
    raise ValueError(f"deliberate failure for {x.value}")


@calcfunction
def refuse(x: Any) -> Any:
    return ExitCode(400, "input refused")


@calcfunction
def plain(x: Any) -> Any:
    return 3


@calcfunction
def echo(x: Any) -> Any:
    return x


@calcfunction
def split(x: Any) -> Any:
    return {"low": orm.Int(x.value - 1), "high": orm.Int(x.value + 1), "ns": {"same": orm.Int(x.value)}}


@calcfunction
def variadic(first: Any, *args: Any, scale: Any = 2, **kwargs: Any) -> Any:
    total = first.value + sum(arg.value for arg in args) + sum(node.value for node in _leaves(kwargs))
    return orm.Int(total * scale.value)


def _leaves(mapping: dict[str, Any]) -> list[Any]:
    found: list[Any] = []
    for value in mapping.values():
        found += _leaves(value) if isinstance(value, dict) else [value]
    return found


@workfunction
def add_twice(a: Any, b: Any) -> Any:
    partial = add(a, b)
    return {"total": add(partial, orm.Int(1))}


@workfunction
def outer(a: Any) -> Any:
    return inner(a)


@workfunction
def inner(a: Any) -> Any:
    return add_twice(a, a)["total"]


@workfunction
def creates(a: Any) -> Any:
    return orm.Int(5)


def _incoming(node: orm.Node, link_type: LinkType) -> dict[str, Any]:
    return {triple.link_label: triple.node for triple in node.base.links.get_incoming(link_type=link_type)}


def _last_process() -> orm.ProcessNode:
    node = max(orm.ProcessNode.collection.all(), key=lambda node: node.pk or 0)
    assert isinstance(node, orm.ProcessNode)
    return node


def test_calcfunction_records_inputs_node_and_output() -> None:
    result, node = add.run_get_node(orm.Int(1), 2)
    assert result.value == 3
    assert result.is_stored
    assert isinstance(node, orm.CalcFunctionNode)
    assert node.is_finished_ok
    assert node.is_sealed
    inputs = _incoming(node, LinkType.INPUT_CALC)
    assert {label: source.value for label, source in inputs.items()} == {"x": 1, "y": 2}
    assert all(source.is_stored for source in inputs.values())
    creator = result.base.links.get_incoming(link_type=LinkType.CREATE).one()
    assert (creator.node.pk, creator.link_label) == (node.pk, "result")


def test_process_attributes_follow_aiida() -> None:
    _, node = add.run_get_node(1, 2)
    loaded: Any = orm.load_node(node.pk)
    attributes = loaded.base.attributes.all
    assert attributes["process_state"] == "finished"
    assert attributes["exit_status"] == 0
    assert attributes["process_label"] == "add"
    assert attributes["sealed"] is True
    assert attributes["function_name"] == "add"
    assert attributes["function_namespace"] == __name__
    assert attributes["function_starting_line_number"] == cast(Any, add).__wrapped__.__code__.co_firstlineno
    assert attributes["function_number_of_lines"] == 3
    assert "metadata_inputs" in attributes
    assert loaded.process_type == f"{__name__}.add"
    assert loaded.label == "add"
    assert loaded.node_type == "process.calculation.calcfunction.CalcFunctionNode."
    source = loaded.base.repository.get_object_content("source_file")
    assert "def add(x: Any, y: Any)" in source
    assert loaded.get_source_code_function().startswith("@calcfunction\ndef add")


def test_run_get_pk_and_run() -> None:
    result, pk = add.run_get_pk(orm.Int(4), orm.Int(5))
    assert result.value == 9
    loaded: Any = orm.load_node(pk)
    assert loaded.is_finished_ok
    assert add.run(1, 1).value == 2


def test_varargs_kwargs_and_namespaces_get_aiida_labels() -> None:
    result, node = variadic.run_get_node(1, 2, 3, extra=4, ns={"deep": orm.Int(5)})
    assert result.value == (1 + 2 + 3 + 4 + 5) * 2
    labels = {label: source.value for label, source in _incoming(node, LinkType.INPUT_CALC).items()}
    assert labels == {"first": 1, "args_0": 2, "args_1": 3, "scale": 2, "extra": 4, "ns__deep": 5}


def test_a_namespace_holds_nodes_only() -> None:
    """As in aiida-core: inside a namespace a plain value is refused (a dict there is a namespace)."""
    with pytest.raises(ValueError, match=r"value 'ns.deep' is not of the right type"):
        variadic.run_get_node(1, ns={"deep": 5})


def test_dict_outputs_are_flattened() -> None:
    result, node = split.run_get_node(10)
    assert result["low"].value == 9
    assert result["ns"]["same"].value == 10
    created = {
        t.link_label: cast(Any, t.node).value for t in node.base.links.get_outgoing(link_type=LinkType.CREATE)
    }
    assert created == {"low": 9, "high": 11, "ns__same": 10}


def test_workfunction_calls_calcfunctions() -> None:
    total, workflow = add_twice.run_get_node(orm.Int(2), orm.Int(3))
    total = total["total"]
    assert total.value == 6
    assert isinstance(workflow, orm.WorkFunctionNode)
    assert workflow.is_finished_ok
    assert _incoming(total, LinkType.RETURN) == {"total": workflow}
    calls = workflow.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()
    assert [triple.link_label for triple in calls] == ["CALL", "CALL"]
    assert all(isinstance(t.node, orm.CalcFunctionNode) and t.node.caller == workflow for t in calls)
    assert sorted(_incoming(workflow, LinkType.INPUT_WORK)) == ["a", "b"]
    assert current_process() is None


def test_nested_workfunctions_get_call_work_links() -> None:
    result, top = outer.run_get_node(1)
    assert result["result"].value == 3 if isinstance(result, dict) else result.value == 3
    (middle,) = top.called
    assert isinstance(middle, orm.WorkFunctionNode)
    assert top.base.links.get_outgoing(link_type=LinkType.CALL_WORK).one().link_label == "CALL"
    assert len(middle.called) == 1
    assert len(middle.called[0].called) == 2


def test_exception_leaves_an_excepted_node_and_a_log() -> None:
    with pytest.raises(ValueError, match="deliberate failure for 7"):
        explode(orm.Int(7))
    node = _last_process()
    assert node.is_excepted
    assert node.is_sealed
    assert not node.is_finished_ok
    assert node.exception == "ValueError: deliberate failure for 7"
    assert node.exit_status is None
    assert not node.base.links.get_outgoing().all()
    (log,) = orm.Log.collection.get_logs_for(node)
    assert log.loggername == "aiida.orm.nodes.process.calculation.calcfunction.CalcFunctionNode"
    assert log.levelname == "REPORT"
    assert log.message.startswith(f"[{node.pk}|explode|on_except]: Traceback")
    assert "deliberate failure for 7" in log.message


def test_exception_in_nested_call_excepts_the_workflow_too() -> None:
    @workfunction
    def calls_explode(a: Any) -> Any:
        return explode(a)

    with pytest.raises(ValueError, match="deliberate failure for 1"):
        calls_explode(1)
    workflow = max(orm.WorkFunctionNode.collection.all(), key=lambda node: node.pk or 0)
    assert isinstance(workflow, orm.WorkFunctionNode)
    assert workflow.is_excepted
    assert workflow.called[0].is_excepted


def test_exit_code_marks_the_node_failed() -> None:
    result, node = refuse.run_get_node(1)
    assert result == {}
    assert node.is_finished
    assert node.is_failed
    assert not node.is_finished_ok
    assert (node.exit_status, node.exit_message) == (400, "input refused")
    assert node.exit_code == ExitCode(400, "input refused")
    assert node.is_sealed


def test_plain_return_value_is_refused_and_recorded() -> None:
    with pytest.raises(TypeError, match="returned a int"):  # aiida-core's type; an InputValidationError too
        plain(1)
    node = _last_process()
    assert node.is_excepted
    assert node.is_sealed
    assert "OutputTypeError: calcfunction plain returned a int" in (node.exception or "")
    assert not node.base.links.get_outgoing().all()


def test_calcfunction_cannot_return_an_input() -> None:
    before = orm.Node.collection.count()
    with pytest.raises(LinkValidationError, match="must create new data"):
        echo(orm.Int(1))
    node = _last_process()
    assert node.is_excepted
    assert not node.base.links.get_outgoing().all()
    assert orm.Node.collection.count() == before + 2  # the input and the excepted node, nothing more


def test_workfunction_cannot_create_data() -> None:
    with pytest.raises(LinkValidationError, match="only return stored data"):
        creates(1)
    node = _last_process()
    assert node.is_excepted
    assert not node.base.links.get_outgoing().all()


def test_failed_output_leaves_no_half_written_outputs() -> None:
    @calcfunction
    def half(x: Any) -> Any:
        return {"good": orm.Int(1), "bad": x}

    with pytest.raises(LinkValidationError):
        half(orm.Int(2))
    node = _last_process()
    assert node.is_excepted
    assert not node.base.links.get_outgoing().all()


def test_calcfunction_may_not_call_processes() -> None:
    @calcfunction
    def calls(x: Any) -> Any:
        return add(x, x)

    with pytest.raises(LinkValidationError, match="only workflows"):
        calls(1)


def test_wrong_arguments_store_nothing() -> None:
    before = orm.Node.collection.count()
    with pytest.raises(TypeError, match=r"add\(\) takes 2 positional arguments but 3 were given"):
        add(1, 2, 3)
    with pytest.raises(ValueError, match="missing a required argument: 'y'"):
        add(1)
    with pytest.raises(ValueError, match="unexpected keyword argument 'z'"):
        add(1, 2, z=3)
    with pytest.raises(InputValidationError, match="cannot turn"):
        add(1, object())
    assert orm.Node.collection.count() == before


def test_sealed_node_refuses_changes() -> None:
    _result, node = add.run_get_node(1, 2)
    with pytest.raises(ModificationNotAllowed):
        node.base.attributes.set("process_state", "running")
    with pytest.raises(ModificationNotAllowed):
        orm.Int(1).base.links.add_incoming(node, LinkType.CREATE, "more")
    node.base.extras.set("tag", 1)  # extras stay changeable
    assert orm.load_node(node.pk).base.extras.get("tag") == 1


def test_caching_reuses_an_identical_call() -> None:
    a, b = orm.Int(6).store(), orm.Int(7).store()
    _, first = add.run_get_node(a, b)
    with provgraph.enable_caching():
        result, second = add.run_get_node(a, b)
    assert second.pk != first.pk
    assert result.value == 13
    assert second.base.extras.get("_aiida_cached_from") == first.uuid
    assert second.is_finished_ok
    assert second.is_sealed


def test_many_calls_are_cheap() -> None:
    import time

    a, b = orm.Int(1).store(), orm.Int(2).store()
    start = time.perf_counter()
    for _ in range(50):
        add(a, b)
    assert 50 / (time.perf_counter() - start) > 20  # far above aiida-core's ~4/s even on a busy CI box
