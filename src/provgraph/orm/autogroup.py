"""aiida-core's ``AutogroupManager``: which nodes belong in the run's ``AutoGroup``, and that group.

The manager keeps aiida's settings (enabled, include or exclude lists of entry-point strings with
``%`` wildcards, the label prefix) and finds or makes the run's ``AutoGroup``: the prefix itself
if no group has it yet, else the prefix with the next free ``_<n>`` suffix, retried if another
process takes that label first.

provgraph's store path does not consult the manager: ``is_to_be_grouped`` answers for callers
that add nodes to the group themselves.
"""

from __future__ import annotations

import re
from datetime import datetime

from provgraph.exceptions import IntegrityError, ValidationError
from provgraph.orm.groups import AutoGroup
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.orm.querybuilder.type_filters import escape_like
from provgraph.storage.abstract import StorageBackend

__all__ = ["AutogroupManager"]

_VALID_PREFIXES = frozenset({"aiida.node", "aiida.calculations", "aiida.workflows", "aiida.data"})
_MAX_ATTEMPTS = 100


def _default_prefix() -> str:
    return f"Verdi autogroup on {datetime.now().strftime('%Y-%m-%d %H:%M:%S')}"


def _like_regex(pattern: str) -> re.Pattern[str]:
    """A SQL LIKE pattern (``%`` any text, ``_`` one character, ``\\`` escapes) as a regex."""
    parts: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            parts.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


class AutogroupManager:
    """The autogroup settings of one storage and its current ``AutoGroup``."""

    def __init__(self, backend: StorageBackend) -> None:
        self._backend = backend
        self._enabled = False
        self._exclude: list[str] | None = None
        self._include: list[str] | None = None
        self._group_label_prefix = _default_prefix()
        self._group_label: str | None = None

    @property
    def is_enabled(self) -> bool:
        return self._enabled

    def enable(self) -> None:
        self._enabled = True

    def disable(self) -> None:
        self._enabled = False

    def get_exclude(self) -> list[str] | None:
        return self._exclude

    def get_include(self) -> list[str] | None:
        return self._include

    def get_group_label_prefix(self) -> str:
        return self._group_label_prefix

    @staticmethod
    def validate(strings: list[str] | None) -> None:
        """Each filter is ``<group>:<name pattern>`` with an aiida entry-point group."""
        for string in strings or []:
            pieces = string.split(":")
            if len(pieces) != 2:
                raise ValidationError(
                    f"'{string}' is not a valid include/exclude filter, "
                    "must contain two parts split by a colon"
                )
            if pieces[0] not in _VALID_PREFIXES:
                raise ValidationError(
                    f"'{string}' has an invalid prefix, must be among: {sorted(_VALID_PREFIXES)}"
                )

    def set_exclude(self, exclude: list[str] | str | None) -> None:
        """Group every node but those matching ``exclude`` (not with an include list)."""
        exclude = [exclude] if isinstance(exclude, str) else exclude
        self.validate(exclude)
        if exclude is not None and self._include is not None:
            raise ValidationError("Cannot both specify exclude and include")
        self._exclude = exclude

    def set_include(self, include: list[str] | str | None) -> None:
        """Group only the nodes matching ``include`` (not with an exclude list)."""
        include = [include] if isinstance(include, str) else include
        self.validate(include)
        if include is not None and self._exclude is not None:
            raise ValidationError("Cannot both specify exclude and include")
        self._include = include

    def set_group_label_prefix(self, label_prefix: str | None) -> None:
        """The prefix of the group's label (None: aiida's dated default); forgets the current group."""
        if label_prefix is None:
            label_prefix = _default_prefix()
        if not isinstance(label_prefix, str):
            raise ValidationError("group label must be a string")
        self._group_label_prefix = label_prefix
        self._group_label = None

    @staticmethod
    def _matches(string: str, filter_string: str) -> bool:
        if "%" in filter_string:
            return _like_regex(filter_string).match(string) is not None
        return string == filter_string

    def is_to_be_grouped(self, node: Node) -> bool:
        """Whether ``node`` belongs in the group: enabled, and passing the include or exclude list."""
        if not self._enabled:
            return False
        if self._include is None and self._exclude is None:
            return True
        entry_point = _entry_point_string(node)
        if self._include is not None:
            return any(self._matches(entry_point, item) for item in self._include)
        return not any(self._matches(entry_point, item) for item in self._exclude or [])

    def get_or_create_group(self) -> AutoGroup:
        """The run's ``AutoGroup``: made on first call with the first free label, then reused."""
        if self._group_label is not None:
            found = AutoGroup.get_collection(self._backend).find({"label": self._group_label}, limit=1)
            if found:
                return found[0]
        prefix = self._group_label_prefix
        suffix = self._next_suffix(prefix)
        for _ in range(_MAX_ATTEMPTS):
            label = prefix if suffix == 0 else f"{prefix}_{suffix}"
            try:
                group = AutoGroup(label, backend=self._backend).store()
            except IntegrityError:
                suffix += 1
                continue
            self._group_label = group.label
            return group
        raise IntegrityError(f"no free AutoGroup label with prefix {prefix!r} after {_MAX_ATTEMPTS} tries")

    def _next_suffix(self, prefix: str) -> int:
        """0 if no AutoGroup has the prefix as label, else one more than the largest ``_<n>`` taken."""
        query = QueryBuilder(backend=self._backend).append(
            AutoGroup,
            filters={"or": [{"label": prefix}, {"label": {"like": escape_like(prefix) + r"\_%"}}]},
            project="label",
        )
        labels = query.all(flat=True)
        if not labels:
            return 0
        suffixes = [0]
        for label in labels:
            tail = str(label)[len(prefix) + 1 :]
            if tail.isdigit():
                suffixes.append(int(tail))
        return max(suffixes) + 1


def _entry_point_string(node: Node) -> str:
    """The node's process_type, or for data the ``aiida.data:<name>`` its node_type implies."""
    process_type = node.process_type
    if process_type:
        return str(process_type)
    parts = node.node_type.rstrip(".").split(".")
    if parts[0] == "data" and len(parts) > 2:
        return "aiida.data:" + ".".join(parts[1:-1])
    return "aiida.node:" + ".".join(parts[:-1])
