"""Hashes written at store, found by the backend's query, and used to store a process from cache."""

from __future__ import annotations

from typing import Any

import pytest

from provgraph.exceptions import InputValidationError, InvalidOperation
from provgraph.orm.batch import store_many
from provgraph.orm.nodes.caching import CACHED_FROM_KEY, HASH_EXTRA_KEY, NodeCaching
from provgraph.orm.nodes.caching_store import (
    find_cache_source,
    rehash_nodes,
    select_node_ids,
    store_from_cache,
)
from provgraph.orm.nodes.data import Data
from provgraph.orm.nodes.data.core import Dict
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import CalcFunctionNode, WorkFunctionNode
from provgraph.storage.abstract import EntityTypes, StorageBackend


def _load(backend: StorageBackend, pk: int | None) -> Node:
    (row,) = backend.get_rows(EntityTypes.NODE, {"id": pk})
    return Node._from_row(backend, row)


def _calculation(inputs: dict[str, Node], **attributes: Any) -> CalcFunctionNode:
    """An unstored calcfunction record; finished ok and sealed unless ``attributes`` say otherwise."""
    node = CalcFunctionNode()
    for label, source in inputs.items():
        node.base.links.add_incoming(source, LinkType.INPUT_CALC, label)
    node.base.attributes.set_many(
        {"process_state": "finished", "exit_status": 0, "sealed": True, "function_name": "add"} | attributes
    )
    return node


def _run(inputs: dict[str, Node], outputs: dict[str, Node], **attributes: Any) -> CalcFunctionNode:
    """A stored calculation that CREATEd ``outputs`` (stored with it, then sealed)."""
    node = _calculation(inputs, sealed=False, **attributes)
    for label, output in outputs.items():
        output.base.links.add_incoming(node, LinkType.CREATE, label)
    store_many([node, *outputs.values()])
    node.seal()
    return node


# -- hash at store ------------------------------------------------------------------------------


def test_store_writes_the_hash_in_the_insert(backend: StorageBackend) -> None:
    node = Dict({"a": 1, "b": [1.5, None]}).store()
    loaded = _load(backend, node.pk)
    assert loaded.base.caching.get_hash() == loaded.base.caching.compute_hash()
    assert loaded.base.extras.all == {HASH_EXTRA_KEY: node.base.caching.get_hash()}
    assert len(node.base.caching.get_hash() or "") == 64
    assert Data().store().base.caching.get_hash() != node.base.caching.get_hash()


def test_store_keeps_user_extras_and_replaces_a_stale_hash(backend: StorageBackend) -> None:
    node = Data(extras={"mine": 1, HASH_EXTRA_KEY: "stale"}).store()
    extras = _load(backend, node.pk).base.extras.all
    assert extras["mine"] == 1
    assert extras[HASH_EXTRA_KEY] == node.base.caching.compute_hash() != "stale"


def test_process_hash_at_store_covers_its_inputs(backend: StorageBackend) -> None:
    x = Dict({"x": 1}).store()
    calc = _calculation({"x": x}).store()
    loaded = _load(backend, calc.pk)
    assert loaded.base.caching.get_hash() == loaded.base.caching.compute_hash()
    assert loaded.base.caching.get_objects_to_hash()["inputs"] == {"x": x.base.caching.get_hash()}


def test_store_many_hashes_with_in_batch_sources(backend: StorageBackend) -> None:
    x, y = Dict({"x": 1}), Dict({"y": 2})
    calc = _calculation({"x": x, "y": y})
    store_many([calc, y, x])  # sources after their target: the batch orders them
    for node in (x, y, calc):
        loaded = _load(backend, node.pk)
        assert loaded.base.caching.get_hash() is not None
        assert loaded.base.caching.get_hash() == loaded.base.caching.compute_hash()


# -- look-ups -----------------------------------------------------------------------------------


def test_find_nodes_by_hash_on_the_backend(backend: StorageBackend) -> None:
    first, second = Dict({"v": 1}).store(), Dict({"v": 1}).store()
    other = Dict({"v": 2}).store()
    node_hash = first.base.caching.get_hash() or ""
    assert backend.find_nodes_by_hash("data.core.dict.Dict.", node_hash) == [first.pk, second.pk]
    assert backend.find_nodes_by_hash("data.Data.", node_hash) == []
    assert backend.find_nodes_by_hash("data.core.dict.Dict.", "0" * 64) == []
    other.base.caching.clear_hash()
    assert backend.find_nodes_by_hash("data.core.dict.Dict.", other.base.caching.compute_hash() or "") == []
    other.base.caching.rehash()
    assert backend.find_nodes_by_hash("data.core.dict.Dict.", other.base.caching.get_hash() or "") == [
        other.pk
    ]


def test_get_all_same_nodes_sees_stored_hashes_without_rehash(backend: StorageBackend) -> None:
    x = Dict({"x": 1}).store()
    first, second = _calculation({"x": x}).store(), _calculation({"x": x}).store()
    assert [node.pk for node in second.base.caching.get_all_same_nodes()] == [first.pk, second.pk]
    first.base.caching.clear_hash()
    assert [node.pk for node in second.base.caching.get_all_same_nodes()] == [second.pk]


def test_node_base_caching_is_a_view_of_the_node(backend: StorageBackend) -> None:
    node = Data()
    assert isinstance(node.base.caching, NodeCaching)
    assert node.base.caching._node is node


# -- cache sources --------------------------------------------------------------------------------


def test_find_cache_source_picks_the_first_valid_equal_process(backend: StorageBackend) -> None:
    x = Dict({"x": 1}).store()
    _run({"x": x}, {}, process_state="excepted")  # not finished
    _run({"x": x}, {}, exit_status=1)  # finished, not ok
    invalid = _run({"x": x}, {})
    invalid.base.caching.is_valid_cache = False
    good = _run({"x": x}, {})
    _run({"x": x}, {})  # a later equal one: the first wins
    _run({"x": Dict({"x": 2}).store()}, {})  # other input
    assert find_cache_source(_calculation({"x": x}, process_state="created", sealed=False)) == good
    equal_input = Dict({"x": 1}).store()  # a different node with the same content hashes alike
    assert find_cache_source(_calculation({"x": equal_input})) == good
    assert find_cache_source(_calculation({"x": x}, function_name="other")) is None
    assert find_cache_source(_calculation({"x": Dict({"x": 1})})) is None  # unstored input
    with pytest.raises(InvalidOperation, match="stored already"):
        find_cache_source(good)


def test_find_cache_source_ignores_uncachable_classes(backend: StorageBackend) -> None:
    x = Dict({"x": 1}).store()
    workflow = WorkFunctionNode()
    workflow.base.links.add_incoming(x, LinkType.INPUT_WORK, "x")
    assert find_cache_source(workflow) is None


def test_store_from_cache_clones_outputs_and_seals(backend: StorageBackend) -> None:
    x = Dict({"x": 1}).store()
    result, extra = Dict({"sum": 2}), Data()
    extra.base.repository.put_object_from_bytes(b"content", "out/file.txt")
    source = _run({"x": x}, {"result": result, "extra": extra})
    source.label, source.description = "add", "adds"
    node = _calculation({"x": x}, process_state="created", exit_status=None, sealed=False)
    node.process_type = "my_module.add"
    assert find_cache_source(node) == source
    node.base.repository.put_object_from_bytes(b"mine", "own.txt")  # replaced by the source's files
    objects_before = set(backend.get_repository().list_objects())

    store_from_cache(node, source)

    loaded = _load(backend, node.pk)
    assert loaded.base.extras.get(CACHED_FROM_KEY) == source.uuid
    assert loaded.base.caching.get_cache_source() == source.uuid
    assert loaded.base.caching.get_hash() == source.base.caching.get_hash()
    assert loaded.base.attributes.get("sealed") is True
    assert loaded.base.attributes.get("process_state") == "finished"
    assert loaded.base.attributes.get("exit_status") == 0
    assert (loaded.label, loaded.description, loaded.process_type) == ("add", "adds", "my_module.add")
    assert loaded.repository_metadata == source.repository_metadata
    # Files are shared by key: no object was added (not even the node's own, replaced, file).
    assert set(backend.get_repository().list_objects()) == objects_before
    assert [triple.link_label for triple in loaded.base.links.get_incoming().all()] == ["x"]
    outputs = {triple.link_label: triple.node for triple in loaded.base.links.get_outgoing().all()}
    assert set(outputs) == {"result", "extra"}
    assert outputs["result"].uuid != result.uuid
    assert outputs["result"].base.attributes.all == {"sum": 2}
    assert outputs["extra"].base.repository.get_object_content("out/file.txt", mode="rb") == b"content"
    assert all(output.base.caching.get_hash() for output in outputs.values())
    assert {t.link_label for t in source.base.links.get_outgoing().all()} == {"result", "extra"}


def test_store_from_cache_refusals(backend: StorageBackend) -> None:
    x = Dict({"x": 1}).store()
    source = _run({"x": x}, {})
    with pytest.raises(InvalidOperation, match="not stored"):
        store_from_cache(_calculation({"x": x}), _calculation({"x": x}))
    with pytest.raises(InvalidOperation, match="stored already"):
        store_from_cache(source, source)
    workflow = WorkFunctionNode()
    workflow.base.links.add_incoming(x, LinkType.INPUT_WORK, "x")
    workflow.store()
    with pytest.raises(InputValidationError, match="types must be equal"):
        store_from_cache(_calculation({"x": x}), workflow)
    returning = WorkFunctionNode()
    returning.base.attributes.set_many({"process_state": "finished", "exit_status": 0})
    returning.store()
    x.base.links.add_incoming(returning, LinkType.RETURN, "out")
    fresh = WorkFunctionNode()
    with pytest.raises(ValueError, match="RETURN links"):
        store_from_cache(fresh, returning)
    assert not fresh.is_stored


# -- rehash -----------------------------------------------------------------------------------------


def test_rehash_nodes_restores_cleared_hashes_in_batches(backend: StorageBackend) -> None:
    nodes = [Dict({"i": index}).store() for index in range(5)]
    data = Data().store()
    for node in [*nodes, data]:
        node.base.caching.clear_hash()
    batches: list[int] = []
    count = rehash_nodes(backend, node_type_prefix="data.core.", batch_size=2, on_batch=batches.append)
    assert (count, batches) == (5, [2, 2, 1])
    for node in nodes:
        loaded = _load(backend, node.pk)
        assert loaded.base.caching.get_hash() == loaded.base.caching.compute_hash()
    assert _load(backend, data.pk).base.caching.get_hash() is None
    assert rehash_nodes(backend, [data.pk or 0, 10**9]) == 1
    assert _load(backend, data.pk).base.caching.get_hash() == data.base.caching.compute_hash()
    with pytest.raises(InputValidationError, match="batch_size"):
        rehash_nodes(backend, batch_size=0)


def test_select_node_ids_matches_the_prefix_exactly(backend: StorageBackend) -> None:
    data, dict_node = Data().store(), Dict({}).store()
    assert select_node_ids(backend) == [data.pk, dict_node.pk]
    assert select_node_ids(backend, node_type_prefix="data.core") == [dict_node.pk]
    assert select_node_ids(backend, node_type_prefix="data_core") == []  # '_' is no wildcard
    assert select_node_ids(backend, [dict_node.pk or 0, 10**9]) == [dict_node.pk]


def test_store_of_a_calculation_uses_the_cache_when_enabled(backend: StorageBackend) -> None:
    """aiida-core's rule: ``node.store()`` of a calculation copies a valid one of the same hash,
    when caching is enabled for its process type, and stores it anew otherwise."""
    from provgraph.caching import disable_caching, enable_caching
    from provgraph.orm.nodes.process import CalcJobNode, ProcessState

    def calculation() -> CalcJobNode:
        node = CalcJobNode(process_type="aiida.calculations:core.arithmetic.add", backend=backend)
        node.base.repository.put_object_from_bytes(b"content", "relative/path")
        return node

    source = calculation()
    source.set_process_state(ProcessState.FINISHED)
    source.store().seal()

    with disable_caching():
        fresh = calculation().store()
    assert not fresh.base.caching.is_created_from_cache

    with enable_caching(identifier="aiida.calculations:core.arithmetic.add"):
        cached = calculation().store()
        data = Data(backend=backend).store()  # not a calculation: never from a cache
    assert cached.base.caching.get_cache_source() == source.uuid
    assert cached.base.repository.hash() == source.base.repository.hash()
    assert not data.base.caching.is_created_from_cache

    with enable_caching(identifier="some.other:process"):
        assert not calculation().store().base.caching.is_created_from_cache
