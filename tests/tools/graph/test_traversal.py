"""Graph traversal rules and the set-based traversal, on small recorded graphs of each SQL backend."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, NotExistent
from provgraph.provenance import calcfunction, workfunction
from provgraph.storage.abstract import StorageBackend
from provgraph.tools.graph import (
    RULE_NAMES,
    GraphTraversalRules,
    LinkQuadruple,
    get_nodes_delete,
    get_nodes_export,
    traverse_graph,
    validate_traversal_rules,
)
from provgraph.tools.graph import traversal as traversal_module

pytestmark = pytest.mark.usefixtures("loaded_profile")


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@workfunction
def inner(a: Any) -> Any:
    return add(a, a)


@workfunction
def outer(a: Any) -> Any:
    return inner(a)


@dataclass
class Graph:
    """outer(a) calls inner(a), which calls add(a, a) creating s; both workflows return s."""

    a: int
    w_outer: int
    w_inner: int
    calc: int
    s: int

    def names(self, pks: set[int]) -> set[str]:
        return {name for name, pk in vars(self).items() if pk in pks}


@pytest.fixture
def graph() -> Graph:
    a = orm.Int(3).store()
    s = outer(a)
    w_outer = s.base.links.get_incoming(link_type=orm.LinkType.RETURN).all()
    calc = s.base.links.get_incoming(link_type=orm.LinkType.CREATE).one().node
    w_inner = calc.base.links.get_incoming(link_type=orm.LinkType.CALL_CALC).one().node
    (outer_node,) = [triple.node for triple in w_outer if triple.node.pk != w_inner.pk]
    return Graph(a=a.pk, w_outer=outer_node.pk, w_inner=w_inner.pk, calc=calc.pk, s=s.pk)


# (rule, starting node, nodes found) for each of the 12 rules followed alone.
SINGLE_RULES = [
    ("input_calc_forward", "a", {"a", "calc"}),
    ("input_calc_backward", "calc", {"calc", "a"}),
    ("create_forward", "calc", {"calc", "s"}),
    ("create_backward", "s", {"s", "calc"}),
    ("return_forward", "w_inner", {"w_inner", "s"}),
    ("return_backward", "s", {"s", "w_inner", "w_outer"}),
    ("input_work_forward", "a", {"a", "w_inner", "w_outer"}),
    ("input_work_backward", "w_inner", {"w_inner", "a"}),
    ("call_calc_forward", "w_inner", {"w_inner", "calc"}),
    ("call_calc_backward", "calc", {"calc", "w_inner"}),
    ("call_work_forward", "w_outer", {"w_outer", "w_inner"}),
    ("call_work_backward", "w_inner", {"w_inner", "w_outer"}),
]


def test_the_rule_tables_are_aiidas() -> None:
    export = {
        name: (rule.default, rule.toggleable) for name, rule in GraphTraversalRules.EXPORT.rules.items()
    }
    delete = {
        name: (rule.default, rule.toggleable) for name, rule in GraphTraversalRules.DELETE.rules.items()
    }
    assert list(export) == list(RULE_NAMES) == [rule for rule, _, _ in SINGLE_RULES]
    assert export == {
        "input_calc_forward": (False, True),
        "input_calc_backward": (True, False),
        "create_forward": (True, False),
        "create_backward": (True, True),
        "return_forward": (True, False),
        "return_backward": (False, True),
        "input_work_forward": (False, True),
        "input_work_backward": (True, False),
        "call_calc_forward": (True, False),
        "call_calc_backward": (True, True),
        "call_work_forward": (True, False),
        "call_work_backward": (True, True),
    }
    assert delete == {
        "input_calc_forward": (True, False),
        "input_calc_backward": (False, False),
        "create_forward": (True, True),
        "create_backward": (True, False),
        "return_forward": (False, False),
        "return_backward": (True, False),
        "input_work_forward": (True, False),
        "input_work_backward": (False, False),
        "call_calc_forward": (True, True),
        "call_calc_backward": (True, False),
        "call_work_forward": (True, True),
        "call_work_backward": (True, False),
    }
    assert all(rule.toggleable and not rule.default for rule in GraphTraversalRules.DEFAULT.rules.values())


def test_validation_errors_are_aiidas() -> None:
    with pytest.raises(ValueError, match="input rule create_forward is not toggleable for ruleset EXPORT"):
        validate_traversal_rules(GraphTraversalRules.EXPORT, create_forward=False)
    with pytest.raises(ValueError, match="the value of rule create_backward must be boolean"):
        validate_traversal_rules(GraphTraversalRules.EXPORT, create_backward=1)  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="unknown graph traversal rules: create_sideways"):
        validate_traversal_rules(GraphTraversalRules.EXPORT, create_sideways=True)
    with pytest.raises(TypeError):
        validate_traversal_rules("EXPORT", create_backward=True)  # type: ignore[arg-type]
    applied = validate_traversal_rules(GraphTraversalRules.DELETE, create_forward=False)
    assert applied.rules["create_forward"] is False
    assert list(applied.rules) == list(RULE_NAMES)
    assert [link_type.value for link_type in applied.link_types("backward")] == [
        "create",
        "return",
        "call_calc",
        "call_work",
    ]


@pytest.mark.parametrize(("rule", "start", "expected"), SINGLE_RULES)
def test_each_rule_alone(graph: Graph, rule: str, start: str, expected: set[str]) -> None:
    found = traverse_graph([getattr(graph, start)], rules={rule: True})
    assert graph.names(found["nodes"]) == expected
    assert found["links"] is None
    assert found["rules"] == {name: name == rule for name in RULE_NAMES}


def test_export_defaults_take_the_whole_story(graph: Graph, backend: StorageBackend) -> None:
    found = get_nodes_export([graph.s], get_links=True, backend=backend)
    assert graph.names(found["nodes"]) == {"a", "w_outer", "w_inner", "calc", "s"}
    assert found["links"] == {
        LinkQuadruple(graph.a, graph.w_outer, "input_work", "a"),
        LinkQuadruple(graph.a, graph.w_inner, "input_work", "a"),
        LinkQuadruple(graph.a, graph.calc, "input_calc", "x"),
        LinkQuadruple(graph.a, graph.calc, "input_calc", "y"),
        LinkQuadruple(graph.calc, graph.s, "create", "result"),
        LinkQuadruple(graph.w_inner, graph.s, "return", "result"),
        LinkQuadruple(graph.w_outer, graph.s, "return", "result"),
        LinkQuadruple(graph.w_outer, graph.w_inner, "call_work", "CALL"),
        LinkQuadruple(graph.w_inner, graph.calc, "call_calc", "CALL"),
    }
    assert found["rules"] == validate_traversal_rules(GraphTraversalRules.EXPORT).rules


def test_export_toggles(graph: Graph) -> None:
    assert graph.names(get_nodes_export([graph.s], create_backward=False)["nodes"]) == {"s"}
    # From the input, nothing by default; forward along inputs when asked.
    assert graph.names(get_nodes_export([graph.a])["nodes"]) == {"a"}
    everything = get_nodes_export([graph.a], input_calc_forward=True)["nodes"]
    assert graph.names(everything) == {"a", "w_outer", "w_inner", "calc", "s"}
    only_work = get_nodes_export([graph.a], input_work_forward=True, call_calc_backward=False)
    # The workflows take their calls (forward is not toggleable) and returns: the whole graph.
    assert graph.names(only_work["nodes"]) == {"a", "w_outer", "w_inner", "calc", "s"}
    no_callers = get_nodes_export([graph.calc], call_calc_backward=False)
    assert graph.names(no_callers["nodes"]) == {"a", "calc", "s"}
    returned = get_nodes_export(
        [graph.s], create_backward=False, return_backward=True, call_work_backward=False
    )
    assert graph.names(returned["nodes"]) == {"a", "w_outer", "w_inner", "calc", "s"}


def test_delete_rules(graph: Graph) -> None:
    assert graph.names(get_nodes_delete([graph.a])["nodes"]) == {"a", "w_outer", "w_inner", "calc", "s"}
    assert graph.names(get_nodes_delete([graph.s])["nodes"]) == {"w_outer", "w_inner", "calc", "s"}
    kept_outputs = get_nodes_delete([graph.calc], create_forward=False)["nodes"]
    # The callers go (call_*_backward), but not what they returned (return_forward is off).
    assert graph.names(kept_outputs) == {"calc", "w_inner", "w_outer"}
    with pytest.raises(ValueError, match="not toggleable for ruleset DELETE"):
        get_nodes_delete([graph.s], create_backward=False)


def test_fixed_point_over_a_chain_in_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(traversal_module, "FILTER_SIZE", 2)
    first = orm.Int(0).store()
    current = first
    pks = {first.pk}
    for _ in range(6):
        current = add(current, orm.Int(1))
        pks.add(current.pk)
    found = get_nodes_export([current.pk])["nodes"]
    # every value, every calculation and every constant input
    assert pks <= found
    assert len(found) == 1 + 6 * 3
    assert get_nodes_delete([first.pk])["nodes"] == found - {
        pk for pk in found if pk not in pks and orm.load_node(pk).node_type == "data.core.int.Int."
    }


def test_missing_and_empty_starts(graph: Graph) -> None:
    assert traverse_graph([], rules={"create_forward": True}, get_links=True) == {
        "nodes": set(),
        "links": set(),
        "rules": {name: name == "create_forward" for name in RULE_NAMES},
    }
    with pytest.raises(NotExistent, match="not nodes"):
        get_nodes_export([graph.s, 10**9])
    missing: list[set[int]] = []
    found = get_nodes_delete([graph.s, 10**9], missing_callback=missing.append)
    assert missing == [{10**9}]
    assert 10**9 not in found["nodes"]
    with pytest.raises(TypeError):
        traverse_graph(["1"], rules={})  # type: ignore[list-item]
    with pytest.raises(InputValidationError):
        traverse_graph([graph.s], rules={"nope": True})


def test_no_rules_returns_the_start(graph: Graph) -> None:
    assert traverse_graph([graph.s, graph.a], rules={})["nodes"] == {graph.s, graph.a}
