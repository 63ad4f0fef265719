"""The ``metadata`` input of process functions (aiida-core's metadata namespace)."""

from __future__ import annotations

from typing import Any

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, LinkValidationError
from provgraph.orm import LinkType
from provgraph.provenance import calcfunction, workfunction


@calcfunction
def add(x: Any, y: Any) -> Any:
    return x + y


@workfunction
def twice(x: Any) -> Any:
    first = add(x, x, metadata={"call_link_label": "first_add"})
    return add(first, x, metadata={"call_link_label": "second_add", "label": "inner"})


@calcfunction
def takes_metadata(x: Any, metadata: Any = {"label": "default label"}) -> Any:  # noqa: B006
    return orm.Int(x.value + len(metadata["label"]))


def test_label_and_description_set_the_node_and_are_recorded() -> None:
    _, node = add.run_get_node(orm.Int(1), orm.Int(2), metadata={"label": "L", "description": "D"})
    loaded = orm.load_node(node.pk)
    assert loaded.label == "L"
    assert loaded.description == "D"
    assert loaded.base.attributes.get("metadata_inputs") == {"metadata": {"label": "L", "description": "D"}}
    _, plain = add.run_get_node(orm.Int(1), orm.Int(2))
    assert plain.label == "add"
    assert plain.base.attributes.get("metadata_inputs") is None
    assert "metadata" not in {triple.link_label for triple in loaded.base.links.get_incoming().all()}


def test_call_link_label_names_the_call_link() -> None:
    _, workflow = twice.run_get_node(orm.Int(3))
    called = workflow.base.links.get_outgoing(link_type=LinkType.CALL_CALC).all()
    assert sorted(triple.link_label for triple in called) == ["first_add", "second_add"]
    inner = workflow.base.links.get_outgoing(
        link_type=LinkType.CALL_CALC, link_label_filter="second_add"
    ).one()
    assert inner.node.label == "inner"


def test_store_provenance_false_records_nothing() -> None:
    before = orm.Node.collection.count()
    result, node = add.run_get_node(orm.Int(1), orm.Int(2), metadata={"store_provenance": False})
    assert result.value == 3
    assert not result.is_stored
    assert not node.is_stored
    assert node.is_finished_ok
    result = twice(orm.Int(1), metadata={"store_provenance": False})
    assert result.value == 3
    assert orm.Node.collection.count() == before


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"bogus": 1}, "unknown keys \\['bogus'\\]"),
        ("label", "must be a dict"),
        ({"label": 5}, "label must be a str"),
        ({"store_provenance": "no"}, "store_provenance must be True or False"),
    ],
)
def test_bad_metadata_is_refused_before_anything_runs(metadata: Any, message: str) -> None:
    before = orm.Node.collection.count()
    with pytest.raises(InputValidationError, match=message):
        add(orm.Int(1), orm.Int(2), metadata=metadata)
    assert orm.Node.collection.count() == before


def test_a_bad_call_link_label_is_a_link_error() -> None:
    with pytest.raises(LinkValidationError, match="invalid link label"):
        add(orm.Int(1), orm.Int(2), metadata={"call_link_label": "not a label"})


def test_a_function_with_its_own_metadata_parameter_gets_it() -> None:
    """As in aiida-core: a ``metadata`` parameter is the call's metadata, its default the defaults."""
    result, node = takes_metadata.run_get_node(orm.Int(1))
    assert (result.value, node.label) == (1 + len("default label"), "default label")
    assert "metadata" not in node.inputs
    result, node = takes_metadata.run_get_node(orm.Int(1), metadata={"label": "abc", "description": "d"})
    assert (result.value, node.label, node.description) == (4, "abc", "d")
