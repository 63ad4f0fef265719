"""What an appended class or entity_type means: its ORM base and the type filters it implies.

AiiDA encodes an entity's class in a column (``node_type``, ``process_type``, group
``type_string``), so "the vertex is an ``Int``" becomes a filter on that column. The filters
are AiiDA's: a node class matches its node_type's query prefix with ``LIKE`` (the class and
everything below it) or the exact node_type without subclassing.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.entities import entity_class, registered_entity_classes
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.types import query_prefix
from provgraph.storage.abstract import EntityTypes
from provgraph.storage.query_schema import escape_like

__all__ = [
    "DEFAULT_GROUP_TYPE_STRING",
    "GROUP_PREFIX",
    "Classifier",
    "auto_tag_base",
    "classify",
    "escape_like",
    "type_filters",
]

#: Group entity types are ``group.<type_string>`` (AiiDA's ``GROUP_ENTITY_TYPE_PREFIX``).
GROUP_PREFIX = "group."

#: The type_string of the groups users make (the base ``Group`` class's).
DEFAULT_GROUP_TYPE_STRING = "core"

# Entity types other than nodes and groups: the entity_type string is the type's name.
_SIMPLE_BASES = (
    EntityTypes.COMPUTER,
    EntityTypes.USER,
    EntityTypes.AUTHINFO,
    EntityTypes.COMMENT,
    EntityTypes.LOG,
)
_SIMPLE_NAMES = {base.value: base for base in (*_SIMPLE_BASES, EntityTypes.LINK)}


@dataclass(frozen=True)
class Classifier:
    """One appended class (or entity_type string) reduced to what the query needs."""

    orm_base: EntityTypes
    #: node_type for nodes, ``group.<type_string>`` for groups, the base's name otherwise.
    entity_type: str
    process_type: str | None = None
    #: The node class, when a class was given: refines the filter of unregistered classes.
    node_class: type[Node] | None = None


def classify(cls: Any, entity_type: Any) -> tuple[EntityTypes, list[Classifier]]:
    """The ORM base shared by ``cls`` (one or a sequence) or ``entity_type`` (one or a sequence)."""
    if cls is not None and entity_type is not None:
        raise InputValidationError(
            f"give either a class ({cls!r}) or an entity_type ({entity_type!r}), not both"
        )
    if cls is None and entity_type is None:
        raise InputValidationError("append() needs a class (cls=...) or an entity_type string")
    if cls is not None:
        items = list(cls) if isinstance(cls, (list, tuple)) else [cls]
        classifiers = [_classify_class(item) for item in items]
    else:
        items = list(entity_type) if isinstance(entity_type, (list, tuple)) else [entity_type]
        classifiers = [_classify_string(item) for item in items]
    if not classifiers:
        raise InputValidationError("append() got an empty sequence of classes or entity types")
    bases = {classifier.orm_base for classifier in classifiers}
    if len(bases) > 1:
        names = ", ".join(sorted(base.value for base in bases))
        raise InputValidationError(
            f"the classes of one vertex must share an ORM base, got a mix of {names}: {items!r}"
        )
    return classifiers[0].orm_base, classifiers


def _classify_class(cls: Any) -> Classifier:
    if getattr(cls, "is_process_function", False) and not inspect.isclass(cls):
        return _classify_process_function(cls)
    if not inspect.isclass(cls):
        raise InputValidationError(
            f"cls must be an ORM class (Node, Int, Group, User, ...) or a process function, got {cls!r}"
        )
    if issubclass(cls, Node):
        return Classifier(EntityTypes.NODE, cls.class_node_type, node_class=cls)
    # Groups and the other entities through the registry: they sit above the QueryBuilder
    # (``Group.nodes`` queries with it), so this module does not import them.
    if issubclass(cls, entity_class(EntityTypes.GROUP)):
        type_string = getattr(cls, "_type_string", None) or DEFAULT_GROUP_TYPE_STRING
        return Classifier(EntityTypes.GROUP, GROUP_PREFIX + str(type_string))
    classes = registered_entity_classes()
    for base in _SIMPLE_BASES:
        if issubclass(cls, classes[base]):
            return Classifier(base, base.value)
    raise InputValidationError(f"{cls.__qualname__} is not an ORM entity class; cannot append it to a query")


def _classify_process_function(function: Any) -> Classifier:
    """A calcfunction or workfunction: its node class, restricted to its process_type."""
    node_class = function.node_class
    process_type = str(function.process_type)
    return Classifier(EntityTypes.NODE, node_class.class_node_type, process_type, node_class)


def _classify_string(entity_type: Any) -> Classifier:
    if not isinstance(entity_type, str):
        raise InputValidationError(
            f"entity_type must be a string, got {type(entity_type).__name__} {entity_type!r}"
        )
    lowered = entity_type.lower()
    if lowered.startswith(GROUP_PREFIX):
        return Classifier(EntityTypes.GROUP, entity_type)
    if lowered in _SIMPLE_NAMES:
        return Classifier(_SIMPLE_NAMES[lowered], lowered)
    if lowered == EntityTypes.GROUP_NODE.value:
        raise InputValidationError(
            f"{entity_type!r} rows are edges, not vertices: filter or project them with "
            "edge_filters / edge_project of the vertex they join"
        )
    if entity_type and not entity_type.endswith("."):
        raise InputValidationError(
            f"entity_type {entity_type!r} is neither a node_type (which ends with '.', e.g. "
            f"'data.core.int.Int.') nor 'group.<type_string>', {', '.join(sorted(_SIMPLE_NAMES))}"
        )
    return Classifier(EntityTypes.NODE, entity_type)


def auto_tag_base(classifiers: Sequence[Classifier]) -> str:
    """AiiDA's tag stem: the last part of each type string (``Int``, ``core``), joined by ``-``."""
    return "-".join(c.entity_type.rstrip(".").split(".")[-1] or "node" for c in classifiers)


def type_filters(
    orm_base: EntityTypes, classifiers: Sequence[Classifier], subclassing: bool
) -> dict[str, Any]:
    """The filters the vertex's classes imply: ``{column: spec}``, empty for other bases."""
    if orm_base is EntityTypes.NODE:
        filters = {"node_type": _any_of([_node_type_filter(c, subclassing) for c in classifiers])}
        process = [{"==": c.process_type} for c in classifiers if c.process_type is not None]
        if process:
            filters["process_type"] = _any_of(process)
        return filters
    if orm_base is EntityTypes.GROUP:
        return {"type_string": _any_of([_group_type_filter(c, subclassing) for c in classifiers])}
    return {}


def _any_of(specs: list[dict[str, Any]]) -> dict[str, Any]:
    return specs[0] if len(specs) == 1 else {"or": specs}


def _node_type_filter(classifier: Classifier, subclassing: bool) -> dict[str, Any]:
    if not subclassing:
        return {"==": classifier.entity_type}
    cls = classifier.node_class
    if cls is not None and not cls._is_registered:
        return _unregistered_filter(cls)
    return {"like": escape_like(query_prefix(classifier.entity_type)) + "%"}


def _unregistered_filter(cls: type[Node]) -> dict[str, Any]:
    """A class without a node_type of its own (``NumericType``, ``AbstractCode``).

    No row can have its node_type, so it stands for its stored subclasses: the prefix the
    class declares (AbstractCode: every ``data.core.code.`` row, as in AiiDA), else the prefixes
    of its registered subclasses (NumericType: Int and Float), else its own (matching nothing).
    """
    declared = cls.__dict__.get("_query_prefix")
    if declared:
        return {"like": escape_like(str(declared)) + "%"}
    prefixes = sorted({sub._query_prefix for sub in _registered_below(cls)})
    if not prefixes:
        return {"like": escape_like(query_prefix(cls.class_node_type)) + "%"}
    return _any_of([{"like": escape_like(prefix) + "%"} for prefix in prefixes])


def _registered_below(cls: type[Node]) -> list[type[Node]]:
    """The highest registered classes under ``cls`` (their prefixes cover their own subclasses)."""
    found: list[type[Node]] = []
    for sub in cls.__subclasses__():
        if sub._is_registered:
            found.append(sub)
        else:
            found.extend(_registered_below(sub))
    return found


def _group_type_filter(classifier: Classifier, subclassing: bool) -> dict[str, Any]:
    type_string = classifier.entity_type[len(GROUP_PREFIX) :]
    if not subclassing:
        return {"==": type_string}
    # The base Group ('core') stands for groups of every type, plugins' included (AiiDA's rule).
    prefix = "" if type_string == DEFAULT_GROUP_TYPE_STRING else escape_like(type_string)
    return {"like": prefix + "%"}
