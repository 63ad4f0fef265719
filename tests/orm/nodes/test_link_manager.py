"""Reading links: get_incoming / get_outgoing filters and the LinkManager helpers."""

from __future__ import annotations

from typing import Any

import pytest

from provgraph.exceptions import MultipleObjectsError, NotExistent
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.links import LinkManager, LinkTriple
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import CalcFunctionNode, WorkflowNode
from provgraph.storage.abstract import StorageBackend


def _calc_with_inputs(labels: list[str]) -> tuple[CalcFunctionNode, list[Data]]:
    inputs = [Data(label=label).store() for label in labels]
    calc = CalcFunctionNode()
    for label, source in zip(labels, inputs, strict=True):
        calc.base.links.add_incoming(source, LinkType.INPUT_CALC, label)
    return calc, inputs


def test_filters_on_stored_and_cached_links(backend: StorageBackend) -> None:
    calc, inputs = _calc_with_inputs(["a", "b_1", "b_2", "bx"])
    caller = WorkflowNode().store()
    calc.base.links.add_incoming(caller, LinkType.CALL_CALC, "CALL")
    for stored in (False, True):
        if stored:
            calc.store()
        links = calc.base.links
        assert len(links.get_incoming().all()) == 5
        assert links.get_incoming(link_type=LinkType.CALL_CALC).one().node.pk == caller.pk
        assert len(links.get_incoming(link_type=(LinkType.INPUT_CALC, LinkType.CALL_CALC)).all()) == 5
        assert links.get_incoming(node_class=WorkflowNode).all_nodes() == [caller]
        assert sorted(links.get_incoming(node_class=Data).all_link_labels()) == ["a", "b_1", "b_2", "bx"]
        assert sorted(links.get_incoming(link_label_filter="b%").all_link_labels()) == ["b_1", "b_2", "bx"]
        # ``_`` matches any one character, as in SQL LIKE
        assert sorted(links.get_incoming(link_label_filter="b_1").all_link_labels()) == ["b_1"]
        assert sorted(links.get_incoming(link_label_filter="b__").all_link_labels()) == ["b_1", "b_2"]
        uuids = links.get_incoming(link_type=LinkType.INPUT_CALC, only_uuid=True).all_nodes()
        assert sorted(uuids) == sorted(node.uuid for node in inputs)  # type: ignore[type-var]


def test_outgoing_links(backend: StorageBackend) -> None:
    calc = CalcFunctionNode().store()
    outputs = []
    for label in ("x", "y"):
        out = Data()
        out.base.links.add_incoming(calc, LinkType.CREATE, label)
        outputs.append(out.store())
    outgoing = calc.base.links.get_outgoing()
    assert [t.link_label for t in outgoing] == ["x", "y"]
    assert [n.pk for n in outgoing.all_nodes()] == [n.pk for n in outputs]
    assert all(type(n) is Data for n in outgoing.all_nodes())
    assert calc.base.links.get_outgoing(link_type=LinkType.RETURN).all() == []
    assert Data().base.links.get_outgoing().all() == []  # unstored: no stored outgoing links


def test_link_manager_helpers(backend: StorageBackend) -> None:
    calc, inputs = _calc_with_inputs(["x", "y"])
    calc.store()
    manager = calc.base.links.get_incoming()
    assert isinstance(manager, LinkManager)
    assert bool(manager)
    assert len(manager) == 2
    first = manager.first()
    assert first is not None
    assert isinstance(first, LinkTriple)
    assert first.link_label == "x"
    assert manager.get_node_by_label("y").pk == inputs[1].pk
    assert [pair.link_label for pair in manager.all_link_pairs()] == ["x", "y"]
    with pytest.raises(MultipleObjectsError):
        manager.one()
    with pytest.raises(NotExistent, match="'z'"):
        manager.get_node_by_label("z")
    empty = calc.base.links.get_incoming(link_type=LinkType.CALL_CALC)
    assert not empty
    assert empty.first() is None
    with pytest.raises(NotExistent):
        empty.one()


def test_get_node_by_label_duplicate(backend: StorageBackend) -> None:
    data = Data().store()
    for workflow in (WorkflowNode().store(), WorkflowNode().store()):
        data.base.links.add_incoming(workflow, LinkType.RETURN, "result")
    with pytest.raises(MultipleObjectsError):
        data.base.links.get_incoming().get_node_by_label("result")


def test_nested(backend: StorageBackend) -> None:
    calc, inputs = _calc_with_inputs(["z", "parameters__x", "parameters__deep__y", "a"])
    calc.store()
    nested: dict[str, Any] = calc.base.links.get_incoming().nested()
    assert list(nested) == ["parameters", "a", "z"]  # namespaces first, then nodes, by name
    assert nested["parameters"]["x"].pk == inputs[1].pk
    assert nested["parameters"]["deep"]["y"].pk == inputs[2].pk
    assert nested["a"].pk == inputs[3].pk


def test_nested_conflicts() -> None:
    node = object()
    clash = LinkManager(
        [
            LinkTriple(node, LinkType.INPUT_CALC, "a"),  # type: ignore[arg-type]
            LinkTriple(node, LinkType.INPUT_CALC, "a__b"),  # type: ignore[arg-type]
        ]
    )
    with pytest.raises(KeyError):
        clash.nested()
    twice = LinkManager(
        [
            LinkTriple(node, LinkType.INPUT_CALC, "a"),  # type: ignore[arg-type]
            LinkTriple(node, LinkType.CALL_CALC, "a"),  # type: ignore[arg-type]
        ]
    )
    with pytest.raises(KeyError, match="duplicate"):
        twice.nested()


def test_neighbours_load_in_two_queries(backend: StorageBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    calc, _ = _calc_with_inputs([f"x{i}" for i in range(50)])
    calc.store()
    calls: list[str] = []
    original = type(backend).get_rows

    def counting(self: StorageBackend, entity_type: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(str(entity_type))
        return original(self, entity_type, *args, **kwargs)

    monkeypatch.setattr(type(backend), "get_rows", counting)
    loaded = Node.collection.get(pk=calc.pk)
    calls.clear()
    assert len(loaded.base.links.get_incoming().all()) == 50
    assert len(calls) == 2


def test_data_creator(backend: StorageBackend) -> None:
    calc = CalcFunctionNode().store()
    out = Data()
    assert out.creator is None
    out.base.links.add_incoming(calc, LinkType.CREATE, "result")
    out.store()
    creator = Node.collection.get(pk=out.pk).creator  # type: ignore[attr-defined]
    assert creator is not None
    assert creator.pk == calc.pk
