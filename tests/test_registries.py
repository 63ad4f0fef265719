"""The registries that let lower orm modules reach higher classes without importing them."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError
from provgraph.orm.entities import entity_class, registered_entity_classes
from provgraph.orm.nodes.link_rules import Role, link_rule
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.types import base_node_class, is_node
from provgraph.storage.abstract import EntityTypes


def test_every_entity_with_a_class_is_registered_as_that_class() -> None:
    expected = {
        EntityTypes.NODE: orm.Node,
        EntityTypes.USER: orm.User,
        EntityTypes.COMPUTER: orm.Computer,
        EntityTypes.AUTHINFO: orm.AuthInfo,
        EntityTypes.GROUP: orm.Group,
        EntityTypes.COMMENT: orm.Comment,
        EntityTypes.LOG: orm.Log,
    }
    assert registered_entity_classes() == expected


def test_a_subclass_does_not_replace_the_registered_class() -> None:
    class MyGroup(orm.Group):
        pass

    assert entity_class(EntityTypes.GROUP) is orm.Group


def test_edges_have_no_entity_class() -> None:
    with pytest.raises(LookupError, match="'link'"):
        entity_class(EntityTypes.LINK)


def test_nodes_are_recognised_without_importing_node() -> None:
    assert base_node_class() is orm.Node
    assert is_node(orm.Int.__new__(orm.Int))  # an instance; building one needs a profile
    assert not is_node(object())
    assert not is_node(orm.Node)  # the class, not an instance


def test_link_roles_match_the_classes() -> None:
    assert orm.Data._link_role is Role.DATA
    assert orm.CalcFunctionNode._link_role is Role.CALCULATION
    assert orm.WorkFunctionNode._link_role is Role.WORKFLOW
    assert orm.ProcessNode._link_role is None
    assert link_rule(LinkType.CREATE).source is Role.CALCULATION


def test_numeric_results_without_a_node_type_are_refused() -> None:
    from provgraph.orm.nodes.data.core import base

    with pytest.raises(InputValidationError, match="has no node type"):
        base._wrap(1j, backend=None)  # type: ignore[arg-type]
