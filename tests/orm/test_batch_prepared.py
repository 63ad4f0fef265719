"""``prepare_rows`` + ``store_many(prepared=...)``: content fixed before the store, written as fixed."""

from __future__ import annotations

import io

import pytest

from provgraph.exceptions import InvalidOperation, ModificationNotAllowed
from provgraph.orm import Dict, Int, SinglefileData
from provgraph.orm.batch import prepare_rows, store_many
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import CalcFunctionNode, ProcessNode
from provgraph.storage.abstract import EntityTypes, StorageBackend


def _stored(node: Node) -> Node:
    return Node.collection.get(pk=node.pk)


def test_prepared_content_is_written_with_the_current_extras_and_label(backend: StorageBackend) -> None:
    node = Dict({"a": 1})
    prepared = prepare_rows([node])
    node.label = "later"
    node.base.extras.set("tag", "later")
    prepared.check_unchanged()
    store_many([node], prepared=prepared)
    loaded = _stored(node)
    assert loaded.base.attributes.all == {"a": 1}
    assert loaded.label == "later"
    assert loaded.base.extras.get("tag") == "later"
    assert loaded.base.caching.get_hash() == loaded.base.caching.compute_hash()


def test_a_process_hashed_with_its_prepared_sources(backend: StorageBackend) -> None:
    source, files = Int(1), SinglefileData(io.BytesIO(b"abc"), filename="f.txt")
    calc = CalcFunctionNode()
    calc.base.links.add_incoming(source, LinkType.INPUT_CALC, "x")
    calc.base.links.add_incoming(files, LinkType.INPUT_CALC, "f")
    prepared = prepare_rows([source, files])
    store_many([calc, files, source], prepared=prepared)  # any order
    for node in (source, files, calc):
        caching = _stored(node).base.caching
        assert caching.get_hash() == caching.compute_hash()
    assert backend.count_rows(EntityTypes.LINK) == 2


@pytest.mark.parametrize("change", ["attribute", "files", "user"])
def test_changed_content_is_refused(backend: StorageBackend, change: str) -> None:
    node = SinglefileData(io.BytesIO(b"abc"), filename="f.txt")
    prepared = prepare_rows([node])
    if change == "attribute":
        node.base.attributes.set("filename", "g.txt")
    elif change == "files":
        node.base.repository.put_object_from_bytes(b"more", "g.txt")
    else:
        node._row["user_id"] = -1
    with pytest.raises(ModificationNotAllowed, match=f"{'user_id' if change == 'user' else change}"):
        prepared.check_unchanged()


def test_a_change_through_a_reference_that_cleans_equal_is_no_change(backend: StorageBackend) -> None:
    node = Data()
    node.base.attributes.set("pair", [1, 2])
    prepared = prepare_rows([node])
    node._row["attributes"]["pair"] = (1, 2)  # a tuple is stored as the same list
    prepared.check_unchanged()
    store_many([node], prepared=prepared)
    assert _stored(node).base.attributes.get("pair") == [1, 2]


def test_a_prepared_node_stored_in_between_is_left_as_it_is(backend: StorageBackend) -> None:
    node = Int(3)
    prepared = prepare_rows([node])
    node.store()
    pk = node.pk
    prepared.check_unchanged()
    store_many([node], prepared=prepared)
    assert node.pk == pk
    assert backend.count_rows(EntityTypes.NODE) == 1


def test_unstorable_nodes_are_refused_when_prepared(backend: StorageBackend) -> None:
    with pytest.raises(InvalidOperation, match="cannot be stored"):
        prepare_rows([ProcessNode()])


def test_files_are_in_the_object_store_once_prepared(backend: StorageBackend) -> None:
    node = SinglefileData(io.BytesIO(b"prepared content"), filename="f.txt")
    prepare_rows([node])
    repository = backend.get_repository()
    assert b"prepared content" in [repository.get_object_content(key) for key in repository.list_objects()]
    assert backend.count_rows(EntityTypes.NODE) == 0
