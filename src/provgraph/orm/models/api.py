"""Entities to models and back: ``to_model``, ``from_model``, ``serialize``, ``from_serialized``.

The values of a model's fields are read from the entity: a field's ``orm_to_model`` if it has
one, else the entity's property of that name; a node's ``attributes`` are read from its
attributes by key (or alias), and a model that allows extra keys (``Dict``, ``ArrayData``) takes
all of them. Creating an entity from a model calls the class's constructor; creating a node from
its ``WriteModel`` sets its attributes and files directly, as loading it would.
"""

from __future__ import annotations

import inspect
import pathlib
from collections.abc import Callable
from typing import IO, Any, cast

from provgraph.common.pydantic import get_metadata
from provgraph.common.warnings import warn_deprecation
from provgraph.exceptions import UnsupportedSchemaError, ValidationError
from provgraph.orm.entities import Entity
from provgraph.orm.logs import Log
from provgraph.orm.models import build
from provgraph.orm.nodes.data.core import ArrayData, SinglefileData
from provgraph.orm.nodes.node import Node
from provgraph.orm.pydantic import OrmModel

__all__ = ["API", "ModelApiImpl", "field_values"]

_MISSING = object()
Files = dict[str, Callable[[], IO[Any] | None]]


def _adapt_log(_: type, values: dict[str, Any]) -> dict[str, Any]:
    node = values.pop("node", None)
    if node is not None:
        values["dbnode_id"] = node.pk
    return values


def _adapt_singlefile(_: type, values: dict[str, Any]) -> dict[str, Any]:
    if "content" in values:
        values["file"] = values.pop("content")
    return values


# Where a constructor's keywords differ from the names of aiida-core's model fields: the class
# (and its subclasses) -> how to rename them.
_CONSTRUCTOR_ADAPTERS: dict[type, Callable[[type, dict[str, Any]], dict[str, Any]]] = {
    Log: _adapt_log,
    SinglefileData: _adapt_singlefile,
}


def _constructor_values(cls: type, values: dict[str, Any]) -> dict[str, Any]:
    for klass in cls.__mro__:
        adapter = _CONSTRUCTOR_ADAPTERS.get(klass)
        if adapter is not None:
            return adapter(cls, values)
    return values


def _read(reader: Callable[..., Any], entity: Entity, context: dict[str, Any]) -> Any:
    """Call ``orm_to_model(entity)`` or ``orm_to_model(entity, context)``."""
    takes_context = len(inspect.signature(reader).parameters) > 1
    return reader(entity, context) if takes_context else reader(entity)


def _attribute_values(node: Node, model: type[OrmModel], context: dict[str, Any]) -> dict[str, Any]:
    attributes = node.base.attributes.all
    values: dict[str, Any] = {}
    for key, field in model.model_fields.items():
        name = field.alias or key
        reader = get_metadata(field, "orm_to_model")
        if reader is not None:
            values[name] = _read(reader, node, context)
        elif name in attributes:
            values[name] = attributes[name]
        elif not field.is_required():
            values[name] = field.get_default(call_default_factory=True)
    if model.model_config.get("extra") == "allow":
        for key, value in attributes.items():
            values.setdefault(key, value)
    return values


def field_values(
    entity: Entity,
    schema: type[OrmModel] | None = None,
    *,
    context: dict[str, Any] | None = None,
    minimal: bool = False,
) -> dict[str, Any]:
    """The values of ``schema``'s fields (default: the entity's ``ReadModel``) read from ``entity``."""
    model: type[OrmModel] = schema if schema is not None else type(entity).ReadModel
    context = context or {}
    values: dict[str, Any] = {}
    for key, field in model.model_fields.items():
        name = field.alias or key
        if minimal and get_metadata(field, "may_be_large"):
            continue
        reader = get_metadata(field, "orm_to_model")
        annotation = field.annotation
        if reader is not None:
            values[name] = _read(reader, entity, context)
        elif key == "attributes" and isinstance(entity, Node) and build.is_model(annotation):
            values[name] = _attribute_values(entity, cast("type[OrmModel]", annotation), context)
        elif build.is_model(annotation):
            values[name] = field_values(
                entity, cast("type[OrmModel]", annotation), context=context, minimal=minimal
            )
        else:
            value = getattr(entity, key, _MISSING)
            if value is _MISSING and isinstance(entity, Node):
                value = entity.base.attributes.get(key, _MISSING)
            if value is not _MISSING:
                values[name] = value
            elif not field.is_required():
                values[name] = field.get_default(call_default_factory=True)
    return values


def _refuse_compat(cls: type, model: Any) -> None:
    compat = build.built(cls, "Model")
    if compat is not None and isinstance(model, compat):
        name = cls.__name__
        alternatives = f"`{name}.WriteModel`" + (
            f" or `{name}.ConstructorModel`" if issubclass(cls, Node) else ""
        )
        raise ValueError(
            f"`{name}.Model` is deprecated and only for validation and introspection; "
            f"use {alternatives} with `from_model()` instead"
        )


class ModelApiImpl:
    """The implementation ``provgraph.orm.entities`` calls through ``model_api()``."""

    def class_attribute(self, owner: type[Any], name: str) -> Any:
        return build.class_attribute(owner, name)

    def to_model(
        self,
        entity: Any,
        *,
        context: dict[str, Any] | None = None,
        minimal: bool = False,
        schema: str | None = None,
    ) -> Any:
        cls = type(entity)
        if schema == "constructor":
            if not isinstance(entity, Node) or not cls.supports_constructor_model:
                node_type = getattr(cls, "class_node_type", cls.__name__)
                raise UnsupportedSchemaError(f"'{node_type}' does not provide a constructor schema")
            model = cls.ConstructorModel
            return model(**field_values(entity, model, context=context, minimal=minimal))
        schema = schema or ("read" if entity.is_stored else "write")
        if schema not in ("read", "write"):
            raise UnsupportedSchemaError(f"expected one of ['read', 'write'] schemas, got '{schema}'")
        if schema == "read" and not entity.is_stored:
            raise UnsupportedSchemaError("cannot use 'read' schema for an unstored entity")
        model = cls.ReadModel if schema == "read" else cls.WriteModel
        values = field_values(entity, model, context=context, minimal=minimal)
        if minimal:
            model = model._as_minimal_model()
        return model(**values)

    def serialize(
        self,
        entity: Any,
        *,
        context: dict[str, Any] | None = None,
        minimal: bool = False,
        schema: str | None = None,
        mode: str = "python",
        exclude_none: bool = False,
        repository_dump_path: pathlib.Path | None = None,
    ) -> dict[str, Any]:
        context = dict(context or {})
        if repository_dump_path is not None and context.get("repository_dump_path") is not None:
            raise ValueError("give `repository_dump_path` as an argument or in the context, not both")
        dump_path = repository_dump_path or context.get("repository_dump_path")
        if dump_path is not None and isinstance(entity, Node):
            dump_path = pathlib.Path(dump_path)
            if not dump_path.is_dir():
                raise ValueError(f"`{dump_path}` is not an existing directory")
            entity.base.repository.copy_tree(dump_path)
            context.update(repository_dump_path=dump_path, written=True)
        model = self.to_model(entity, context=context, minimal=minimal, schema=schema)
        serialized: dict[str, Any] = model.model_dump(
            mode=mode, exclude_unset=minimal, exclude_none=exclude_none
        )
        # Attributes that the class's model does not name (plugins without a model) are kept too.
        if (
            isinstance(entity, Node)
            and not minimal
            and (schema == "read" or (schema is None and entity.is_stored))
        ):
            attributes = serialized.setdefault("attributes", {})
            for key, value in entity.base.attributes.all.items():
                attributes.setdefault(key, value)
        return serialized

    def from_model(self, cls: type[Any], model: Any, *, files: Files | None = None) -> Any:
        _refuse_compat(cls, model)
        if not issubclass(cls, Node):
            values = _constructor_values(cls, model._to_orm_field_values())
            return cls(**values)
        if isinstance(model, cls.WriteModel):
            return _from_write_model(cls, model, files)
        if cls.supports_constructor_model and isinstance(model, cls.ConstructorModel):
            values = model._to_orm_field_values()
            values.update(values.pop("args", {}))
            values.pop("node_type", None)
            return cls(**_constructor_values(cls, values))
        raise ValueError(f"cannot create `{cls.__name__}` from model of type `{type(model).__name__}`")

    def from_serialized(
        self, cls: type[Any], serialized: dict[str, Any], *, files: Files | None = None
    ) -> Any:
        if not issubclass(cls, Node):
            return self.from_model(cls, cls.WriteModel(**serialized))
        if "attributes" in serialized:
            return self.from_model(cls, cls.WriteModel(**serialized), files=files)
        if "args" in serialized:
            return self.from_model(cls, cls.ConstructorModel(**serialized), files=files)
        raise ValueError("missing required `attributes` or `args` field")

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        return _CALLS[name](*args, **kwargs)


def _from_write_model(cls: type[Node], model: OrmModel, files: Files | None) -> Node:
    """A new node with the model's columns, attributes, extras and files (no constructor run)."""
    values = model._to_orm_field_values()
    extras = values.pop("extras", None)
    attributes = values.pop("attributes", None)
    if attributes is None:
        raise ValueError("missing required `attributes` field")
    if values.pop("repository_metadata", None) and not files:
        raise ValidationError("got `repository_metadata` but no files")
    values.pop("node_type", None)
    node = cls.__new__(cls)
    Node.__init__(node, **values)
    node._init_from_row()  # side state that loading a node sets up (e.g. ArrayData's array cache)
    node.base.attributes.set_many(attributes)
    if extras:
        node.base.extras.set_many(extras)
    seen: set[str] = set()
    for path, opener in (files or {}).items():
        if path in seen:
            raise ValidationError(f"duplicate file: {path}")
        seen.add(path)
        handle = opener()
        if handle is None:
            node.base.repository._repository.create_directory(path)  # an empty folder
            continue
        try:
            node.attach_file(path, handle)
        finally:
            handle.close()
    return node


def _attach_file(node: Node, path: str, handle: IO[Any]) -> None:
    """Add ``handle`` as ``path``; arrays and single files set what they derive from it."""
    if isinstance(node, ArrayData):
        if not path.lower().endswith(".npy"):
            raise ValueError(f"expected a .npy file, got {path!r}")
        from provgraph.orm.nodes.data.core.array import load_numpy

        array = load_numpy().load(handle, allow_pickle=False)
        node.set_array(path[: -len(".npy")], array)
    elif isinstance(node, SinglefileData):
        node.set_file(handle, filename=path)
    else:
        node.base.repository.put_object_from_filelike(handle, path)


def _model_to_orm_fields(cls: type[Any]) -> dict[str, Any]:
    warn_deprecation(
        "`Entity.model_to_orm_fields()` is deprecated, use `WriteModel.model_fields` instead", 3, stacklevel=4
    )
    return dict(cls.WriteModel.model_fields)


def _model_to_orm_field_values(cls: type[Any], model: Any) -> dict[str, Any]:
    warn_deprecation(
        "`Entity.model_to_orm_field_values()` is deprecated, use `from_model()` to create an entity",
        3,
        stacklevel=4,
    )
    _refuse_compat(cls, model)
    return cast("dict[str, Any]", model._to_orm_field_values())


_CALLS: dict[str, Callable[..., Any]] = {
    "field_values": field_values,
    "attach_file": _attach_file,
    "model_to_orm_fields": _model_to_orm_fields,
    "model_to_orm_field_values": _model_to_orm_field_values,
}

API = ModelApiImpl()
