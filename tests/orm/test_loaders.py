"""``load_node`` by pk, UUID, UUID prefix and label, and its errors."""

from __future__ import annotations

import pytest

from provgraph.exceptions import InputValidationError, MultipleObjectsError, NotExistent
from provgraph.orm.loaders import load_node
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.process import CalcFunctionNode
from provgraph.orm.users import User
from provgraph.storage.abstract import EntityTypes, StorageBackend


def test_by_pk_uuid_and_prefix(backend: StorageBackend) -> None:
    node = Data(label="findme").store()
    assert node.pk is not None
    for identifier in (node.pk, str(node.pk), node.uuid, node.uuid.upper(), node.uuid[:13], node.uuid[:8]):
        found = load_node(identifier)
        assert found.pk == node.pk, identifier
        assert type(found) is Data
    assert load_node(node.uuid.replace("-", "")[:10]).pk == node.pk  # prefix without dashes
    assert load_node(pk=node.pk).uuid == node.uuid
    assert load_node(uuid=node.uuid[:6]).pk == node.pk
    assert load_node(label="findme").pk == node.pk
    assert load_node(node.pk, backend=backend).pk == node.pk


def test_not_existent(backend: StorageBackend) -> None:
    node = Data().store()
    for identifier in (12345, "12345", "ffffffff-ffff-4fff-bfff-ffffffffffff", "zzz-not-hex"):
        with pytest.raises(NotExistent):
            load_node(identifier)
    with pytest.raises(NotExistent):
        load_node(label="nobody")
    with pytest.raises(NotExistent, match="CalcFunctionNode"):
        load_node(node.pk, sub_classes=(CalcFunctionNode,))


def test_ambiguous_prefix_lists_matches(backend: StorageBackend) -> None:
    user_id = User.collection.get_default().pk
    uuids = ["abcdef01-0000-4000-8000-000000000001", "abcdef01-0000-4000-8000-000000000002"]
    rows = [{"uuid": uuid, "node_type": "data.Data.", "user_id": user_id} for uuid in uuids]
    pks = backend.bulk_insert(EntityTypes.NODE, rows, allow_defaults=True)
    with pytest.raises(MultipleObjectsError) as info:
        load_node("abcdef01")
    message = str(info.value)
    assert "\n" not in message
    for pk, uuid in zip(pks, uuids, strict=True):
        assert f"pk {pk} ({uuid})" in message
    assert load_node("abcdef01-0000-4000-8000-000000000002").pk == pks[1]
    with pytest.raises(MultipleObjectsError):
        load_node("abcdef01-0000-4000-8000-0000000000")


def test_ambiguous_label(backend: StorageBackend) -> None:
    Data(label="twin").store()
    Data(label="twin").store()
    with pytest.raises(MultipleObjectsError, match="twin"):
        load_node(label="twin")


def test_bad_arguments(backend: StorageBackend) -> None:
    with pytest.raises(InputValidationError):
        load_node()
    with pytest.raises(InputValidationError):
        load_node(1, pk=1)
    with pytest.raises(InputValidationError):
        load_node(1.5)  # type: ignore[arg-type]
    with pytest.raises(InputValidationError):
        load_node(pk="1")  # type: ignore[arg-type]
