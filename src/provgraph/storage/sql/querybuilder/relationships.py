"""The relationship keywords: which vertex may join which, and through which columns.

One table, keyed by (appended ``orm_base``, keyword), as aiida-core's joiner defines it. Every
join is read the same way: a column on the joined vertex's side meets a column on the appended
vertex's side, either directly (a foreign key) or through an edge row (a link, a group
membership) or a walk over links (ancestors / descendants).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from provgraph.exceptions import InputValidationError

__all__ = ["PROVENANCE_LINK_TYPES", "RELATIONSHIPS", "Relationship", "relationship_for"]

#: The links a recursive join follows: the data provenance, not the call stack.
PROVENANCE_LINK_TYPES = ("create", "input_calc")

JoinKind = Literal["key", "link", "membership", "ancestry"]


@dataclass(frozen=True)
class Relationship:
    """How an appended vertex meets the vertex it joins.

    ``key``: ``appended.<appended_column> == joined.<joined_column>``. ``link`` / ``membership``:
    an edge row with ``edge.<joined_column> == joined.id`` and ``edge.<appended_column> ==
    appended.id``. ``ancestry``: the same, repeated along provenance links.
    """

    appended: str
    keyword: str
    joined: str
    kind: JoinKind
    joined_column: str
    appended_column: str

    @property
    def has_edge(self) -> bool:
        return self.kind != "key"


def _key(appended: str, keyword: str, joined: str, appended_column: str, joined_column: str) -> Relationship:
    return Relationship(appended, keyword, joined, "key", joined_column, appended_column)


_ALL = (
    # appended node
    Relationship("node", "with_incoming", "node", "link", "input_id", "output_id"),
    Relationship("node", "with_outgoing", "node", "link", "output_id", "input_id"),
    Relationship("node", "with_ancestors", "node", "ancestry", "input_id", "output_id"),
    Relationship("node", "with_descendants", "node", "ancestry", "output_id", "input_id"),
    Relationship("node", "with_group", "group", "membership", "dbgroup_id", "dbnode_id"),
    _key("node", "with_user", "user", "user_id", "id"),
    _key("node", "with_computer", "computer", "dbcomputer_id", "id"),
    _key("node", "with_comment", "comment", "id", "dbnode_id"),
    _key("node", "with_log", "log", "id", "dbnode_id"),
    # appended group
    Relationship("group", "with_node", "node", "membership", "dbnode_id", "dbgroup_id"),
    _key("group", "with_user", "user", "user_id", "id"),
    # appended computer
    _key("computer", "with_node", "node", "id", "dbcomputer_id"),
    # appended user
    _key("user", "with_node", "node", "id", "user_id"),
    _key("user", "with_group", "group", "id", "user_id"),
    _key("user", "with_comment", "comment", "id", "user_id"),
    _key("user", "with_authinfo", "authinfo", "id", "aiidauser_id"),
    # appended comment, log, authinfo
    _key("comment", "with_node", "node", "dbnode_id", "id"),
    _key("comment", "with_user", "user", "user_id", "id"),
    _key("log", "with_node", "node", "dbnode_id", "id"),
    _key("authinfo", "with_computer", "computer", "dbcomputer_id", "id"),
    _key("authinfo", "with_user", "user", "aiidauser_id", "id"),
)

RELATIONSHIPS: dict[tuple[str, str], Relationship] = {(r.appended, r.keyword): r for r in _ALL}


def relationship_for(appended: str, keyword: object, joined: str, where: str) -> Relationship:
    """The relationship ``keyword`` between the bases, or ``InputValidationError`` saying what fits."""
    found = RELATIONSHIPS.get((appended, keyword)) if isinstance(keyword, str) else None
    if found is None:
        valid = sorted(f"{r.keyword} ({r.joined})" for r in _ALL if r.appended == appended)
        raise InputValidationError(
            f"{where}: a {appended} cannot be joined with {keyword!r}; valid keywords for a {appended} are "
            f"{', '.join(valid)}"
        )
    if found.joined != joined:
        raise InputValidationError(
            f"{where}: {found.keyword} joins a {appended} to a {found.joined}, "
            f"but the joined tag is a {joined}"
        )
    return found
