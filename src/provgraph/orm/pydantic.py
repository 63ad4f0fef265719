"""The base of the ORM's pydantic models (aiida-core's ``aiida.orm.pydantic``).

Every entity class has models built from these: ``ReadModel`` (what a stored entity is),
``WriteModel`` (what creates one), and for nodes ``AttributesModel`` and, where the class has
one, ``ConstructorModel`` (see ``provgraph.orm.models``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar, cast

import pydantic
from pydantic_core import PydanticUndefined

from provgraph.common.pydantic import AiiDABaseModel, MetadataField, get_metadata
from provgraph.exceptions import NotExistent
from provgraph.orm.entities import Entity, entity_class
from provgraph.storage.abstract import EntityTypes

__all__ = ["OrmFieldsAsModelDump", "OrmMetadataField", "OrmModel", "get_metadata"]

# aiida-core names entity classes in ``orm_class`` by their ``aiida.orm`` entry point.
_ORM_CLASS_NAMES: dict[str, EntityTypes] = {
    "core.node": EntityTypes.NODE,
    "core.user": EntityTypes.USER,
    "core.computer": EntityTypes.COMPUTER,
    "core.group": EntityTypes.GROUP,
    "core.comment": EntityTypes.COMMENT,
    "core.log": EntityTypes.LOG,
    "core.authinfo": EntityTypes.AUTHINFO,
}


def _orm_class(value: type[Entity] | str, key: str) -> type[Entity]:
    if isinstance(value, str):
        try:
            return entity_class(_ORM_CLASS_NAMES[value])
        except KeyError:
            raise ValueError(f"invalid `orm_class` {value!r} on `{key}`: no such ORM class") from None
    return value


class OrmModel(AiiDABaseModel):
    """Base of the Read/Write/Attributes/Constructor models: unknown fields are refused."""

    model_config = pydantic.ConfigDict(extra="forbid")

    _AIIDA_MINIMAL_MODEL: ClassVar[Any] = None

    def _to_orm_field_values(self) -> dict[str, Any]:
        """The keyword arguments this model gives the ORM class's constructor.

        ``None`` values are left out; nested models give their own values; a field with
        ``orm_class`` turns the pk it holds into that entity; ``model_to_orm`` converts.
        """
        values: dict[str, Any] = {}
        for key, field in type(self).model_fields.items():
            name = field.alias or key
            value = getattr(self, key, field.default)
            if value is None:
                continue
            if isinstance(value, OrmModel):
                values[name] = value._to_orm_field_values()
            elif (orm_class := get_metadata(field, "orm_class")) is not None:
                klass = _orm_class(orm_class, key)
                try:
                    values[name] = klass.collection.get(pk=value)
                except NotExistent as exc:
                    raise NotExistent(f"no {klass.__name__} found with pk={value}") from exc
            elif (model_to_orm := get_metadata(field, "model_to_orm")) is not None:
                values[name] = model_to_orm(self)
            else:
                values[name] = value
        return values

    @classmethod
    def _as_minimal_model(cls) -> type[OrmModel]:
        """A model of the same fields less those marked ``may_be_large`` (made once per model)."""
        cached = cls.__dict__.get("_AIIDA_MINIMAL_MODEL")
        if cached is not None:
            return cast("type[OrmModel]", cached)
        try:
            owner, name = cls.__qualname__.split(".")
        except ValueError:
            raise ValueError(
                f"expected a model named 'OrmClass.ModelName', got {cls.__qualname__!r}"
            ) from None
        fields: dict[str, Any] = {}
        for key, field in cls.model_fields.items():
            if get_metadata(field, "may_be_large"):
                continue
            annotation = field.annotation
            copied = copy.deepcopy(field)
            if isinstance(annotation, type) and issubclass(annotation, OrmModel):
                annotation = annotation._as_minimal_model()
            fields[key] = (annotation, copied)
        minimal = cast(
            "type[OrmModel]",
            pydantic.create_model(f"Minimal{name}", __base__=OrmModel, __module__=cls.__module__, **fields),
        )
        minimal.__qualname__ = f"{owner}.Minimal{name}"
        minimal.model_config["extra"] = "ignore"
        minimal._set_json_schema_title()
        cls._AIIDA_MINIMAL_MODEL = minimal
        minimal._AIIDA_MINIMAL_MODEL = minimal
        return minimal


class OrmFieldsAsModelDump(OrmModel):
    """Mixin: the constructor values are the model's dump (models whose fields are open-ended)."""

    def _to_orm_field_values(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


def OrmMetadataField(
    default: Any = PydanticUndefined,
    *,
    orm_class: type[Entity] | str | None = None,
    orm_to_model: Callable[..., Any] | None = None,
    model_to_orm: Callable[[OrmModel], Any] | None = None,
    **kwargs: Any,
) -> Any:
    """``MetadataField`` plus the ORM conversions.

    ``orm_class``: the field holds the pk of an entity of this class (or ``core.user``-style
    name), which the constructor receives as the entity itself. ``orm_to_model(entity[, context])``
    reads the value from an entity; ``model_to_orm(model)`` makes the constructor's value.
    """
    field_info = MetadataField(default, **kwargs)
    for key, value in (
        ("orm_class", orm_class),
        ("orm_to_model", orm_to_model),
        ("model_to_orm", model_to_orm),
    ):
        if value is not None:
            field_info.metadata.append({key: value})
    return field_info
