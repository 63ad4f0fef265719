"""Finding one entity by pk, uuid, uuid prefix or label, as AiiDA's ``load_node`` and friends.

One reading of identifiers serves nodes, groups and computers (``load_group`` and
``load_computer`` live beside their classes and call :func:`load_entity`). Every lookup is one
indexed query; an ambiguous uuid prefix or label is refused with the matches listed, so the
user can pick one.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError, MultipleObjectsError, NotExistent
from provgraph.orm.entities import Collection, Entity, EntityT, get_default_backend
from provgraph.orm.nodes.types import base_node_class
from provgraph.storage.abstract import Like

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.storage.abstract import StorageBackend

__all__ = ["load_entity", "load_node"]

_HEX_AND_DASHES = re.compile(r"[0-9a-f-]+")
_UUID_GROUP_ENDS = (8, 12, 16, 20, 32)
_LISTED = 10  # matches named in the error for an ambiguous identifier

# (what the user gave, e.g. "uuid prefix"; the row filters that find it)
_Lookup = tuple[str, dict[str, Any]]


def load_node(
    identifier: int | str | None = None,
    *,
    pk: int | None = None,
    uuid: str | None = None,
    label: str | None = None,
    sub_classes: tuple[type[Node], ...] | None = None,
    backend: StorageBackend | None = None,
) -> Node:
    """The one node named by exactly one of ``identifier``, ``pk``, ``uuid`` (or prefix) or ``label``.

    A bare ``identifier`` is a pk if it is an int or all digits, else a full UUID or a unique
    UUID prefix (with or without dashes); never a label, since node labels are not unique.
    ``sub_classes`` restricts the result to those classes. Raises ``NotExistent`` if nothing
    matches and ``MultipleObjectsError`` if several do::

        >>> from provgraph import orm
        >>> node = orm.Int(5).store()
        >>> orm.load_node(node.pk).value
        5
        >>> orm.load_node(uuid=node.uuid) == node
        True
    """
    node_class = base_node_class()
    node = load_entity(
        node_class, identifier, pk=pk, uuid=uuid, label=label, backend=backend, bare_labels=False
    )
    if sub_classes is not None and not isinstance(node, tuple(sub_classes)):
        names = ", ".join(cls.__name__ for cls in sub_classes)
        raise NotExistent(f"node pk {node.pk} ({node.uuid}) is a {type(node).__name__}, not one of: {names}")
    return node


def load_entity(
    entity_class: type[EntityT],
    identifier: int | str | None = None,
    *,
    pk: int | None = None,
    uuid: str | None = None,
    label: str | None = None,
    backend: StorageBackend | None = None,
    bare_labels: bool = True,
) -> EntityT:
    """The one ``entity_class`` entity named by exactly one of identifier, pk, uuid or label.

    An int or all-digit ``identifier`` is a pk; other text a full uuid or a uuid prefix (hex
    digits, with or without dashes). With ``bare_labels`` (groups and computers, whose labels
    are what users type) a bare string may also be an exact label: it is then tried, in turn,
    as pk, full uuid, label and uuid prefix, and the first kind that matches decides (so a
    label made of hex letters still loads); a trailing ``!`` makes it only a label. Without
    ``bare_labels`` its form alone decides, and labels need ``label=``.
    """
    given = {
        name: value
        for name, value in (("identifier", identifier), ("pk", pk), ("uuid", uuid), ("label", label))
        if value is not None
    }
    name = entity_class.__name__
    if len(given) != 1:
        raise InputValidationError(
            f"load a {name} by exactly one of identifier, pk, uuid or label; got {sorted(given) or 'none'}"
        )
    ((kind, value),) = given.items()
    lookups = _lookups(kind, value, name, bare_labels)
    if not lookups:
        raise NotExistent(
            f"no {name} with pk or uuid {value!r}: it is neither digits nor hex digits and dashes"
        )
    collection = Collection(entity_class, backend if backend is not None else get_default_backend())
    for what, filters in lookups:
        found = collection.find(filters, limit=_LISTED + 1)
        if len(found) == 1:
            return found[0]
        if found:
            raise MultipleObjectsError(_ambiguous(name, what, value, found))
    *others, last = dict.fromkeys(what for what, _ in lookups)
    kinds = f"{', '.join(others)} or {last}" if others else last
    raise NotExistent(f"no {name} with {kinds} {value!r}")


def _lookups(kind: str, value: Any, name: str, bare_labels: bool) -> list[_Lookup]:
    """The lookups to try for one identifier, most specific first."""
    if kind == "pk" or (kind == "identifier" and isinstance(value, int)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputValidationError(f"a {name} pk is an int, got {value!r}")
        return [("pk", {"id": value})]
    if not isinstance(value, str):
        expected = "an int or a str" if kind == "identifier" else "a str"
        raise InputValidationError(f"a {name} {kind} is {expected}, got {type(value).__name__} {value!r}")
    if kind == "label":
        return [("label", {"label": value})]
    text = value.strip()
    uuid_lookup = _uuid_lookup(text)
    if kind == "uuid":
        if uuid_lookup is None:
            raise InputValidationError(f"{value!r} is not a uuid or uuid prefix (hex digits and dashes)")
        return [uuid_lookup]
    if bare_labels and text.endswith("!"):
        return [("label", {"label": text.removesuffix("!")})]
    lookups: list[_Lookup] = [("pk", {"id": int(text)})] if text.isdigit() else []
    if uuid_lookup is not None and uuid_lookup[0] == "uuid":
        lookups.append(uuid_lookup)
    if bare_labels:
        lookups.append(("label", {"label": text}))
    if uuid_lookup is not None and uuid_lookup[0] == "uuid prefix":
        lookups.append(uuid_lookup)
    return lookups if bare_labels else lookups[:1]


def _uuid_lookup(text: str) -> _Lookup | None:
    """An exact lookup for a full uuid, a LIKE lookup for a prefix, None for other text."""
    lowered = text.lower()
    if not _HEX_AND_DASHES.fullmatch(lowered):
        return None
    try:
        return "uuid", {"uuid": str(uuid_module.UUID(lowered))}
    except ValueError:
        pass
    if "-" not in lowered:  # a prefix typed without dashes: put them where a uuid has them
        start, parts = 0, []
        for end in _UUID_GROUP_ENDS:
            if start < len(lowered):
                parts.append(lowered[start:end])
            start = end
        lowered = "-".join(parts)
    return "uuid prefix", {"uuid": Like(f"{lowered}%")}


def _ambiguous(name: str, what: str, value: Any, found: Sequence[Entity]) -> str:
    """One line naming up to ``_LISTED`` of the matches, so the user can pick one."""
    listed = ", ".join(f"pk {entity.pk} ({_uuid_of(entity)})" for entity in found[:_LISTED])
    more = " and more" if len(found) > _LISTED else ""
    hint = "a longer uuid prefix" if what == "uuid prefix" else "the pk or the full uuid"
    return f"several {name}s match {what} {value!r}: {listed}{more}; use {hint} instead"


def _uuid_of(entity: Entity) -> str:
    return str(getattr(entity, "uuid", None) or "no uuid")
