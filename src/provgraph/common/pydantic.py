"""pydantic helpers with aiida-core's names (``aiida.common.pydantic``).

``MetadataField`` is a pydantic ``Field`` that also carries the metadata the ORM models read
(``read_only`` fields are left out of write schemas, ``may_be_large`` ones out of minimal
serialisations, ...); ``get_metadata`` reads it back.

    >>> from provgraph.common.pydantic import MetadataField, get_metadata
    >>> field = MetadataField(1, read_only=True)
    >>> get_metadata(field, "read_only")
    True
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

__all__ = ["AiiDABaseModel", "MetadataField", "get_metadata"]


def get_metadata(field_info: FieldInfo, key: str, default: Any = None) -> Any:
    """The value ``key`` of the field's metadata, or ``default``."""
    for element in field_info.metadata:
        if isinstance(element, dict) and key in element:
            return element[key]
    return default


class AiiDABaseModel(BaseModel, defer_build=True):
    """Base of the ORM's models: fields by name or alias, schema title from the qualified name.

    ``Int.ReadModel`` gets the JSON-schema title ``IntReadModel``. Built lazily (``defer_build``):
    most programs never validate a model, so none pays pydantic's schema build up front.
    """

    model_config = ConfigDict(serialize_by_alias=True, validate_by_alias=True, validate_by_name=True)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._set_json_schema_title()

    @classmethod
    def _set_json_schema_title(cls) -> None:
        cls.model_config["title"] = cls.__qualname__.replace(".", "")


def MetadataField(
    default: Any = PydanticUndefined,
    *,
    priority: int = 0,
    short_name: str | None = None,
    option_cls: Any | None = None,
    read_only: bool = False,
    write_only: bool = False,
    may_be_large: bool = False,
    **kwargs: Any,
) -> Any:
    """A pydantic ``Field`` with the ORM's metadata.

    ``read_only``: never passed to a constructor (left out of write schemas); ``write_only``: not
    read back from an entity; ``may_be_large``: left out of minimal serialisations; ``priority``,
    ``short_name``, ``option_cls``: for command-line interfaces built from a model.
    """
    if read_only and write_only:
        raise ValueError("a field cannot be both read-only and write-only")
    extra = dict(kwargs.pop("json_schema_extra", None) or {})
    if read_only:
        extra["readOnly"] = True
    if write_only:
        extra["writeOnly"] = True
    kwargs["json_schema_extra"] = extra
    field_info: FieldInfo = Field(default, **kwargs)
    for key, value in (
        ("priority", priority),
        ("short_name", short_name),
        ("option_cls", option_cls),
        ("read_only", read_only),
        ("write_only", write_only),
        ("may_be_large", may_be_large),
    ):
        if value is not None:
            field_info.metadata.append({key: value})
    return field_info
