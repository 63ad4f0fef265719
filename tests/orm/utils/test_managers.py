"""``node.inputs`` / ``node.outputs``: neighbours by link label, nested namespaces, aiida-core's errors."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from provgraph import orm
from provgraph.common.extendeddicts import AttributeDict
from provgraph.common.warnings import AiidaDeprecationWarning
from provgraph.exceptions import NotExistent, NotExistentAttributeError, NotExistentKeyError
from provgraph.orm import LinkType
from provgraph.orm.utils.managers import NodeLinksManager


def _calculation() -> tuple[orm.CalculationNode, dict[str, orm.Data]]:
    first, nested = orm.Data().store(), orm.Data().store()
    calc = orm.CalculationNode()
    calc.base.links.add_incoming(first, LinkType.INPUT_CALC, "first")
    calc.base.links.add_incoming(nested, LinkType.INPUT_CALC, "ns__sub__leaf")
    calc.store()
    out = orm.Data()
    out.base.links.add_incoming(calc, LinkType.CREATE, "result")
    out.store()
    return calc, {"first": first, "nested": nested, "out": out}


def test_attribute_and_item_access_by_label() -> None:
    calc, nodes = _calculation()
    assert calc.inputs.first.uuid == nodes["first"].uuid
    assert calc.inputs["first"].uuid == nodes["first"].uuid
    assert calc.outputs.result.uuid == nodes["out"].uuid
    assert sorted(calc.inputs) == ["first", "ns"]
    assert {key for key in dir(calc.inputs) if not key.startswith("_")} == {"first", "ns"}
    assert "first" in calc.inputs
    assert "result" not in calc.inputs


def test_nested_namespaces_read_as_attribute_dicts() -> None:
    calc, nodes = _calculation()
    assert isinstance(calc.inputs.ns.sub, AttributeDict)
    assert calc.inputs.ns.sub.leaf.uuid == nodes["nested"].uuid
    assert "sub" in calc.inputs.ns


def test_double_underscore_labels_still_work_and_warn() -> None:
    calc, nodes = _calculation()
    with pytest.warns(AiidaDeprecationWarning, match="double underscores"):
        assert calc.inputs.ns__sub__leaf.uuid == nodes["nested"].uuid
    with pytest.warns(AiidaDeprecationWarning, match="double underscores"):
        assert "ns__sub" in calc.inputs
    with pytest.warns(AiidaDeprecationWarning), pytest.raises(AttributeError):
        _ = calc.inputs.first__deeper  # a node is not a namespace
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            _ = calc.inputs.__wrapped__  # dunder names are never labels and never warn


@pytest.mark.parametrize("error", [AttributeError, NotExistent, NotExistentAttributeError])
def test_a_missing_attribute_is_an_attribute_error(error: type[Exception]) -> None:
    calc, _ = _calculation()
    with pytest.raises(error, match="does not have an input with link label 'missing'"):
        _ = calc.inputs.missing
    assert getattr(calc.outputs, "missing", "default") == "default"


@pytest.mark.parametrize("error", [KeyError, NotExistent, NotExistentKeyError])
def test_a_missing_item_is_a_key_error(error: type[Exception]) -> None:
    calc, _ = _calculation()
    with pytest.raises(error):
        _ = calc.outputs["missing"]


def test_workflow_inputs_and_returns() -> None:
    data = orm.Int(1).store()
    workflow = orm.WorkflowNode()
    workflow.base.links.add_incoming(data, LinkType.INPUT_WORK, "x")
    workflow.store()
    data_returned = orm.Int(2).store()
    data_returned.base.links.add_incoming(workflow, LinkType.RETURN, "y")
    assert workflow.inputs.x.uuid == data.uuid
    assert workflow.outputs.y.uuid == data_returned.uuid
    assert "RETURN links" in str(workflow.outputs)


def test_the_manager_checks_its_arguments_and_keeps_aiidas_state_names() -> None:
    calc, _ = _calculation()
    with pytest.raises(TypeError):
        NodeLinksManager(node="not a node", link_type=LinkType.CREATE, incoming=False)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        NodeLinksManager(node=calc, link_type="create", incoming=False)  # type: ignore[arg-type]
    manager: Any = NodeLinksManager(node=calc, link_type=LinkType.CREATE, incoming=False)
    state = manager.__getstate__()
    assert (state["_node"], state["_link_type"], state["_incoming"]) == (calc, LinkType.CREATE, False)


def test_attribute_manager_reads_attributes_by_name() -> None:
    from provgraph.orm.utils.managers import AttributeManager

    node = orm.Dict({"alpha": 1, "beta": [2]}).store()
    attributes = AttributeManager(node)
    assert (attributes.alpha, attributes["beta"]) == (1, [2])
    assert sorted(attributes) == ["alpha", "beta"]
    assert {"alpha", "beta"} <= set(dir(attributes))
    with pytest.raises(NotExistentAttributeError):
        _ = attributes.gamma
    with pytest.raises(NotExistentKeyError):
        _ = attributes["gamma"]
