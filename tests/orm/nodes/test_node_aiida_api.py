"""aiida-core's Node API that scripts still use: constructor keywords, entry points, the
deprecated 2.x aliases, storing from a cache, repository keys, and what unstored nodes return."""

from __future__ import annotations

import copy
import io
import logging
from importlib.metadata import EntryPoint

import pytest

from provgraph import orm
from provgraph.common.hashing import HashingError as ValueHashingError
from provgraph.common.warnings import AiidaDeprecationWarning
from provgraph.exceptions import (
    HashingError,
    InputValidationError,
    InvalidOperation,
    LinkValidationError,
    ModificationNotAllowed,
)
from provgraph.orm.nodes.caching import NodeCaching
from provgraph.orm.nodes.link_types import LinkType
from provgraph.storage.abstract import StorageBackend


def test_process_type_is_a_constructor_keyword(backend: StorageBackend) -> None:
    node = orm.CalculationNode(process_type="aiida.calculations:core.arithmetic.add").store()
    assert orm.load_node(node.pk).process_type == "aiida.calculations:core.arithmetic.add"
    assert orm.CalculationNode().process_type is None


def test_entry_point_names_registered_classes_only(backend: StorageBackend) -> None:
    expected = EntryPoint("core.int", "provgraph.orm.nodes.data.core.int:Int", "provgraph.data")
    assert orm.Int.entry_point == expected
    assert orm.Int(1).entry_point == expected

    class Custom(orm.Data):
        pass

    assert Custom.entry_point is None
    assert orm.Node.entry_point is None


def test_deprecated_aliases_warn_and_reach_the_base_namespaces(backend: StorageBackend) -> None:
    node = orm.Data()
    with pytest.warns(AiidaDeprecationWarning, match=r"`Data.set_attribute` is deprecated.*attributes\.set"):
        node.set_attribute("a", 1)  # type: ignore[attr-defined]
    with pytest.warns(AiidaDeprecationWarning, match="get_attribute"):
        assert node.get_attribute("a") == 1  # type: ignore[attr-defined]
    with pytest.warns(AiidaDeprecationWarning, match="attributes"):
        assert node.attributes == {"a": 1}  # type: ignore[attr-defined]
    node.store()
    with pytest.warns(AiidaDeprecationWarning, match="set_extra"):
        node.set_extra("e", 2)  # type: ignore[attr-defined]
    assert orm.load_node(node.pk).base.extras.get("e") == 2
    with pytest.warns(AiidaDeprecationWarning, match="get_incoming"):
        assert node.get_incoming().all() == []  # type: ignore[attr-defined]
    with pytest.warns(AiidaDeprecationWarning, match="is_valid_cache"):
        assert node.is_valid_cache
    with pytest.warns(AiidaDeprecationWarning, match="list_object_names"):
        assert node.list_object_names() == []  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match="no attribute 'get_attributes_typo'"):
        _ = node.get_attributes_typo  # type: ignore[attr-defined]
    assert not hasattr(node, "seal")


def test_unstored_attributes_are_the_given_objects_until_stored(backend: StorageBackend) -> None:
    """aiida-core's behaviour: an unstored node holds (and returns) what it was given; the
    store copies, so afterwards neither the caller's objects nor returned values reach it."""
    original = {"nested": {"a": 1}}
    node = orm.Data()
    node.base.attributes.set("key", original)
    node.base.extras.set("key", original)
    assert node.base.attributes.get("key") is original
    assert node.base.attributes.all["key"] is original
    assert node.base.extras.get_many(["key"])[0] is original
    original["nested"]["a"] = 2
    assert node.base.attributes.get("key") == {"nested": {"a": 2}}

    node.base.attributes.set("converted", (1, 2))  # a tuple is kept as the list it will be
    assert node.base.attributes.get("converted") == [1, 2]

    node.store()
    original["nested"]["a"] = 3
    assert node.base.attributes.get("key") == {"nested": {"a": 2}}
    assert node.base.extras.get("key") == {"nested": {"a": 2}}
    returned = node.base.attributes.get("key")
    returned["nested"]["a"] = 4
    assert node.base.attributes.get("key") == {"nested": {"a": 2}}
    assert orm.load_node(node.pk).base.attributes.get("key") == {"nested": {"a": 2}}


def test_invalid_values_are_refused_when_set_even_if_kept_by_reference(backend: StorageBackend) -> None:
    node = orm.Data()
    with pytest.raises(InputValidationError, match="float"):
        node.base.attributes.set("bad", {"x": [float("nan")]})
    with pytest.raises(InputValidationError, match="JSON keys must be strings"):
        node.base.extras.set("bad", {1: "a"})
    assert "bad" not in node.base.attributes.all
    assert "bad" not in node.base.extras.all


def test_link_arguments_of_the_wrong_type_are_type_errors(backend: StorageBackend) -> None:
    target, source = orm.Data(), orm.CalculationNode()
    for arguments in ((source, None), (None, LinkType.CREATE), (source, LinkType.CREATE.value)):
        with pytest.raises(TypeError):
            target.base.links.validate_incoming(arguments[0], arguments[1], "label")  # type: ignore[arg-type]
    with pytest.raises(LinkValidationError):  # still provgraph's link error, and a ValueError
        target.base.links.validate_incoming(source, None, "label")  # type: ignore[arg-type]


def test_store_from_cache_copies_a_data_node_with_nested_files(backend: StorageBackend) -> None:
    data = orm.Data()
    data.base.attributes.set("x", 1)
    data.base.repository.put_object_from_bytes(b"content", "sub/file")
    data.store()
    clone = data.clone()
    clone._store_from_cache(data)
    assert clone.is_stored
    assert clone.base.caching.get_cache_source() == data.uuid
    assert clone.base.caching.get_hash() == data.base.caching.get_hash()
    assert clone.base.repository.get_object_content("sub/file", mode="rb") == b"content"
    assert "sealed" not in clone.base.attributes.all


def test_iter_repo_keys_lists_each_object_once(backend: StorageBackend) -> None:
    first = orm.Data()
    first.base.repository.put_object_from_filelike(io.BytesIO(b"value1"), "key1")
    first.base.repository.put_object_from_filelike(io.BytesIO(b"value1"), "key2")
    first.base.repository.put_object_from_filelike(io.BytesIO(b"value3"), "folder/key3")
    first.store()
    second = orm.Int(1)
    second.base.repository.put_object_from_filelike(io.BytesIO(b"value4"), "key1")
    second.store()
    keys = list(orm.Data.collection.iter_repo_keys(batch_size=1))
    assert len(keys) == len(set(keys)) == 3
    assert set(orm.Int.collection.iter_repo_keys()) == {second.base.repository.metadata["o"]["key1"]["k"]}


def test_hashing_errors_are_logged_on_the_node_logger(
    backend: StorageBackend, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    node = orm.Data().store()

    def fail(self: NodeCaching) -> dict[str, object]:
        raise HashingError("fake hashing error")

    monkeypatch.setattr(NodeCaching, "get_objects_to_hash", fail)
    with caplog.at_level(logging.ERROR):
        assert node.base.caching.compute_hash(ignore_errors=True) is None
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (node.logger.name, logging.ERROR, "Node hashing failed")
    ]
    with pytest.raises(HashingError, match="fake hashing error"):
        node.base.caching.compute_hash(ignore_errors=False)
    assert issubclass(ValueHashingError, HashingError)  # one except catches both


def test_is_valid_cache_takes_bools_only(backend: StorageBackend) -> None:
    node = orm.Data()
    with pytest.raises(TypeError, match="must be a bool"):
        node.base.caching.is_valid_cache = "false"  # type: ignore[assignment]
    node.base.caching.is_valid_cache = False
    assert not node.base.caching.is_valid_cache


def test_data_source_is_a_checked_attribute(backend: StorageBackend) -> None:
    node = orm.Data(source={"id": 1, "license": "CC0"})
    assert node.source == {"id": 1, "license": "CC0"}
    with pytest.raises(KeyError, match="Unknown source parameters: colour"):
        node.source = {"colour": "red"}
    with pytest.raises(ValueError, match="must be a dict"):
        node.set_source("somewhere")  # type: ignore[arg-type]
    node.store()
    with pytest.raises(ModificationNotAllowed):
        node.source = {"id": 2}
    assert orm.load_node(node.pk).source == {"id": 1, "license": "CC0"}


def test_deepcopy_of_a_data_node_is_a_clone_and_other_copies_are_refused(backend: StorageBackend) -> None:
    node = orm.Int(5).store()
    clone = copy.deepcopy(node)
    assert isinstance(clone, orm.Int)
    assert not clone.is_stored
    assert clone.value == 5
    assert clone.uuid != node.uuid
    with pytest.raises(InvalidOperation, match=r"use copy\.deepcopy"):
        copy.copy(node)
    process = orm.CalculationNode()
    with pytest.raises(InvalidOperation, match="deep copying a CalculationNode node is not supported"):
        copy.deepcopy(process)
    with pytest.raises(InvalidOperation, match="copying a CalculationNode node is not supported"):
        copy.copy(process)


def test_computer_pk_and_description(backend: StorageBackend) -> None:
    computer = orm.Computer(label="pk-test", hostname="localhost").store()
    node = orm.Data(computer=computer)
    assert node.get_computer_pk() == computer.pk
    assert orm.Data().get_computer_pk() is None
    assert orm.Data().get_description() == ""


def test_plugin_and_query_type_strings() -> None:
    assert orm.StructureData._plugin_type_string == "data.core.structure.StructureData."
    assert orm.Data()._plugin_type_string == "data.Data."
    assert orm.Int._query_type_string == "data.core.int."


def test_singlefile_from_content_keyword() -> None:
    text = orm.SinglefileData(content="abc", filename="x.txt").store()
    assert (text.get_content(), text.filename) == ("abc", "x.txt")
    binary = orm.SinglefileData(content=b"\x00\x01", filename="b.bin")
    assert binary.get_content(mode="rb") == b"\x00\x01"
    with pytest.raises(ValueError, match="not both"):
        orm.SinglefileData(io.BytesIO(b"x"), content="y")
