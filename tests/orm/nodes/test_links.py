"""Link rules (every type, label, degree, cycle and process rule) and nothing written on refusal."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from provgraph.exceptions import LinkValidationError, ModificationNotAllowed
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import (
    CalcFunctionNode,
    CalcJobNode,
    CalculationNode,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
)
from provgraph.storage.abstract import EntityTypes, StorageBackend

CLASSES: list[type[Node]] = [
    Data,
    CalculationNode,
    CalcJobNode,
    CalcFunctionNode,
    WorkflowNode,
    WorkChainNode,
]

ALLOWED = {
    LinkType.CALL_CALC: (WorkflowNode, CalculationNode),
    LinkType.CALL_WORK: (WorkflowNode, WorkflowNode),
    LinkType.CREATE: (CalculationNode, Data),
    LinkType.INPUT_CALC: (Data, CalculationNode),
    LinkType.INPUT_WORK: (Data, WorkflowNode),
    LinkType.RETURN: (WorkflowNode, Data),
}


def _count_links(backend: StorageBackend) -> int:
    return backend.count_rows(EntityTypes.LINK)


def _refused(backend: StorageBackend, action: Callable[[], object], match: str | None = None) -> None:
    """The action raises LinkValidationError and writes no link."""
    before = _count_links(backend)
    with pytest.raises(LinkValidationError, match=match):
        action()
    assert _count_links(backend) == before


def _link(source: Node, target: Node, link_type: LinkType, label: str = "label") -> None:
    """Add a link the way the engine does: the target unstored unless it must be stored (RETURN)."""
    target.base.links.add_incoming(source, link_type, label)


def test_endpoint_classes(backend: StorageBackend) -> None:
    """Every link type between every pair of classes: allowed ones store, others write nothing."""
    for link_type, source_cls, target_cls in itertools.product(LinkType, CLASSES, CLASSES):
        allowed_source, allowed_target = ALLOWED[link_type]
        source = source_cls().store()
        target = target_cls()
        if link_type is LinkType.RETURN and issubclass(target_cls, Data):
            target.store()  # workflows return stored data only
        case = f"{link_type.value} {source_cls.__name__} -> {target_cls.__name__}"
        if issubclass(source_cls, allowed_source) and issubclass(target_cls, allowed_target):
            _link(source, target, link_type)
            target.store()
            triple = target.base.links.get_incoming().one()
            assert (triple.node.pk, triple.link_type, triple.link_label) == (source.pk, link_type, "label"), (
                case
            )
            assert source.base.links.get_outgoing().one().node.pk == target.pk, case
        else:
            _refused(backend, lambda: _link(source, target, link_type), match="link goes from")  # noqa: B023
            assert target.base.links.incoming_cache == [], case


def test_labels(backend: StorageBackend) -> None:
    source = Data().store()
    for label in ["", "_x", "x_", "1x", "a-b", "a b", "é", "a.b", "x" * 256, 5, None]:
        calc = CalcFunctionNode()
        _refused(backend, lambda: calc.base.links.add_incoming(source, LinkType.INPUT_CALC, label))  # type: ignore[arg-type]  # noqa: B023
    valid = ["x", "X1", "a_b", "parameters__x", "a" * 255]
    calc = CalcFunctionNode()
    for label in valid:
        calc.base.links.add_incoming(source, LinkType.INPUT_CALC, label)
    calc.store()
    assert calc.base.links.get_incoming().all_link_labels() == valid


def test_link_type_must_be_enum(backend: StorageBackend) -> None:
    calc = CalcFunctionNode()
    _refused(backend, lambda: calc.base.links.add_incoming(Data().store(), "input_calc", "x"))  # type: ignore[arg-type]
    _refused(backend, lambda: calc.base.links.add_incoming("not a node", LinkType.INPUT_CALC, "x"))  # type: ignore[arg-type]


def test_self_link(backend: StorageBackend) -> None:
    work = WorkflowNode()
    _refused(backend, lambda: work.base.links.add_incoming(work, LinkType.CALL_WORK, "me"), match="itself")


def test_input_labels_unique_per_target(backend: StorageBackend) -> None:
    first, second = Data().store(), Data().store()
    calc = CalcFunctionNode()
    calc.base.links.add_incoming(first, LinkType.INPUT_CALC, "x")
    _refused(backend, lambda: calc.base.links.add_incoming(second, LinkType.INPUT_CALC, "x"), match="label")
    _refused(backend, lambda: calc.base.links.add_incoming(first, LinkType.INPUT_CALC, "x"))
    calc.base.links.add_incoming(first, LinkType.INPUT_CALC, "y")  # same source, other label: fine
    calc.store()
    assert sorted(calc.base.links.get_incoming().all_link_labels()) == ["x", "y"]


def test_one_creator_per_data(backend: StorageBackend) -> None:
    calc, other = CalcFunctionNode().store(), CalcFunctionNode().store()
    out = Data()
    out.base.links.add_incoming(calc, LinkType.CREATE, "result")
    _refused(backend, lambda: out.base.links.add_incoming(other, LinkType.CREATE, "again"), match="creator")
    out.store()
    # also against stored links: a stored Data gets no second creator
    _refused(backend, lambda: out.base.links.add_incoming(CalculationNode().store(), LinkType.CREATE, "x"))
    assert out.base.links.get_incoming().one().node.pk == calc.pk


def test_output_labels_unique_per_creator(backend: StorageBackend) -> None:
    calc = CalcFunctionNode().store()
    first = Data()
    first.base.links.add_incoming(calc, LinkType.CREATE, "result")
    first.store()
    second = Data()
    _refused(
        backend, lambda: second.base.links.add_incoming(calc, LinkType.CREATE, "result"), match="outgoing"
    )
    second.base.links.add_incoming(calc, LinkType.CREATE, "other")
    second.store()
    assert sorted(calc.base.links.get_outgoing().all_link_labels()) == ["other", "result"]


def test_one_caller_per_process(backend: StorageBackend) -> None:
    caller, other = WorkflowNode().store(), WorkflowNode().store()
    called = CalcFunctionNode()
    called.base.links.add_incoming(caller, LinkType.CALL_CALC, "CALL")
    _refused(
        backend, lambda: called.base.links.add_incoming(other, LinkType.CALL_CALC, "CALL"), match="caller"
    )
    sub = WorkChainNode()
    sub.base.links.add_incoming(caller, LinkType.CALL_WORK, "CALL")
    _refused(backend, lambda: sub.base.links.add_incoming(other, LinkType.CALL_WORK, "other"))
    called.store()
    sub.store()
    assert len(caller.base.links.get_outgoing().all()) == 2


def test_return_links(backend: StorageBackend) -> None:
    data = Data().store()
    first, second = WorkflowNode().store(), WorkFunctionNode().store()
    data.base.links.add_incoming(first, LinkType.RETURN, "result")  # both stored: written at once
    data.base.links.add_incoming(second, LinkType.RETURN, "result")  # same label from another workflow
    assert len(data.base.links.get_incoming().all()) == 2
    _refused(backend, lambda: data.base.links.add_incoming(first, LinkType.RETURN, "result"))
    other = Data().store()
    _refused(
        backend, lambda: other.base.links.add_incoming(first, LinkType.RETURN, "result"), match="outgoing"
    )
    _refused(
        backend, lambda: Data().base.links.add_incoming(first, LinkType.RETURN, "new"), match="stored data"
    )


def test_calcfunction_creates_new_data_only(backend: StorageBackend) -> None:
    calc = CalcFunctionNode().store()
    stored = Data().store()
    _refused(
        backend, lambda: stored.base.links.add_incoming(calc, LinkType.CREATE, "result"), match="new data"
    )
    job = CalcJobNode().store()
    stored.base.links.add_incoming(job, LinkType.CREATE, "result")  # other calculations may
    assert stored.base.links.get_incoming().one().node.pk == job.pk


def test_stored_process_accepts_no_inputs(backend: StorageBackend) -> None:
    calc = CalcFunctionNode().store()
    _refused(
        backend,
        lambda: calc.base.links.add_incoming(Data().store(), LinkType.INPUT_CALC, "x"),
        match="stored",
    )
    work = WorkChainNode().store()
    _refused(backend, lambda: work.base.links.add_incoming(WorkflowNode().store(), LinkType.CALL_WORK, "c"))


def test_cycles_refused(backend: StorageBackend) -> None:
    data = Data().store()
    calc = CalculationNode()
    calc.base.links.add_incoming(data, LinkType.INPUT_CALC, "x")
    calc.store()
    out = Data()
    out.base.links.add_incoming(calc, LinkType.CREATE, "result")
    out.store()
    # out descends from data; a CREATE link from a calculation downstream of data back into it:
    downstream = CalculationNode()
    downstream.base.links.add_incoming(out, LinkType.INPUT_CALC, "x")
    downstream.store()
    _refused(
        backend, lambda: data.base.links.add_incoming(downstream, LinkType.CREATE, "loop"), match="cycle"
    )


def test_unstored_source_refused_at_store(backend: StorageBackend) -> None:
    source = Data()
    calc = CalcFunctionNode()
    calc.base.links.add_incoming(source, LinkType.INPUT_CALC, "x")
    with pytest.raises(ModificationNotAllowed, match="not stored"):
        calc.store()
    assert not calc.is_stored
    assert backend.count_rows(EntityTypes.NODE) == 0
    source.store()
    calc.store()
    assert calc.base.links.get_incoming().one().node.pk == source.pk


def test_stored_target_refuses_unstored_source(backend: StorageBackend) -> None:
    data = Data().store()
    _refused(
        backend, lambda: data.base.links.add_incoming(CalculationNode(), LinkType.CREATE, "x"), match="store"
    )


def test_links_between_stored_nodes_are_written_at_once(backend: StorageBackend) -> None:
    job = CalculationNode().store()
    data = Data().store()
    data.base.links.add_incoming(job, LinkType.CREATE, "result")
    (row,) = backend.get_rows(EntityTypes.LINK)
    assert (row["input_id"], row["output_id"], row["label"], row["type"]) == (
        job.pk,
        data.pk,
        "result",
        "create",
    )
    assert data.base.links.incoming_cache == []


def test_store_writes_cached_links_in_one_transaction(backend: StorageBackend) -> None:
    inputs = [Data().store() for _ in range(3)]
    calc = CalcFunctionNode()
    for index, source in enumerate(inputs):
        calc.base.links.add_incoming(source, LinkType.INPUT_CALC, f"x{index}")
    assert [t.link_label for t in calc.base.links.get_incoming().all()] == ["x0", "x1", "x2"]
    calc.store()
    assert calc.base.links.incoming_cache == []
    rows = backend.get_rows(EntityTypes.LINK, {"output_id": calc.pk})
    assert [(r["input_id"], r["label"]) for r in rows] == [(n.pk, f"x{i}") for i, n in enumerate(inputs)]


def test_failed_store_inside_transaction_leaves_nothing(backend: StorageBackend) -> None:
    before = backend.count_rows(EntityTypes.NODE)

    def store_then_fail() -> None:
        with backend.transaction():
            data = Data().store()
            calc = CalcFunctionNode()
            calc.base.links.add_incoming(data, LinkType.INPUT_CALC, "x")
            calc.store()
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError):
        store_then_fail()
    assert backend.count_rows(EntityTypes.NODE) == before
    assert _count_links(backend) == 0


def test_linked_node_cannot_be_deleted_alone(backend: StorageBackend) -> None:
    from provgraph.exceptions import InvalidOperation

    data = Data().store()
    calc = CalcFunctionNode()
    calc.base.links.add_incoming(data, LinkType.INPUT_CALC, "x")
    calc.store()
    with pytest.raises(InvalidOperation, match="links"):
        Node.collection.delete(data.pk)  # type: ignore[arg-type]
    assert backend.count_rows(EntityTypes.NODE) == 2
