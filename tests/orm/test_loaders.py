"""``load_node`` and ``load_entity``: by pk, UUID, UUID prefix and label, and their errors."""

from __future__ import annotations

import pytest

from provgraph.exceptions import InputValidationError, MultipleObjectsError, NotExistent
from provgraph.orm.computers import Computer, load_computer
from provgraph.orm.groups import Group
from provgraph.orm.loaders import load_entity, load_node
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.process import CalcFunctionNode
from provgraph.orm.users import User
from provgraph.storage.abstract import EntityTypes, StorageBackend


def test_by_pk_uuid_and_prefix(backend: StorageBackend) -> None:
    node = Data(label="findme")
    node._row["uuid"] = "f" + node.uuid[1:]  # a prefix of only digits would be read as a pk
    node.store()
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


def test_a_bare_identifier_is_never_a_node_label(backend: StorageBackend) -> None:
    Data(label="cafe").store()
    for identifier in ("cafe", "cafe!", "plain-label"):
        with pytest.raises(NotExistent):
            load_node(identifier)
    with pytest.raises(InputValidationError, match="not a uuid"):
        load_node(uuid="zzz")


def test_digits_are_only_a_pk_for_nodes_but_fall_through_for_labelled_entities(
    backend: StorageBackend,
) -> None:
    """Only where bare labels are allowed does an identifier fall through to later kinds."""
    uuid = "12345678-0000-4000-8000-000000000001"
    node = Data()
    node._row["uuid"] = uuid
    node.store()
    with pytest.raises(NotExistent, match=r"^no Node with pk '12345678'$"):
        load_node("12345678")
    assert load_node(uuid="12345678").uuid == uuid
    computer = Computer("machine", "localhost")
    computer._row["uuid"] = uuid
    computer.store()
    assert load_computer("12345678") == computer  # no pk 12345678, no such label: the uuid prefix
    numbered = Computer("12345678", "localhost").store()
    assert load_computer("12345678") == numbered  # the exact label comes before the prefix


def test_ambiguous_label_of_a_labelled_entity_lists_the_matches(backend: StorageBackend) -> None:
    groups = [Group("twin").store(), Group("twin", type_string="core.auto").store()]
    with pytest.raises(MultipleObjectsError) as info:
        load_entity(Group, "twin")
    for group in groups:
        assert f"pk {group.pk} ({group.uuid})" in str(info.value)
    assert "use the pk or the full uuid" in str(info.value)


def test_a_long_list_of_matches_is_cut(backend: StorageBackend) -> None:
    for _ in range(12):
        Data(label="many").store()
    with pytest.raises(MultipleObjectsError, match=r"and more; use the pk or the full uuid instead$") as info:
        load_node(label="many")
    assert str(info.value).count("pk ") == 10 + 1  # ten listed, plus the hint


def test_load_entity_checks_its_arguments(backend: StorageBackend) -> None:
    with pytest.raises(InputValidationError, match="a Group label is a str, got int 5"):
        load_entity(Group, label=5)  # type: ignore[arg-type]
    with pytest.raises(InputValidationError, match="a Computer pk is an int, got True"):
        load_entity(Computer, pk=True)
    with pytest.raises(InputValidationError, match="exactly one of identifier, pk, uuid or label"):
        load_entity(Group, 1, label="x")
