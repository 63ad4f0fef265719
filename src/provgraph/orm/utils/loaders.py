"""aiida-core's ``aiida.orm.utils.loaders``: entity loaders by pk, uuid (or prefix) and label.

The lookups themselves are :func:`provgraph.orm.loaders.load_entity` (one reading of
identifiers for every entity class); the ``OrmEntityLoader`` classes name which class a lookup
loads, as aiida's API does, and :func:`load_entity` takes one of them::

    from provgraph.orm.utils.loaders import GroupEntityLoader, load_entity
    group = load_entity(GroupEntityLoader, label="my-group")
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from provgraph.exceptions import MultipleObjectsError, NotExistent
from provgraph.orm import loaders as _core
from provgraph.orm.computers import Computer
from provgraph.orm.entities import Entity, get_default_backend
from provgraph.orm.groups import Group
from provgraph.orm.nodes.data.core import AbstractCode
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import CalculationNode
from provgraph.storage.abstract import StorageBackend

__all__ = [
    "CalculationEntityLoader",
    "CodeEntityLoader",
    "ComputerEntityLoader",
    "GroupEntityLoader",
    "IdentifierType",
    "NodeEntityLoader",
    "OrmEntityLoader",
    "get_loader",
    "load_code",
    "load_computer",
    "load_entity",
    "load_group",
    "load_node",
]


class IdentifierType(enum.Enum):
    """What an identifier is: a pk, a uuid (or prefix), or a label."""

    ID = "ID"
    UUID = "UUID"
    LABEL = "LABEL"


class OrmEntityLoader:
    """Loads entities of one ORM class (:attr:`orm_base_class`) by identifier."""

    orm_base_class: ClassVar[type[Entity]] = Entity
    #: Whether a bare string may be a label (groups, computers) or only a pk/uuid (nodes).
    _bare_labels: ClassVar[bool] = True

    @classmethod
    def get_query_classes(cls, sub_classes: Sequence[type[Entity]] | None = None) -> tuple[type[Entity], ...]:
        """The classes a lookup may return: ``sub_classes`` (each under the base class) or the base."""
        if sub_classes is None:
            return (cls.orm_base_class,)
        if not isinstance(sub_classes, (tuple, list)):
            raise TypeError(f"sub_classes should be a tuple of classes, got {sub_classes!r}")
        for sub_class in sub_classes:
            if not isinstance(sub_class, type) or not issubclass(sub_class, cls.orm_base_class):
                raise ValueError(f"{sub_class!r} is not a subclass of {cls.orm_base_class.__name__}")
        return tuple(sub_classes)

    @classmethod
    def load_entity(
        cls,
        identifier: Any,
        identifier_type: IdentifierType | None = None,
        sub_classes: Sequence[type[Entity]] | None = None,
        query_with_dashes: bool = True,
        backend: StorageBackend | None = None,
    ) -> Any:
        """The one entity ``identifier`` names (``NotExistent`` / ``MultipleObjectsError`` otherwise).

        ``query_with_dashes`` is accepted for aiida's signature: uuid prefixes match with or
        without dashes.
        """
        classes = cls.get_query_classes(sub_classes)
        key = {IdentifierType.ID: "pk", IdentifierType.UUID: "uuid", IdentifierType.LABEL: "label"}.get(
            identifier_type  # type: ignore[arg-type]
        )
        if key is None:
            if isinstance(identifier, str) and identifier.isdigit():
                identifier = int(identifier)
            kwargs: dict[str, Any] = {"identifier": identifier}
        else:
            kwargs = {key: int(identifier) if key == "pk" else identifier}
        entity = cls._load(kwargs, backend)
        if not isinstance(entity, classes):
            names = " or ".join(klass.__name__ for klass in classes)
            raise NotExistent(f"{cls.orm_base_class.__name__} {identifier!r} is not a {names}")
        return entity

    @classmethod
    def _load(cls, kwargs: dict[str, Any], backend: StorageBackend | None) -> Entity:
        return _core.load_entity(cls.orm_base_class, backend=backend, bare_labels=cls._bare_labels, **kwargs)


class NodeEntityLoader(OrmEntityLoader):
    """Loads nodes; a bare string is a pk or uuid, labels need ``label=``."""

    orm_base_class: ClassVar[type[Entity]] = Node
    _bare_labels = False


class CalculationEntityLoader(NodeEntityLoader):
    """Loads calculation nodes."""

    orm_base_class: ClassVar[type[Entity]] = CalculationNode

    @classmethod
    def _load(cls, kwargs: dict[str, Any], backend: StorageBackend | None) -> Entity:
        return _core.load_entity(Node, backend=backend, bare_labels=False, **kwargs)


class CodeEntityLoader(NodeEntityLoader):
    """Loads codes, also by label or full label (``label@computer``)."""

    orm_base_class: ClassVar[type[Entity]] = AbstractCode

    @classmethod
    def _load(cls, kwargs: dict[str, Any], backend: StorageBackend | None) -> Entity:
        label = kwargs.get("label")
        identifier = kwargs.get("identifier")
        if label is None and isinstance(identifier, str):
            try:
                return _core.load_entity(Node, backend=backend, bare_labels=False, **kwargs)
            except NotExistent:
                label = identifier
        if label is None:
            return _core.load_entity(Node, backend=backend, bare_labels=False, **kwargs)
        return _code_by_label(str(label), backend)


def _code_by_label(full_label: str, backend: StorageBackend | None) -> Entity:
    """The code labelled ``label`` or ``label@computer``: one match, or an error saying why not."""
    label, _, computer_label = full_label.partition("@")
    found = [
        code
        for code in AbstractCode.get_collection(backend or get_default_backend()).find({"label": label})
        if not computer_label or getattr(getattr(code, "computer", None), "label", None) == computer_label
    ]
    if not found:
        raise NotExistent(f"no code labelled {full_label!r}")
    if len(found) > 1:
        raise MultipleObjectsError(f"several codes are labelled {full_label!r}: give the pk or uuid")
    return found[0]


class GroupEntityLoader(OrmEntityLoader):
    """Loads groups of any type; a bare string may be a label."""

    orm_base_class: ClassVar[type[Entity]] = Group


class ComputerEntityLoader(OrmEntityLoader):
    """Loads computers; a bare string may be a label."""

    orm_base_class: ClassVar[type[Entity]] = Computer


def get_loader(orm_class: type[Any]) -> type[OrmEntityLoader]:
    """The loader of ``orm_class`` (or of the ORM class it derives from)."""
    for loader in (CodeEntityLoader, CalculationEntityLoader, GroupEntityLoader, ComputerEntityLoader):
        if isinstance(orm_class, type) and issubclass(orm_class, loader.orm_base_class):
            return loader
    if isinstance(orm_class, type) and issubclass(orm_class, Node):
        return NodeEntityLoader
    raise ValueError(f"no OrmEntityLoader for {orm_class!r}")


def load_entity(
    entity_loader: type[OrmEntityLoader] | None = None,
    identifier: Any = None,
    pk: Any = None,
    uuid: Any = None,
    label: Any = None,
    *,
    sub_classes: Sequence[type[Entity]] | None = None,
    query_with_dashes: bool = True,
    backend: StorageBackend | None = None,
) -> Any:
    """The entity named by exactly one of identifier, pk, uuid or label, through ``entity_loader``.

    aiida's argument checks: ``TypeError`` for a missing loader or a wrongly typed pk, uuid or
    label; ``ValueError`` unless exactly one identifier is given.
    """
    if not isinstance(entity_loader, type) or not issubclass(entity_loader, OrmEntityLoader):
        raise TypeError(f"entity_loader must be an OrmEntityLoader subclass, got {entity_loader!r}")
    given = [value for value in (identifier, pk, uuid, label) if value is not None]
    if len(given) != 1:
        raise ValueError(f"give exactly one of identifier, pk, uuid or label, got {len(given)}")
    if pk is not None:
        if isinstance(pk, bool) or not isinstance(pk, int):
            raise TypeError(f"a pk is an int, got {pk!r}")
        return entity_loader.load_entity(pk, IdentifierType.ID, sub_classes, query_with_dashes, backend)
    if uuid is not None:
        if not isinstance(uuid, str):
            raise TypeError(f"a uuid is a str, got {uuid!r}")
        return entity_loader.load_entity(uuid, IdentifierType.UUID, sub_classes, query_with_dashes, backend)
    if label is not None:
        if not isinstance(label, str):
            raise TypeError(f"a label is a str, got {label!r}")
        return entity_loader.load_entity(label, IdentifierType.LABEL, sub_classes, query_with_dashes, backend)
    return entity_loader.load_entity(identifier, None, sub_classes, query_with_dashes, backend)


class EntityLoadFunction(Protocol):
    """aiida-core's signature of ``load_code``, ``load_computer``, ``load_group`` and ``load_node``."""

    def __call__(
        self,
        identifier: Any = None,
        pk: Any = None,
        uuid: Any = None,
        label: Any = None,
        *,
        sub_classes: Sequence[type[Entity]] | None = None,
        query_with_dashes: bool = True,
    ) -> Any: ...


def _loader(entity_loader: type[OrmEntityLoader], name: str, what: str) -> EntityLoadFunction:
    """A ``load_<entity>`` function with aiida-core's signature over ``load_entity``."""

    def load(
        identifier: Any = None,
        pk: Any = None,
        uuid: Any = None,
        label: Any = None,
        *,
        sub_classes: Sequence[type[Entity]] | None = None,
        query_with_dashes: bool = True,
    ) -> Any:
        return load_entity(
            entity_loader,
            identifier,
            pk,
            uuid,
            label,
            sub_classes=sub_classes,
            query_with_dashes=query_with_dashes,
        )

    load.__name__ = load.__qualname__ = name
    load.__doc__ = f"The {what}."
    return load


load_code = _loader(
    CodeEntityLoader, "load_code", "code named by pk, uuid (or prefix), label or ``label@computer``"
)
load_computer = _loader(
    ComputerEntityLoader, "load_computer", "computer named by pk, uuid (or prefix) or label"
)
load_group = _loader(GroupEntityLoader, "load_group", "group named by pk, uuid (or prefix) or label")
load_node = _loader(NodeEntityLoader, "load_node", "node named by pk, uuid (or prefix), or ``label=``")
