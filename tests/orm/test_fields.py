"""Query fields (``cls.fields``): their flavours, filter expressions, and use in the QueryBuilder."""

from __future__ import annotations

import datetime

import pytest

from provgraph import orm
from provgraph.common.warnings import AiidaDeprecationWarning
from provgraph.orm.fields import (
    QbAnyField,
    QbArrayField,
    QbDictField,
    QbFieldFilters,
    QbNumericField,
    QbStrField,
    add_field,
)
from provgraph.storage.abstract import StorageBackend


@pytest.mark.parametrize(
    ("dtype", "flavour"),
    [
        (int, QbNumericField),
        (datetime.datetime, QbNumericField),
        (int | None, QbNumericField),
        (list[str], QbArrayField),
        (str, QbStrField),
        (dict[str, int], QbDictField),
        (bool, QbAnyField),
        (None, QbAnyField),
    ],
)
def test_flavour_follows_the_type(dtype: object, flavour: type) -> None:
    assert type(add_field("key", dtype=dtype)) is flavour


@pytest.mark.parametrize("key", ["|", "some.field", "1key", "class"])
def test_keys_must_be_identifiers(key: str) -> None:
    with pytest.raises(ValueError, match="identifier"):
        add_field(key)


def test_only_attributes_have_aliases() -> None:
    with pytest.raises(ValueError, match="alias"):
        add_field("key", "alias", is_attribute=False)
    assert add_field("key", "alias", is_attribute=True).backend_key == "attributes.alias"


def test_entity_fields() -> None:
    assert sorted(orm.User.fields) == ["email", "first_name", "institution", "last_name", "pk"]
    assert repr(orm.User.fields.email) == "QbStrField('email', dtype=<class 'str'>, doc='The user email')"
    assert orm.Int.fields.value.backend_key == "attributes.value"
    assert orm.Int.fields.attributes.value is orm.Int.fields.value
    assert orm.List.fields.value.backend_key == "attributes.list"  # the alias is the stored key
    assert orm.Data.fields.attributes["x"].backend_key == "attributes.x"
    assert orm.Data.fields.extras["x"].backend_key == "extras.x"
    assert "ctime" in orm.Data.fields
    assert "value" not in orm.Data.fields
    with pytest.raises(AttributeError):
        orm.Data.fields.nothing  # noqa: B018
    with pytest.warns(AiidaDeprecationWarning, match="QbField.doc"):
        assert orm.Int.fields.value.doc == "The value of the integer"


def test_filter_expressions() -> None:
    pk = orm.Data.fields.pk
    filters = (pk == 1) & (pk != 2) & (pk > 3) & ~(pk <= 6)
    assert filters.as_dict() == {
        "and": [{"pk": {"==": 1}}, {"pk": {"!==": 2}}, {"pk": {">": 3}}, {"pk": {"!<=": 6}}]
    }
    label = orm.Data.fields.label
    either = label.like("a%") | label.in_(["b"])
    assert either.as_dict() == {"or": [{"label": {"like": "a%"}}, {"label": {"in": ["b"]}}]}
    assert (~either).as_dict() == {"!or": either.as_dict()["or"]}
    assert (~~either).as_dict() == either.as_dict()
    with pytest.raises(TypeError):
        label.like(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        filters & {"pk": 1}  # type: ignore[operator]
    assert QbFieldFilters({"pk": {"==": 1}}) == (pk == 1)


def test_fields_in_the_querybuilder(backend: StorageBackend) -> None:
    for value in (1, 2, 3):
        orm.Dict({"a": value}).store().base.extras.set("b", value * 10)
    fields = orm.Dict.fields
    query = orm.QueryBuilder().append(
        orm.Dict,
        tag="d",
        filters=(fields.attributes["a"] > 1) & (fields.extras["b"] < 100),
        project=[fields.attributes["a"], fields.extras["b"]],
    )
    query.order_by({"d": fields.pk})
    assert query.all() == [[2, 20], [3, 30]]
    pks = orm.QueryBuilder().append(orm.Dict, project=fields.pk, filters=fields.pk.in_([-1])).all()
    assert pks == []
