"""Dict: a mapping over the node's attributes, AiiDA's API and layout."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, ModificationNotAllowed
from provgraph.orm.nodes.data.core import Dict
from provgraph.storage.abstract import StorageBackend

CONTENT = {"name": "nested", "seed": 1234, "level1": {"empty": {}, "values": [1, 2.5, "three", None, True]}}


def test_round_trip_and_mapping_api(backend: StorageBackend) -> None:
    node = Dict(CONTENT, label="d").store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is Dict
    assert loaded.node_type == "data.core.dict.Dict."
    assert loaded.base.attributes.all == CONTENT
    assert loaded.get_dict() == loaded.value == CONTENT
    assert loaded == CONTENT
    assert loaded == Dict(CONTENT)
    assert loaded != {"name": "other"}
    assert loaded["seed"] == 1234
    assert loaded.get("seed") == 1234
    assert loaded.get("missing") is None
    assert loaded.get("missing", 5) == 5
    assert loaded.dict.name == "nested"
    assert loaded.dict["seed"] == 1234
    assert "seed" in loaded
    assert "missing" not in loaded
    assert sorted(loaded.keys()) == sorted(CONTENT)
    assert sorted(loaded) == sorted(CONTENT)
    assert dict(loaded.items()) == CONTENT
    assert len(loaded) == 3
    with pytest.raises(KeyError, match="missing"):
        _ = loaded["missing"]
    with pytest.raises(AttributeError, match="has no key 'missing'"):
        _ = loaded.dict.missing
    # reads of a stored node are copies
    loaded.get_dict()["level1"]["empty"]["x"] = 1
    loaded["level1"]["values"].append(9)
    assert orm.load_node(node.pk).get_dict() == CONTENT == loaded.get_dict()


def test_changes_while_unstored_only(backend: StorageBackend) -> None:
    node = Dict({"a": 1})
    node["b"] = 2
    node.dict.c = 3
    node.update_dict({"d": 4, "a": 0})
    del node["b"]
    assert node.get_dict() == {"a": 0, "c": 3, "d": 4}
    node.set_dict({"x": [1, (2, 3)]})
    assert node.get_dict() == {"x": [1, [2, 3]]}
    assert Dict(dict={"legacy": True}).get_dict() == {"legacy": True}
    assert Dict().get_dict() == {}
    assert Dict(node).get_dict() == {"x": [1, [2, 3]]}
    node.store()
    for change in (
        lambda: node.__setitem__("y", 1),
        lambda: node.update_dict({"y": 1}),
        lambda: node.set_dict({}),
        lambda: node.__delitem__("x"),
        lambda: setattr(node.dict, "y", 1),
    ):
        with pytest.raises(ModificationNotAllowed):
            change()
    assert orm.load_node(node.pk).get_dict() == {"x": [1, [2, 3]]}


def test_bad_content_is_refused_and_leaves_the_node_unchanged(backend: StorageBackend) -> None:
    with pytest.raises(TypeError, match="Dict takes a mapping of str keys, got list"):
        Dict([("a", 1)])  # type: ignore[arg-type]
    node = Dict({"a": 1})
    with pytest.raises(InputValidationError, match="keys must be non-empty strings, got 3"):
        node.set_dict({"b": 2, 3: "x"})  # type: ignore[dict-item]
    with pytest.raises(InputValidationError, match=r"contains '\.'"):
        node.update_dict({"a.b": 1})
    with pytest.raises(InputValidationError, match="not a JSON value"):
        node["s"] = {1, 2}
    assert node.get_dict() == {"a": 1}
