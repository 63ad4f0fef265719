"""Declared attribute indexes: what a user asks to be fast, as every backend understands it.

AiiDA's tables index no JSON value, so a filter on ``attributes.energy`` reads every row of the
node types it selects. A user who knows which paths they filter on declares them; the storage
builds an index on exactly the expression its query compiler emits for such a filter, records
the declaration in its settings (so that it survives backup, restore and migration), and the
planner then looks values up instead of scanning. Declarations never change AiiDA's tables and
an archive carries none of them.

This module holds the backend-neutral part: the declaration (:class:`IndexDeclaration`, parsed
from ``attributes.energy`` and checked here, so every backend refuses the same mistakes), what a
listing reports (:class:`IndexStatus`) and the interface (:class:`DeclaredIndexes`), reached as
``storage.indexes``.

    >>> storage.indexes.add("attributes.energy", value_type="float")    # doctest: +SKIP
    IndexDeclaration(column='attributes', path=('energy',), value_type='float', ...)
"""

from __future__ import annotations

import abc
import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provgraph.common.indexes import INDEX_KINDS, INDEX_TYPE_ALIASES, INDEX_VALUE_TYPES
from provgraph.exceptions import InputValidationError

__all__ = [
    "INDEX_KINDS",
    "INDEX_VALUE_TYPES",
    "DeclaredIndexes",
    "IndexDeclaration",
    "IndexProgress",
    "IndexStatus",
    "guess_value_type",
]

_COLUMNS = ("attributes", "extras")
_MAX_NAME = 63  # PostgreSQL's identifier limit; SQLite has none
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_\-+@#$%&*()\[\]{}<>,;:!?~=|/^ ]+$")

IndexProgress = Callable[[float], None]
"""Called with the share done (0 to 1) while an index is built, as often as the backend can tell."""


@dataclass(frozen=True, slots=True)
class IndexDeclaration:
    """One declared index: a JSON path of the nodes' ``attributes`` or ``extras``.

    ``node_type``, when given, limits the index to nodes whose ``node_type`` starts with it
    (a partial index: smaller, and used by queries that select that type or a subtype of it).
    """

    column: str
    path: tuple[str, ...]
    value_type: str | None = None
    node_type: str | None = None
    kind: str = "btree"

    @classmethod
    def parse(
        cls,
        dotted: str,
        *,
        value_type: str | None = None,
        node_type: str | None = None,
        kind: str = "btree",
    ) -> IndexDeclaration:
        """Check a declaration as a user writes it (``attributes.energy``); one clear error if wrong."""
        if not isinstance(dotted, str):
            raise InputValidationError(
                f"index path must be a string such as attributes.energy, not {dotted!r}"
            )
        column, _, rest = dotted.strip().partition(".")
        if column not in _COLUMNS or not rest:
            raise InputValidationError(
                f"index path {dotted!r} must start with attributes. or extras. and name a key "
                "(e.g. attributes.energy, extras.tag)"
            )
        path = tuple(rest.split("."))
        for key in path:
            if not _PLAIN_KEY.match(key):
                raise InputValidationError(
                    f"index path {dotted!r}: key {key!r} must be non-empty printable ASCII without quotes, "
                    "backslashes or dots"
                )
        if kind not in INDEX_KINDS:
            raise InputValidationError(f"index kind must be one of {', '.join(INDEX_KINDS)}, not {kind!r}")
        if value_type is not None:
            value_type = INDEX_TYPE_ALIASES.get(value_type, value_type)
            if value_type not in INDEX_VALUE_TYPES:
                raise InputValidationError(
                    f"index type must be one of {', '.join(INDEX_VALUE_TYPES)}, not {value_type!r}"
                )
            if kind == "gin":
                raise InputValidationError("a gin index serves containment of any value: give no --type")
        if node_type is not None:
            node_type = node_type.strip()
            if not node_type or not node_type.endswith(".") or "%" in node_type or "'" in node_type:
                raise InputValidationError(
                    f"index node type {node_type!r} must be a stored node_type or a prefix of one, "
                    "ending with a dot (e.g. data.core.dict.Dict. or data.core.)"
                )
        return cls(column, path, value_type, node_type, kind)

    @property
    def dotted(self) -> str:
        """The path as written: ``attributes.energy``."""
        return ".".join((self.column, *self.path))

    @property
    def text_ordered(self) -> bool:
        """Whether the index orders the values as text (``--type str``) rather than as JSON values."""
        return self.value_type == "str"

    @property
    def name(self) -> str:
        """The database's name of the index: readable, unique per declaration, at most 63 characters."""
        words = [self.column[:5], *self.path]
        if self.value_type is not None:
            words.append(self.value_type)
        if self.kind != "btree":
            words.append(self.kind)
        readable = "ix_pg_" + "_".join(re.sub(r"[^a-z0-9]+", "", word.lower()) or "k" for word in words)
        canonical = repr((self.column, self.path, self.value_type, self.node_type, self.kind))
        digest = hashlib.sha1(canonical.encode()).hexdigest()[:8]
        return f"{readable[: _MAX_NAME - 9]}_{digest}"

    def describe(self) -> str:
        """``attributes.energy (float, data.core.dict. only)``: for messages and listings."""
        notes = [note for note in (self.value_type, self.kind if self.kind != "btree" else None) if note]
        if self.node_type:
            notes.append(f"{self.node_type} only")
        return self.dotted + (f" ({', '.join(notes)})" if notes else "")

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.dotted,
            "type": self.value_type,
            "node_type": self.node_type,
            "kind": self.kind,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> IndexDeclaration:
        return cls.parse(
            str(data["path"]), value_type=data.get("type"), node_type=data.get("node_type"),
            kind=str(data.get("kind", "btree")),
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class IndexStatus:
    """A declared index as the database sees it now."""

    declaration: IndexDeclaration
    present: bool
    """Whether the database holds it (a restore from an old backup may lack it: ``ensure`` builds it)."""
    size_bytes: int | None
    scans: int | None
    """How often the planner used it since the statistics were reset (PostgreSQL); None where the
    database does not count (SQLite)."""

    @property
    def name(self) -> str:
        return self.declaration.name


def guess_value_type(value: Any) -> str | None:
    """The ``--type`` a filter's value suggests (advice), or None when no btree type fits."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return None


class DeclaredIndexes(abc.ABC):
    """``storage.indexes``: declare, list and drop attribute indexes of one storage.

    ``add`` builds the index (online where the database allows), records it, and makes this
    storage's queries use it at once; other processes use it from their next opening of the
    storage (their results are the same either way, only slower).
    """

    @abc.abstractmethod
    def add(
        self,
        path: str,
        *,
        value_type: str | None = None,
        node_type: str | None = None,
        kind: str = "btree",
        progress: IndexProgress | None = None,
    ) -> IndexDeclaration:
        """Declare and build the index of ``path``; ``InputValidationError`` if it is declared already.

        Example: ``storage.indexes.add("attributes.energy", value_type="float")``.
        """

    @abc.abstractmethod
    def declared(self) -> list[IndexDeclaration]:
        """The declarations recorded in the storage, in the order they were made."""

    @abc.abstractmethod
    def status(self) -> Sequence[IndexStatus]:
        """Every declaration with its size and use, as far as the database tells."""

    @abc.abstractmethod
    def drop(self, name: str) -> IndexDeclaration:
        """Drop the index called ``name`` (or declared as that path) and forget it.

        ``InputValidationError`` naming the declared ones if there is no such index.
        """

    @abc.abstractmethod
    def ensure(self, progress: IndexProgress | None = None) -> list[IndexDeclaration]:
        """Build every declared index the database lacks (after a restore or a migration); the ones built."""

    def find(self, name: str) -> IndexDeclaration:
        """The declaration called ``name`` or declared as that path; a clear error otherwise."""
        declared = self.declared()
        matches = [item for item in declared if name in (item.name, item.dotted)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            known = ", ".join(f"{item.name} ({item.describe()})" for item in declared) or "none"
            raise InputValidationError(f"no declared index {name!r}; declared: {known}")
        names = ", ".join(item.name for item in matches)
        raise InputValidationError(f"{name!r} names several declared indexes ({names}): give one name")
