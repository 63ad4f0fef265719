"""``provgraph.orm.utils.node``: aiida-core's node-type helpers over provgraph's class registry."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import DbContentError
from provgraph.orm.utils.node import (
    AbstractNodeMeta,
    get_query_type_from_type_string,
    get_type_string_from_class,
    is_valid_node_type_string,
    load_node_class,
)


def test_registered_types_load_as_their_class() -> None:
    assert load_node_class("") is orm.Node
    assert load_node_class("data.Data.") is orm.Data
    assert load_node_class("data.core.int.Int.") is orm.Int
    assert load_node_class("process.calculation.calcfunction.CalcFunctionNode.") is orm.CalcFunctionNode


def test_unknown_types_fall_back_as_in_aiida(recwarn: pytest.WarningsRecorder) -> None:
    assert load_node_class("data.core.some.non.existing.plugin.") is orm.Data
    assert load_node_class("data.core.int.Sub.") is orm.Int  # a plugin subclass not installed
    assert load_node_class("process.some.non.existing.plugin.") is orm.ProcessNode
    assert load_node_class("process.calculation.invalid.") is orm.CalculationNode
    assert load_node_class("process.") is orm.ProcessNode
    assert not recwarn.list
    for anomalous in ("__main__.SubData.", "node.data.dict.", "node.invalid.type.", "data.dict.", "data."):
        with pytest.warns(UserWarning, match=f"unknown type string `{anomalous}`"):
            assert load_node_class(anomalous) is orm.Data
    with pytest.raises(DbContentError, match="invalid"):
        load_node_class("data.dict")


def test_type_string_from_class() -> None:
    assert get_type_string_from_class("aiida.orm.nodes.data.dict", "Dict") == "data.core.dict.Dict."
    assert get_type_string_from_class("provgraph.orm.nodes.data.core.dict", "Dict") == "data.core.dict.Dict."
    assert get_type_string_from_class("aiida.orm.nodes.node", "Node") == ""
    process = get_type_string_from_class("aiida.orm.nodes.process.process", "ProcessNode")
    assert process == "process.ProcessNode."
    assert get_type_string_from_class("my_plugin.data", "Thing") == "my_plugin.data.Thing."
    assert get_type_string_from_class("aiida.orm.nodes.data.nothing", "Thing") == "data.nothing.Thing."


def test_valid_type_strings_and_query_prefixes() -> None:
    assert is_valid_node_type_string("")
    assert is_valid_node_type_string("data.dict.Dict.")
    assert not is_valid_node_type_string("data.dict")
    assert not is_valid_node_type_string("data.")
    with pytest.raises(DbContentError, match="invalid"):
        is_valid_node_type_string("data.dict", raise_on_false=True)
    assert get_query_type_from_type_string("data.core.int.Int.") == "data.core.int."
    assert get_query_type_from_type_string("") == ""
    with pytest.raises(DbContentError):
        get_query_type_from_type_string("data.")


def test_abstract_node_meta_still_defines_plugin_classes() -> None:
    class Plugin(orm.Data, metaclass=AbstractNodeMeta):
        pass

    assert isinstance(Plugin, AbstractNodeMeta)
    assert orm.load_node_class is load_node_class
