"""aiida-core's classifier helpers of ``aiida.orm.querybuilder``, which its tests and some plugins use.

``_get_ormclass`` reduces an appended class or entity_type string to its ORM base and the type
strings the query filters on; ``_get_group_type_filter`` / ``_get_node_type_filter`` give those
filters. They answer with provgraph's own classification (:mod:`.type_filters`), in aiida's
shapes; an entity_type that names nothing raises ``DbContentError`` as in aiida.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from provgraph.exceptions import DbContentError, InputValidationError
from provgraph.orm.querybuilder.type_filters import GROUP_PREFIX, classify, type_filters
from provgraph.orm.querybuilder.type_filters import Classifier as _Classified
from provgraph.storage.abstract import EntityTypes

__all__ = ["Classifier", "_get_group_type_filter", "_get_node_type_filter", "_get_ormclass"]


class Classifier(NamedTuple):
    """aiida's classifier: the type string of the ORM class and, for processes, the process_type."""

    ormclass_type_string: str
    process_type_string: str | None = None


def _get_ormclass(cls: Any, entity_type: Any) -> tuple[EntityTypes, list[Classifier]]:
    """The ORM base of a class (or tuple of them) or entity_type string(s), and their classifiers."""
    strings = entity_type if isinstance(entity_type, (list, tuple)) else [entity_type]
    if cls is None:
        for string in strings:
            _check_type_string(string)
    try:
        base, classified = classify(cls, entity_type)
    except InputValidationError as exc:
        raise DbContentError(str(exc)) from exc
    return base, [_aiida_classifier(base, item) for item in classified]


def _check_type_string(type_string: Any) -> None:
    """aiida's rule for node type strings: empty, or dotted and ending with a dot."""
    if not isinstance(type_string, str):
        raise DbContentError(f"entity_type must be a string, got {type_string!r}")
    lowered = type_string.lower()
    if lowered.startswith(GROUP_PREFIX) or lowered in {base.value for base in EntityTypes}:
        return
    if type_string and (type_string.count(".") < 2 or not type_string.endswith(".")):
        raise DbContentError(f"{type_string!r} is not a valid node type string")


def _aiida_classifier(base: EntityTypes, item: _Classified) -> Classifier:
    if base is EntityTypes.GROUP:
        return Classifier(GROUP_PREFIX + item.entity_type[len(GROUP_PREFIX) :])
    return Classifier(item.entity_type, item.process_type)


def _get_group_type_filter(classifiers: Classifier, subclassing: bool) -> dict[str, Any]:
    """The ``type_string`` filter of a group classifier (``Group`` itself matches every type)."""
    classified = _Classified(EntityTypes.GROUP, classifiers.ormclass_type_string)
    filters: dict[str, Any] = type_filters(EntityTypes.GROUP, [classified], subclassing)["type_string"]
    return filters


def _get_node_type_filter(classifiers: Classifier, subclassing: bool) -> dict[str, Any]:
    """The ``node_type`` filter of a node classifier."""
    classified = _Classified(
        EntityTypes.NODE, classifiers.ormclass_type_string, classifiers.process_type_string
    )
    filters: dict[str, Any] = type_filters(EntityTypes.NODE, [classified], subclassing)["node_type"]
    return filters
