"""``load_node``: find one node by pk, UUID, UUID prefix or label, as AiiDA's ``orm.load_node``.

Every lookup is one indexed query. An ambiguous UUID prefix is refused with the matching nodes
listed, so the user can pick one.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValidationError, MultipleObjectsError, NotExistent
from provgraph.orm.entities import get_default_backend
from provgraph.storage.abstract import EntityTypes, Like

if TYPE_CHECKING:
    from provgraph.orm.nodes.node import Node
    from provgraph.storage.abstract import StorageBackend

__all__ = ["load_node"]

_UUID_PREFIX = re.compile(r"[0-9a-fA-F-]+")
_LISTED = 10  # matches named in the error for an ambiguous prefix


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
    UUID prefix (with or without dashes). ``sub_classes`` restricts the result to those classes.
    Raises ``NotExistent`` if nothing matches and ``MultipleObjectsError`` if several do.
    """
    from provgraph.orm.nodes.node import Node

    given = {
        name: value
        for name, value in (("identifier", identifier), ("pk", pk), ("uuid", uuid), ("label", label))
        if value is not None
    }
    if len(given) != 1:
        raise InputValidationError(
            f"load_node needs exactly one of identifier, pk, uuid or label; got {sorted(given) or 'none'}"
        )
    ((kind, value),) = given.items()
    backend = backend if backend is not None else get_default_backend()
    what, filters = _lookup(kind, value)
    rows = backend.get_rows(EntityTypes.NODE, filters, limit=_LISTED + 1)
    if not rows:
        raise NotExistent(f"no node with {what} {value!r}")
    if len(rows) > 1:
        listed = ", ".join(f"pk {row['id']} ({row['uuid']})" for row in rows[:_LISTED])
        more = " and more" if len(rows) > _LISTED else ""
        hint = "a longer UUID prefix" if what == "UUID prefix" else "the pk or full UUID"
        raise MultipleObjectsError(f"{what} {value!r} matches several nodes: {listed}{more}; use {hint}")
    node = Node._from_row(backend, rows[0])
    if sub_classes is not None and not isinstance(node, tuple(sub_classes)):
        names = ", ".join(cls.__name__ for cls in sub_classes)
        raise NotExistent(f"node with {what} {value!r} is a {type(node).__name__}, not one of: {names}")
    return node


def _lookup(kind: str, value: Any) -> tuple[str, dict[str, Any]]:
    """(description, row filters) for one identifier."""
    if kind == "label":
        if not isinstance(value, str):
            raise InputValidationError(f"a node label is a str, got {value!r}")
        return "label", {"label": value}
    if kind == "pk" or (kind == "identifier" and isinstance(value, int)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputValidationError(f"a node pk is an int, got {value!r}")
        return "pk", {"id": value}
    if not isinstance(value, str):
        raise InputValidationError(
            f"a node identifier is an int or a str, got {type(value).__name__} {value!r}"
        )
    text = value.strip()
    if kind == "identifier" and text.isdigit():
        return "pk", {"id": int(text)}
    return _uuid_lookup(text, value)


def _uuid_lookup(text: str, original: str) -> tuple[str, dict[str, Any]]:
    try:
        return "UUID", {"uuid": str(uuid_module.UUID(text))}
    except ValueError:
        pass
    if not _UUID_PREFIX.fullmatch(text):
        raise NotExistent(
            f"no node with pk or UUID {original!r}: it is neither digits nor hex digits and dashes"
        )
    return "UUID prefix", {"uuid": Like(_dashed_prefix(text.lower()) + "%")}


def _dashed_prefix(prefix: str) -> str:
    """Insert the dashes of the canonical form into an undashed prefix (``1234567890`` -> ``12345678-90``)."""
    if "-" in prefix:
        return prefix
    cuts = (8, 12, 16, 20)
    parts = []
    start = 0
    for cut in cuts:
        if len(prefix) <= cut:
            break
        parts.append(prefix[start:cut])
        start = cut
    parts.append(prefix[start:])
    return "-".join(parts)
