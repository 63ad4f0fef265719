"""Making an ORM class's pydantic models and query fields from its ancestors', on first use.

Each class's models derive from its parent class's: ``Int.ReadModel`` subclasses
``NumericType.ReadModel`` with ``attributes`` typed ``Int.AttributesModel`` and ``node_type`` the
literal ``"data.core.int.Int."``; ``Int.WriteModel`` is the ReadModel less its read-only fields.
What a class adds (its attribute fields, its constructor arguments) is declared once in
``definitions.py``; a plugin class declares ``AttributesModel`` / ``ConstructorArgsModel`` in its
own body, as with aiida-core. Nothing is built until a model, ``cls.fields`` or a serialisation is
asked for, and then once per class.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from copy import deepcopy
from typing import Any, Literal, cast

import pydantic
from pydantic.fields import FieldInfo

from provgraph.common.pydantic import get_metadata
from provgraph.exceptions import UnsupportedSchemaError
from provgraph.orm.entities import Entity
from provgraph.orm.fields import QbAttributesField, QbField, QbFields, add_field
from provgraph.orm.nodes.node import Node
from provgraph.orm.pydantic import OrmFieldsAsModelDump, OrmMetadataField, OrmModel

__all__ = ["NoConstructorModel", "built", "class_attribute", "define", "is_model"]

Factory = Callable[[Any], type[OrmModel]]

# (class, model name) -> factory(parent's model or None) -> the class's own model; see definitions.py
_DEFINITIONS: dict[tuple[type, str], Factory] = {}
_CACHE: dict[tuple[type, str], Any] = {}
_LOCK = threading.RLock()
# Models shared by all node classes: built for Node only.
_NODE_PARTS = ("MutableNodeFields", "BaseNodeModel", "WritableFields")


def define(cls: type, name: str) -> Callable[[Factory], Factory]:
    """Declare the model ``name`` of ``cls``: ``factory(parent_model)`` returns its class."""

    def register(factory: Factory) -> Factory:
        _DEFINITIONS[cls, name] = factory
        return factory

    return register


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, OrmModel)


def built(owner: type, name: str) -> Any:
    """The attribute if it was built already (None otherwise): no build as a side effect."""
    return _CACHE.get((owner, name))


def class_attribute(owner: type, name: str) -> Any:
    """``owner.<name>`` for the lazily built attributes (``BuiltOnFirstUse``), made once."""
    if name in _NODE_PARTS:
        owner = Node
    key = (owner, name)
    try:
        return _CACHE[key]
    except KeyError:
        pass
    with _LOCK:
        if key not in _CACHE:
            _CACHE[key] = _BUILDERS[name](owner)
        return _CACHE[key]


def _parent(owner: type) -> type[Entity]:
    """The nearest ORM ancestor (mixins such as ``MutableSequence`` are skipped)."""
    return next(base for base in owner.__mro__[1:] if isinstance(base, type) and issubclass(base, Entity))


def _own(owner: type, name: str) -> type[OrmModel] | None:
    """A model that the class body defines itself (a plugin's ``class AttributesModel(...)``)."""
    value = owner.__dict__.get(name)
    return value if is_model(value) else None


def _named(model: type[OrmModel], owner: type, name: str) -> type[OrmModel]:
    """Give a built model aiida-core's qualified name (``Int.ReadModel``) and schema title."""
    model.__qualname__ = f"{owner.__name__}.{name}"
    model.__module__ = owner.__module__
    model._set_json_schema_title()
    return model


def _declared(owner: type, name: str, parent_model: Any) -> type[OrmModel] | None:
    own = _own(owner, name)
    if own is not None:
        return own
    factory = _DEFINITIONS.get((owner, name))
    if factory is None:
        return None
    return _named(factory(parent_model), owner, name)


def _derived(owner: type, name: str, base: type[OrmModel], **fields: Any) -> type[OrmModel]:
    model = cast(
        "type[OrmModel]", pydantic.create_model(name, __base__=base, __module__=owner.__module__, **fields)
    )
    return _named(model, owner, name)


# -- the models -----------------------------------------------------------------------------------


def _read_model(owner: type) -> type[OrmModel]:
    if owner is Entity or owner is Node:
        model = _declared(owner, "ReadModel", None)
        assert model is not None, f"{owner.__name__}.ReadModel is declared in definitions.py"
        return model
    parent = _parent(owner)
    if not issubclass(owner, Node):
        declared = _declared(owner, "ReadModel", parent.ReadModel)
        return declared if declared is not None else _derived(owner, "ReadModel", parent.ReadModel)
    base: type[OrmModel] = parent.ReadModel
    fields: dict[str, Any] = {}
    extra = _DEFINITIONS.get((owner, "ReadModelFields"))
    if extra is not None:  # RemoteData and codes make ``computer`` writable
        fields.update(cast("dict[str, Any]", extra(base)))
    attributes = owner.AttributesModel
    if not issubclass(attributes, parent.AttributesModel):  # type: ignore[attr-defined]
        raise TypeError(
            f"`{owner.__name__}.AttributesModel` must subclass `{parent.__name__}.AttributesModel` "
            "(a node has its parent's attributes too)"
        )
    fields["attributes"] = (attributes, deepcopy(base.model_fields["attributes"]))
    fields["node_type"] = node_type_field(owner)
    return _derived(owner, "ReadModel", base, **fields)


def node_type_field(owner: type) -> tuple[Any, FieldInfo]:
    """``node_type`` typed as the class's own string, or any string for ``Data``/``ProcessNode``
    (what unknown plugin types load as)."""
    field = deepcopy(Node.BaseNodeModel.model_fields["node_type"])
    if owner.__name__ in ("Node", "Data", "ProcessNode"):
        return str, field
    return Literal[owner.class_node_type], field  # type: ignore[attr-defined]


def _write_model(owner: type) -> type[OrmModel]:
    if owner is Entity or owner is Node:
        model = _declared(owner, "WriteModel", None)
        assert model is not None
        return model
    own = _own(owner, "WriteModel")
    if own is not None:
        return own
    return as_write_model(owner.ReadModel, _parent(owner).WriteModel)  # type: ignore[attr-defined]


def as_write_model(model: type[OrmModel], base: type[OrmModel], suffix: str = "ReadModel") -> type[OrmModel]:
    """``model`` less its read-only fields, on ``base``; nested models become their write models
    (``Int.AttributesModel`` -> ``Int.AttributesWriteModel``)."""
    key = (model, f"write:{suffix}")
    cached = _CACHE.get(key)
    if cached is not None:
        return cast("type[OrmModel]", cached)
    fields: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        if get_metadata(field, "read_only", False):
            continue
        annotation = field.annotation
        if is_model(annotation):
            annotation = as_write_model(cast("type[OrmModel]", annotation), OrmModel, suffix="Model")
        fields[name] = (annotation, deepcopy(field))
    bases: tuple[type[OrmModel], ...] = (base,)
    if issubclass(model, OrmFieldsAsModelDump) and not issubclass(base, OrmFieldsAsModelDump):
        bases = (OrmFieldsAsModelDump, base)
    write_name = model.__name__.replace(suffix, "WriteModel")
    write = cast(
        "type[OrmModel]",
        pydantic.create_model(write_name, __base__=bases, __module__=model.__module__, **fields),
    )
    write.model_config = deepcopy(model.model_config)
    decorators = model.__pydantic_decorators__
    write.__pydantic_decorators__.field_validators.update(
        {
            key: validator
            for key, validator in decorators.field_validators.items()
            if all(name in fields for name in validator.info.fields)
        }
    )
    write.__qualname__ = model.__qualname__.replace(suffix, "WriteModel")
    write._set_json_schema_title()
    write.model_rebuild(force=True)
    _CACHE[key] = write
    return write


def _attributes_model(owner: type) -> type[OrmModel]:
    if owner is Node:
        model = _declared(owner, "AttributesModel", None)
        assert model is not None
        return model
    parent_model = _parent(owner).AttributesModel  # type: ignore[attr-defined]
    declared = _declared(owner, "AttributesModel", parent_model)
    return declared if declared is not None else _derived(owner, "AttributesModel", parent_model)


def _constructor_args_model(owner: type) -> type[OrmModel]:
    """The class's own, else its parent's; ``AttributeError`` if no ancestor has one (so that
    ``hasattr(cls, 'ConstructorArgsModel')`` tells, as in aiida-core)."""
    if owner is Node:
        raise AttributeError(f"{owner.__name__} has no ConstructorArgsModel")
    parent = _parent(owner)
    try:
        parent_model = parent.ConstructorArgsModel  # type: ignore[attr-defined]
    except AttributeError:
        parent_model = None
    declared = _declared(owner, "ConstructorArgsModel", parent_model)
    if declared is not None:
        return declared
    if parent_model is None:
        raise AttributeError(f"{owner.__name__} has no ConstructorArgsModel")
    return cast("type[OrmModel]", parent_model)


def _supports_constructor_model(owner: type) -> bool:
    return hasattr(owner, "ConstructorArgsModel")


class NoConstructorModel(UnsupportedSchemaError, AttributeError):
    """``cls.ConstructorModel`` of a class created only from attributes: aiida-core's error, and an
    ``AttributeError`` too, so that ``hasattr``, ``inspect.getmembers`` and ``help()`` work."""


def _constructor_model(owner: type) -> type[OrmModel]:
    if not owner.supports_constructor_model:  # type: ignore[attr-defined]
        raise NoConstructorModel(
            f"'{owner.class_node_type}' does not support constructor-based creation."  # type: ignore[attr-defined]
        )
    args = OrmMetadataField(description="The constructor arguments.", write_only=True)
    return _derived(
        owner,
        "ConstructorModel",
        Node.BaseNodeModel,
        args=(owner.ConstructorArgsModel, args),  # type: ignore[attr-defined]
        node_type=node_type_field(owner),
    )


def _cli_model(owner: type) -> type[OrmModel]:
    """aiida-core builds ``verdi`` options from it; provgraph's CLI has no creation commands."""
    raise NoConstructorModel(f"'{owner.class_node_type}' does not support CLI-based creation.")  # type: ignore[attr-defined]


def _shared(name: str) -> Callable[[type], type[OrmModel]]:
    def build(owner: type) -> type[OrmModel]:
        model = _declared(Node, name, None)
        assert model is not None
        return model

    return build


# -- aiida-core's deprecated single ``Model`` -------------------------------------------------------


def _optional(annotation: Any) -> Any:
    try:
        return annotation | None
    except TypeError:
        return Any | None


def _merged(current: tuple[Any, FieldInfo], field: FieldInfo) -> tuple[Any, FieldInfo]:
    annotation, current_field = current
    merged = deepcopy(field)
    for key in ("orm_to_model", "model_to_orm", "orm_class"):
        value = get_metadata(current_field, key)
        if value is not None and get_metadata(merged, key) is None:
            merged.metadata.append({key: value})
    if merged.description is None:
        merged.description = current_field.description
    return annotation, merged


def _compat_model(owner: type) -> type[OrmModel]:
    """One model of every field (read-only ones optional), for validation only."""
    node = issubclass(owner, Node)
    fields: dict[str, tuple[Any, FieldInfo]] = {}
    for key, field in owner.WriteModel.model_fields.items():  # type: ignore[attr-defined]
        if node and key in ("attributes", "node_type"):
            continue
        fields[key] = (field.annotation, deepcopy(field))
    for key, field in owner.ReadModel.model_fields.items():  # type: ignore[attr-defined]
        if key in fields or (node and key == "attributes"):
            continue
        fields[key] = (
            _optional(field.annotation),
            OrmMetadataField(
                None,
                description=field.description,
                examples=field.examples,
                read_only=get_metadata(field, "read_only", False),
            ),
        )
    if node:
        fields["attributes"] = (
            dict[str, Any] | None,
            OrmMetadataField(None, description="The node attributes", may_be_large=True),
        )
        fields["repository_content"] = (
            dict[str, bytes] | None,
            OrmMetadataField(None, description="Dictionary of repository file contents", write_only=True),
        )
        extra_models = [owner.AttributesModel]  # type: ignore[attr-defined]
        if owner.supports_constructor_model:  # type: ignore[attr-defined]
            extra_models.append(owner.ConstructorArgsModel)  # type: ignore[attr-defined]
        for extra in extra_models:
            for key, field in extra.model_fields.items():
                current = fields.get(key)
                fields[key] = (
                    (field.annotation, deepcopy(field)) if current is None else _merged(current, field)
                )
    model = cast(
        "type[OrmModel]",
        pydantic.create_model("Model", __base__=OrmModel, __module__=owner.__module__, **cast(Any, fields)),
    )
    model.model_config = deepcopy(owner.ReadModel.model_config)  # type: ignore[attr-defined]
    return _named(model, owner, "Model")


# -- query fields ---------------------------------------------------------------------------------------


def _fields(owner: type) -> QbFields:
    fields: dict[str, QbField] = {}
    for key, field in owner.ReadModel.model_fields.items():  # type: ignore[attr-defined]
        fields[key] = add_field(key, alias=field.alias, dtype=field.annotation, doc=field.description or "")
    if issubclass(owner, Node):
        container = fields["attributes"]
        assert isinstance(container, QbAttributesField)
        for key, field in owner.AttributesModel.model_fields.items():
            typed = add_field(
                key, alias=field.alias, dtype=field.annotation, doc=field.description or "", is_attribute=True
            )
            container._typed_children[key] = typed
            fields[key] = typed  # aiida-core's older spelling: Int.fields.value
    return QbFields(fields)


_BUILDERS: dict[str, Callable[[type], Any]] = {
    "ReadModel": _read_model,
    "WriteModel": _write_model,
    "AttributesModel": _attributes_model,
    "ConstructorArgsModel": _constructor_args_model,
    "ConstructorModel": _constructor_model,
    "supports_constructor_model": _supports_constructor_model,
    "CliModel": _cli_model,
    "supports_cli_model": lambda owner: False,
    "Model": _compat_model,
    "fields": _fields,
    **{name: _shared(name) for name in _NODE_PARTS},
}
