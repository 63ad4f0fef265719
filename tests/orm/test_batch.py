"""``store_many``: one transaction for many nodes, links inside the batch, all or nothing."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from provgraph.exceptions import (
    InputValidationError,
    InvalidOperation,
    LinkValidationError,
    ModificationNotAllowed,
)
from provgraph.orm.batch import store_many
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import CalcFunctionNode, ProcessNode
from provgraph.storage.abstract import EntityTypes, StorageBackend


def _chain(length: int, first: Data | None = None) -> list[Node]:
    """Data -> calc -> Data -> calc ... with every node unstored except maybe ``first``."""
    nodes: list[Node] = []
    data = first or Data()
    if not data.is_stored:
        nodes.append(data)
    for index in range(length):
        calc = CalcFunctionNode()
        calc.base.links.add_incoming(data, LinkType.INPUT_CALC, "x")
        data = Data()
        data.base.links.add_incoming(calc, LinkType.CREATE, "result")
        data.base.attributes.set("step", index)
        nodes += [calc, data]
    return nodes


def test_batch_with_internal_links(backend: StorageBackend) -> None:
    nodes = _chain(50)
    assert store_many(list(reversed(nodes))) == list(reversed(nodes))  # any order given
    assert all(node.is_stored for node in nodes)
    assert backend.count_rows(EntityTypes.NODE) == 101
    assert backend.count_rows(EntityTypes.LINK) == 100
    for previous, node in itertools.pairwise(nodes):
        assert node.base.links.get_incoming().one().node.pk == previous.pk
    last = Node.collection.get(pk=nodes[-1].pk)
    assert last.base.attributes.get("step") == 49
    assert all(node.base.links.incoming_cache == [] for node in nodes)


def test_pks_follow_the_given_order_where_links_allow(backend: StorageBackend) -> None:
    nodes = [Data(label=str(index)) for index in range(20)]
    store_many(nodes)
    pks = [node.pk for node in nodes]
    assert pks == sorted(pks)  # type: ignore[type-var]


def test_stored_sources_and_stored_nodes(backend: StorageBackend) -> None:
    source = Data().store()
    nodes = _chain(3, first=source)
    store_many([source, *nodes])  # a stored node in the list is left as it is
    assert nodes[0].base.links.get_incoming().one().node.pk == source.pk
    assert store_many([]) == []


def test_statements(backend: StorageBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    """One INSERT of nodes and one of links for the whole batch."""
    calls: list[tuple[str, int]] = []
    original = type(backend).bulk_insert

    def counting(self: StorageBackend, entity_type: Any, rows: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append((EntityTypes(entity_type).value, len(rows)))
        return original(self, entity_type, rows, *args, **kwargs)

    monkeypatch.setattr(type(backend), "bulk_insert", counting)
    store_many(_chain(100))
    assert calls == [("node", 201), ("link", 200)]


def test_cycle_refused(backend: StorageBackend) -> None:
    data = Data()
    calc = CalcFunctionNode()
    calc.base.links.add_incoming(data, LinkType.INPUT_CALC, "x")
    data.base.links.add_incoming(calc, LinkType.CREATE, "result")
    with pytest.raises(LinkValidationError, match="cycle"):
        store_many([data, calc])
    assert backend.count_rows(EntityTypes.NODE) == 0


def test_source_outside_batch_refused(backend: StorageBackend) -> None:
    outside = Data()
    calc = CalcFunctionNode()
    calc.base.links.add_incoming(outside, LinkType.INPUT_CALC, "x")
    with pytest.raises(ModificationNotAllowed, match="neither stored nor in the batch"):
        store_many([Data(), calc])
    assert backend.count_rows(EntityTypes.NODE) == 0


def test_duplicate_output_label_within_batch_refused(backend: StorageBackend) -> None:
    calc = CalcFunctionNode()
    outputs = []
    for _ in range(2):
        out = Data()
        out.base.links.add_incoming(calc, LinkType.CREATE, "result")
        outputs.append(out)
    with pytest.raises(LinkValidationError, match="two outgoing create links"):
        store_many([calc, *outputs])
    assert backend.count_rows(EntityTypes.NODE) == 0


def test_invalid_node_refuses_whole_batch(backend: StorageBackend) -> None:
    bad = Data()
    bad.base.extras.set("x", [1])
    bad.base.extras.get("x").append(float("nan"))
    with pytest.raises(InputValidationError):
        store_many([Data(), bad])
    with pytest.raises(InvalidOperation):
        store_many([Data(), ProcessNode()])
    assert backend.count_rows(EntityTypes.NODE) == 0


def test_failing_insert_leaves_nothing(backend: StorageBackend) -> None:
    nodes = _chain(5)
    nodes[-1]._row["user_id"] = 999_999  # no such user: the database refuses at commit
    with pytest.raises(InputValidationError, match="violates a database constraint"):
        store_many(nodes)
    assert backend.count_rows(EntityTypes.NODE) == 0
    assert backend.count_rows(EntityTypes.LINK) == 0
    assert not any(node.is_stored for node in nodes)
    assert nodes[1].base.links.incoming_cache  # still there for a retry
    nodes[-1]._row["user_id"] = nodes[0]._row["user_id"]
    store_many(nodes)
    assert backend.count_rows(EntityTypes.NODE) == 11


def test_store_all(backend: StorageBackend) -> None:
    inputs = [Data(), Data()]
    calc = CalcFunctionNode()
    for index, source in enumerate(inputs):
        calc.base.links.add_incoming(source, LinkType.INPUT_CALC, f"x{index}")
    calc.store_all()
    assert all(node.is_stored for node in [*inputs, calc])
    assert len(calc.base.links.get_incoming().all()) == 2


def test_repository_files_in_batch(backend: StorageBackend) -> None:
    nodes = [Data() for _ in range(3)]
    for index, node in enumerate(nodes):
        node.base.repository.put_object_from_bytes(f"content {index}".encode(), "f.txt")
    store_many(nodes)
    for index, node in enumerate(nodes):
        loaded = Node.collection.get(pk=node.pk)
        assert loaded.repository_metadata != {}
        assert loaded.base.repository.get_object_content("f.txt", mode="rb") == f"content {index}".encode()
