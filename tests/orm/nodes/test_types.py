"""The node_type registry: registering classes, prefixes, and loading unknown types."""

from __future__ import annotations

import pytest

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import CalculationNode, ProcessNode
from provgraph.orm.nodes.types import class_for_node_type, query_prefix, registered_node_types


@pytest.mark.parametrize(
    ("node_type", "prefix"),
    [
        ("", ""),
        ("data.Data.", "data."),
        ("data.core.int.Int.", "data.core.int."),
        ("process.calculation.calcjob.CalcJobNode.", "process.calculation.calcjob."),
    ],
)
def test_query_prefix(node_type: str, prefix: str) -> None:
    assert query_prefix(node_type) == prefix


def test_registration_and_rules() -> None:
    class PluginData(Data, node_type="data.test_plugin.thing.PluginData."):
        pass

    assert registered_node_types()["data.test_plugin.thing.PluginData."] is PluginData
    assert class_for_node_type("data.test_plugin.thing.PluginData.") is PluginData
    assert PluginData._class_filters()["node_type"].pattern == "data.test_plugin.thing.%"
    # an unknown type under the plugin's prefix loads as the plugin class
    assert class_for_node_type("data.test_plugin.thing.Other.") is PluginData

    with pytest.raises(InputValidationError, match="registered by"):

        class Clash(Data, node_type="data.test_plugin.thing.PluginData."):
            pass

    with pytest.raises(InputValidationError, match=r"must start with 'data\.'"):

        class Misplaced(Data, node_type="process.misplaced.Misplaced."):
            pass

    with pytest.raises(InputValidationError, match="must end with"):

        class NoDot(Data, node_type="data.nodot.NoDot"):
            pass


@pytest.mark.parametrize(
    ("node_type", "expected"),
    [
        ("data.unknown.plugin.Thing.", Data),
        ("process.calculation.unknown.Thing.", CalculationNode),
        ("process.unknown.Thing.", ProcessNode),
        ("something.else.Entirely.", Data),
        ("no_trailing_dot", Data),
        ("", Node),
    ],
)
def test_fallback_classes(node_type: str, expected: type[Node]) -> None:
    assert class_for_node_type(node_type) is expected
