"""The base of every ORM entity and of the collections that find them.

An entity is a thin wrapper around one row of its table: ``_row`` holds the column values (no
``id`` until stored) and the storage backend it belongs to. Loading an entity costs one dict;
there is no unit of work and no per-attribute round trip. Collections look rows up through the
backend's plain row API and turn them into entities.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from provgraph.exceptions import (
    InputValidationError,
    InvalidOperation,
    ModificationNotAllowed,
    MultipleObjectsError,
    NotExistent,
)
from provgraph.manager import get_manager
from provgraph.storage.abstract import EntityTypes, In, Like, RowFilters, StorageBackend

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = [
    "BackendEntity",
    "BuiltOnFirstUse",
    "BulkDeleteCollection",
    "Collection",
    "CollectionDescriptor",
    "Entity",
    "collection_of",
    "entity_class",
    "get_default_backend",
    "registered_entity_classes",
]

EntityT = TypeVar("EntityT", bound="Entity")
CollectionT_co = TypeVar("CollectionT_co", bound="Collection[Any]", covariant=True)
CollectionT = TypeVar("CollectionT", bound="Collection[Any]")


# EntityTypes -> the class that declared it (User, Computer, Node, ...): filled by
# ``Entity.__init_subclass__``. Modules reach the classes of other entities through it instead of
# importing them, so that ``orm/`` has no import cycle (a node names its user and computer, a
# computer its authinfos, a query result any entity).
_ENTITY_CLASSES: dict[EntityTypes, type[Entity]] = {}


def entity_class(entity_type: EntityTypes) -> type[Entity]:
    """The ORM class of ``entity_type`` rows (``EntityTypes.USER`` -> ``User``).

    Every entity module is imported with ``provgraph.orm``, so all of them are registered
    before any user code runs::

        >>> from provgraph.orm.entities import entity_class
        >>> from provgraph.storage.abstract import EntityTypes
        >>> entity_class(EntityTypes.USER).__name__
        'User'
    """
    try:
        return _ENTITY_CLASSES[entity_type]
    except KeyError:
        raise LookupError(f"no ORM class is registered for {entity_type.value!r} rows") from None


def collection_of(entity_type: EntityTypes, backend: StorageBackend) -> Collection[Any]:
    """The collection of ``entity_type``'s class in ``backend`` (e.g. the users, for a node)."""
    return entity_class(entity_type).get_collection(backend)


def registered_entity_classes() -> dict[EntityTypes, type[Entity]]:
    """Every registered entity type with its class (a copy)."""
    return dict(_ENTITY_CLASSES)


def get_default_backend() -> StorageBackend:
    """The loaded profile's storage: what public entry points use when given no backend."""
    return get_manager().get_profile_storage()


def _owned(row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` itself if it is a dict (a storage's lazily converted row stays lazy), else a copy."""
    return row if isinstance(row, dict) else dict(row)


def _row_filter(name: str, value: Any) -> Any:
    """A QueryBuilder-style ``{operator: operand}`` for ``==``, ``in`` and ``like`` as a row filter.

    AiiDA's collections take QueryBuilder filters (``{'id': {'in': [1, 2]}}``); the row API
    has equality, ``In`` and ``Like``, which covers what collections are asked.
    """
    if not isinstance(value, Mapping):
        return value
    if len(value) == 1:
        ((operator, operand),) = value.items()
        if operator == "==":
            return operand
        if operator == "in" and isinstance(operand, (list, tuple, set, frozenset)):
            return In(tuple(operand))
        if operator == "like" and isinstance(operand, str):
            return Like(operand)
    raise InputValidationError(
        f"filter on {name!r}: a collection takes a value or {{'==' | 'in' | 'like': operand}}, "
        f"got {value!r}; use the QueryBuilder for other operators"
    )


class Collection(Generic[EntityT]):
    """The entities of one class in one storage: ``Entity.collection`` returns one.

    ``filters`` name columns (``pk`` is an alias of ``id``); each entity class may translate
    its public field names to columns (``_columns_of``) and add its own restriction
    (``_class_filters``, e.g. a node class matches its node_type prefix).
    """

    def __init__(self, entity_class: type[EntityT], backend: StorageBackend) -> None:
        self._entity_class = entity_class
        self._backend = backend

    def __call__(self, backend: StorageBackend) -> Self:
        """The same collection in another storage (AiiDA's ``Entity.collection(backend)``);
        the one already made for that class and storage, if any."""
        if backend is self._backend:
            return self
        return _cached_collection(type(self), self._entity_class, backend)

    @property
    def backend(self) -> StorageBackend:
        return self._backend

    @property
    def entity_type(self) -> type[EntityT]:
        return self._entity_class

    def _filters(self, filters: Mapping[str, Any] | None) -> dict[str, Any]:
        columns = self._entity_class._columns_of(
            {name: _row_filter(name, value) for name, value in (filters or {}).items()}
        )
        columns.update(self._entity_class._class_filters())
        return columns

    def _order(self, order_by: Sequence[str] | None) -> list[str]:
        if not order_by:
            return ["id"]
        translated = []
        for item in order_by:
            descending = item.startswith("-")
            name = item.lstrip("-")
            (column,) = self._entity_class._columns_of({name: None})
            translated.append(f"-{column}" if descending else column)
        return translated

    def find(
        self,
        filters: Mapping[str, Any] | None = None,
        order_by: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[EntityT]:
        """Entities whose fields equal ``filters`` (values may be ``In``/``Like``), in pk order."""
        rows = self._backend.get_rows(
            self._entity_class._entity_type,
            self._filters(filters),
            order_by=self._order(order_by),
            limit=limit,
        )
        return [self._entity_class._from_row(self._backend, row) for row in rows]

    def get(self, **filters: Any) -> EntityT:
        """The one entity matching ``filters``; ``NotExistent`` or ``MultipleObjectsError`` otherwise."""
        found = self.find(filters, limit=2)
        described = ", ".join(f"{key}={value!r}" for key, value in filters.items())
        name = self._entity_class.__name__
        if not found:
            raise NotExistent(f"no {name} with {described}")
        if len(found) > 1:
            raise MultipleObjectsError(f"more than one {name} with {described}")
        return found[0]

    def all(self) -> list[EntityT]:
        return self.find()

    def count(self, filters: Mapping[str, Any] | None = None) -> int:
        return self._backend.count_rows(self._entity_class._entity_type, self._filters(filters))

    def delete(self, pk: int) -> None:
        """Delete the entity with this pk; entity classes that forbid deletion refuse."""
        self._entity_class._delete(self._backend, pk)


class BulkDeleteCollection(Collection[EntityT]):
    """A collection whose entities can also be deleted by filter (AiiDA's comments and logs)."""

    def delete_many(self, filters: Mapping[str, Any]) -> list[int]:
        """Delete the entities matching ``filters`` (at least one filter) and return their pks."""
        if not filters:
            noun = self._entity_class.__name__.lower()
            raise InputValidationError(f"delete_many needs filters; call delete_all() to delete every {noun}")
        return self._delete_matching(filters)

    def delete_all(self) -> None:
        self._delete_matching({})

    def _delete_matching(self, filters: Mapping[str, Any]) -> list[int]:
        with self._backend.transaction():
            ids = [entity.pk for entity in self.find(filters) if entity.pk is not None]
            self._backend.delete_rows(self._entity_class._entity_type, ids)
        return ids


# ``User.collection`` is one object per storage (AiiDA's promise). The collections are kept on the
# storage object itself, under this attribute: they refer to their storage, so a cache outside it
# (even a weak-keyed one, whose values would keep the keys alive) would keep every storage ever
# used alive; kept on the storage, they go with it.
_COLLECTIONS_ATTRIBUTE = "_provgraph_orm_collections"


def _cached_collection(
    collection_class: type[CollectionT], owner: type[Entity], backend: StorageBackend
) -> CollectionT:
    """The collection of ``owner`` in ``backend``, made on first use."""
    per_backend: dict[tuple[type, type], Any] | None = getattr(backend, _COLLECTIONS_ATTRIBUTE, None)
    if per_backend is None:
        per_backend = {}
        try:
            setattr(backend, _COLLECTIONS_ATTRIBUTE, per_backend)
        except AttributeError:  # a storage without instance attributes: no caching
            return collection_class(owner, backend)
    key = (collection_class, owner)
    collection = per_backend.get(key)
    if collection is None:
        collection = per_backend[key] = collection_class(owner, backend)
    return collection


class CollectionDescriptor(Generic[CollectionT_co]):
    """``Entity.collection``: the owner class's collection in the loaded profile's storage.

    Generic in the collection class, so that a subclass declares it once
    (``collection = CollectionDescriptor(UserCollection)``) and ``User.collection.get_default()``
    type-checks; subclasses of that class (``Data`` under ``Node``) inherit it and get a
    collection of their own class.
    """

    def __init__(self, collection_class: type[CollectionT_co]) -> None:
        self._collection_class = collection_class

    def __get__(self, instance: object, owner: type[Entity]) -> CollectionT_co:
        return self.bind(owner, get_default_backend())

    def bind(self, owner: type[Entity], backend: StorageBackend) -> CollectionT_co:
        """The collection of ``owner`` in ``backend`` (no loaded profile needed), one per storage."""
        return _cached_collection(self._collection_class, owner, backend)


# What ``provgraph.orm.models`` provides to the entity classes (``set_model_api``): the pydantic
# models of an entity class are built from its ancestors' on first use, so they live in a package
# above every entity class, which entities reach through this hook. Its methods: class_attribute,
# to_model, from_model, serialize, from_serialized, call (see ``provgraph.orm.models.api``).
_MODEL_API: Any = None


def set_model_api(api: Any) -> None:
    """Install the models package's implementation (done when ``provgraph.orm`` is imported)."""
    global _MODEL_API
    _MODEL_API = api


def model_api() -> Any:
    if _MODEL_API is None:
        raise RuntimeError("provgraph.orm.models is not loaded: import provgraph.orm first")
    return _MODEL_API


class BuiltOnFirstUse:
    """A class attribute (``Int.ReadModel``, ``Int.fields``) that the models package makes for
    each class the first time it is read, never at import or on the store and load paths."""

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    def __get__(self, instance: object, owner: type[Any]) -> Any:
        return model_api().class_attribute(owner, self._name)


class _DeprecatedModel:
    """``cls.Model``: aiida-core's old single model, for validation only; warns on every read."""

    def __get__(self, instance: object, owner: type[Any]) -> Any:
        from provgraph.common.warnings import warn_deprecation

        name = owner.__name__
        warn_deprecation(f"`{name}.Model` is deprecated, use `{name}.ReadModel` and `{name}.WriteModel`", 3)
        return model_api().class_attribute(owner, "Model")


class Entity:
    """One row of an AiiDA table, stored or not yet stored."""

    # pydantic models and query fields of the class (see ``provgraph.orm.models``).
    ReadModel: ClassVar[Any] = BuiltOnFirstUse()
    WriteModel: ClassVar[Any] = BuiltOnFirstUse()
    fields: ClassVar[Any] = BuiltOnFirstUse()
    Model: ClassVar[Any] = _DeprecatedModel()

    _entity_type: ClassVar[EntityTypes]
    collection: ClassVar[CollectionDescriptor[Collection[Any]]] = CollectionDescriptor(Collection)
    #: Fields that name another entity -> their foreign-key column; filters may give the entity or its pk.
    _relation_columns: ClassVar[Mapping[str, str]] = {}

    _backend: StorageBackend
    _row: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """The class that declares an ``_entity_type`` is that type's class in the registry."""
        super().__init_subclass__(**kwargs)
        if "_entity_type" in cls.__dict__:
            _ENTITY_CLASSES.setdefault(cls._entity_type, cls)

    def __init__(self, backend: StorageBackend | None = None) -> None:
        self._backend = backend if backend is not None else get_default_backend()
        self._row = {}

    @classmethod
    def get_collection(cls, backend: StorageBackend) -> Collection[Self]:
        """This class's collection in ``backend`` (AiiDA's name), without a loaded profile."""
        for klass in cls.__mro__:
            descriptor = klass.__dict__.get("collection")
            if isinstance(descriptor, CollectionDescriptor):
                return descriptor.bind(cls, backend)  # type: ignore[no-any-return]
        return Collection(cls, backend)

    @classmethod
    def _from_row(cls, backend: StorageBackend, row: Mapping[str, Any]) -> Self:
        """Wrap a stored row without running ``__init__`` (which builds a new, unstored entity).

        The entity takes ``row`` over when it is a dict (rows fresh from the storage, read in
        bulk, are not copied again): pass a copy of a row you keep using.
        """
        entity = cls.__new__(cls)
        entity._backend = backend
        entity._row = _owned(row)
        entity._init_from_row()
        return entity

    def _init_from_row(self) -> None:
        """Hook for subclasses that keep state beside the row (e.g. caches)."""

    @classmethod
    def _columns_of(cls, fields: dict[str, Any]) -> dict[str, Any]:
        """Translate public field names in a filter to columns (``pk`` -> ``id``, ``user`` -> ``user_id``)."""
        if "pk" in fields:
            fields["id"] = fields.pop("pk")
        for name, column in cls._relation_columns.items():
            if name in fields:
                value = fields.pop(name)
                fields[column] = value.pk if isinstance(value, Entity) else value
        return fields

    @classmethod
    def _class_filters(cls) -> RowFilters:
        """Filters every lookup of this class adds (none by default)."""
        return {}

    @classmethod
    def _delete(cls, backend: StorageBackend, pk: int) -> None:
        """Delete the row; classes with rows that point at theirs check those first."""
        with backend.transaction():
            if not backend.count_rows(cls._entity_type, {"id": pk}):
                raise NotExistent(f"no {cls.__name__} with pk {pk}")
            backend.delete_rows(cls._entity_type, [pk])

    # -- pydantic models (``provgraph.orm.models``) ----------------------------------------------

    def to_model(
        self, *, context: dict[str, Any] | None = None, minimal: bool = False, schema: str | None = None
    ) -> Any:
        """The entity as an instance of its ``ReadModel`` (default when stored) or ``WriteModel``."""
        return model_api().to_model(self, context=context, minimal=minimal, schema=schema)

    @classmethod
    def from_model(cls, model: Any) -> Self:
        """A new, unstored entity from an instance of the class's ``WriteModel``."""
        return model_api().from_model(cls, model)  # type: ignore[no-any-return]

    def serialize(
        self,
        *,
        context: dict[str, Any] | None = None,
        minimal: bool = False,
        schema: str | None = None,
        mode: str = "python",
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """The entity's model as a dict (``mode='json'``: JSON types only)."""
        serialized: dict[str, Any] = model_api().serialize(
            self, context=context, minimal=minimal, schema=schema, mode=mode, exclude_none=exclude_none
        )
        return serialized

    @classmethod
    def from_serialized(cls, serialized: dict[str, Any]) -> Self:
        """A new, unstored entity from a dict of the ``WriteModel``'s fields."""
        return model_api().from_serialized(cls, serialized)  # type: ignore[no-any-return]

    def to_model_field_values(
        self, *, context: dict[str, Any] | None = None, minimal: bool = False, schema: Any = None
    ) -> dict[str, Any]:
        """The values of the fields of ``schema`` (default: the ``ReadModel``) read from this entity."""
        return model_api().call("field_values", self, schema, context=context, minimal=minimal)  # type: ignore[no-any-return]

    @classmethod
    def model_to_orm_fields(cls) -> dict[str, Any]:
        """Deprecated: the ``WriteModel``'s fields."""
        return model_api().call("model_to_orm_fields", cls)  # type: ignore[no-any-return]

    @classmethod
    def model_to_orm_field_values(cls, model: Any) -> dict[str, Any]:
        """Deprecated: the constructor arguments that ``model`` gives."""
        return model_api().call("model_to_orm_field_values", cls, model)  # type: ignore[no-any-return]

    # -- identity -------------------------------------------------------------------------------

    @property
    def backend(self) -> StorageBackend:
        return self._backend

    @property
    def pk(self) -> int | None:
        """The row id, or None while unstored."""
        value = self._row.get("id")
        return None if value is None else int(value)

    @property
    def id(self) -> int | None:
        return self.pk

    @property
    def is_stored(self) -> bool:
        return self._row.get("id") is not None

    def store(self) -> Self:
        """Write the entity; a stored entity is returned as it is."""
        if not self.is_stored:
            self._store()
        return self

    def _store(self) -> None:
        """Insert the row in one statement; subclasses that write more wrap it in a transaction."""
        row = {key: value for key, value in self._row.items() if key != "id"}
        try:
            (self._row["id"],) = self._backend.bulk_insert(self._entity_type, [row], allow_defaults=True)
        except InputValidationError as exc:
            self._explain_conflict(row, exc)
            raise

    def _update(self, **columns: Any) -> None:
        """Change columns, in the row first if stored, so a refused change leaves the entity as it was."""
        if self.is_stored:
            try:
                self._backend.bulk_update(self._entity_type, [{"id": self._row["id"], **columns}])
            except InputValidationError as exc:
                self._explain_conflict(columns, exc)
                raise
        self._row.update(columns)

    def _json_column(self, column: str) -> dict[str, Any]:
        """The live dict of a JSON column (``attributes``, ``extras``); None becomes ``{}``
        (AiiDA's schema lets the columns be NULL)."""
        data: dict[str, Any] | None = self._row.get(column)
        if data is None:
            data = self._row[column] = {}
        return data

    def _json_owner_name(self) -> str:
        """How errors about this entity's JSON columns name it."""
        return f"{type(self).__name__} pk={self.pk}"

    def _explain_conflict(self, columns: Mapping[str, Any], cause: InputValidationError) -> None:
        """Hook: raise a clearer error if ``columns`` clash with another stored row.

        The storage reports a broken unique constraint in its own terms; a class with unique
        fields names the taken value and what to do instead. Return to keep the storage's error.
        """

    def __getstate__(self) -> Any:
        """Entities are not pickled: one is a row bound to an open storage (AiiDA refuses too)."""
        raise InvalidOperation(
            f"pickling of {type(self).__name__} is not supported: keep its pk or uuid and load it again"
        )

    @property
    def backend_entity(self) -> BackendEntity:
        """AiiDA's backend entity (provgraph has no separate layer): a view of this entity."""
        return self._backend_entity_class(self)

    _backend_entity_class: ClassVar[type[BackendEntity]]

    def _set_bare_column(self, name: str, value: Any) -> None:
        """``backend_entity.bare_model.<name> = value``: change a column of the unstored row."""
        if self.is_stored:
            raise ModificationNotAllowed(
                f"{self!r} is stored: change its columns through its own API, not the bare model"
            )
        if name not in self._row:
            raise AttributeError(f"{type(self).__name__} rows have no column {name!r}")
        self._row[name] = value

    def _get_bare_column(self, name: str) -> Any:
        try:
            return self._row[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} rows have no column {name!r}") from None

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self) or not isinstance(other, Entity):
            return NotImplemented
        if self.is_stored and other.is_stored:
            return self.pk == other.pk and self._backend is other._backend
        return self is other

    def __hash__(self) -> int:
        return hash((type(self), self.pk)) if self.is_stored else id(self)

    def __repr__(self) -> str:
        state = f"pk={self.pk}" if self.is_stored else "unstored"
        return f"<{type(self).__name__}: {state}>"


class _BareModel:
    """``backend_entity.bare_model``: the row's columns as attributes (for aiida's tests that
    set a column of an unstored entity directly, e.g. a group's ``type_string``)."""

    __slots__ = ("_entity",)

    def __init__(self, entity: Entity) -> None:
        object.__setattr__(self, "_entity", entity)

    def __getattr__(self, name: str) -> Any:
        return self._entity._get_bare_column(name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._entity._set_bare_column(name, value)


class BackendEntity:
    """What AiiDA calls an entity's backend entity; provgraph's entities are their own rows, so
    this is a view that answers for the entity (``pk``, ``uuid``, ... pass through)."""

    __slots__ = ("_entity",)

    def __init__(self, entity: Entity) -> None:
        self._entity = entity

    @property
    def entity(self) -> Entity:
        """The ORM entity this view belongs to."""
        return self._entity

    @property
    def bare_model(self) -> Any:
        return _BareModel(self._entity)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._entity, name)

    def __repr__(self) -> str:
        return f"<BackendEntity of {self._entity!r}>"


Entity._backend_entity_class = BackendEntity
