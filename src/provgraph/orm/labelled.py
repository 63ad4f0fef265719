"""Entities that users name by a label: a non-empty name, unique within a scope, plus a uuid
and a free-text description (computers, and groups within their ``type_string``).

The storage enforces the uniqueness with a constraint; this base class keeps the rules in one
place and turns a broken constraint into a message that names the taken label.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provgraph.exceptions import InputValidationError, LabelTakenError
from provgraph.orm.entities import Entity

__all__ = ["LabelledEntity"]


class LabelledEntity(Entity):
    """An entity with ``uuid``, ``label`` and ``description`` columns, the label unique in its scope."""

    @classmethod
    def _check_label(cls, label: Any) -> None:
        if not isinstance(label, str) or not label.strip():
            raise InputValidationError(
                f"invalid {cls._entity_type.value} label {label!r}: give a non-empty string"
            )

    def _label_scope(self) -> tuple[dict[str, Any], str]:
        """(row filters, words for the message) of the entities a label must be unique among."""
        return {}, ""

    @property
    def uuid(self) -> str:
        return str(self._row["uuid"])

    @property
    def label(self) -> str:
        return str(self._row["label"])

    @label.setter
    def label(self, value: str) -> None:
        """Relabel; a stored entity is renamed at once, refused if the label is taken."""
        self._check_label(value)
        self._update(label=value)

    @property
    def description(self) -> str:
        return str(self._row["description"])

    @description.setter
    def description(self, value: str) -> None:
        self._update(description=value)

    def _explain_conflict(self, columns: Mapping[str, Any], cause: InputValidationError) -> None:
        label = columns.get("label")
        scope, scope_words = self._label_scope()
        if label is not None and self._backend.count_rows(self._entity_type, {"label": label, **scope}):
            raise LabelTakenError(
                f"a {self._entity_type.value} labelled {label!r}{scope_words} exists already; "
                "choose another label"
            ) from cause
