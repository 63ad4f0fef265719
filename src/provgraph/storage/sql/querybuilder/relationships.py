"""The SQL of each relationship keyword: which columns meet when one vertex joins another.

What the keywords are, which entity types they join and what their edges are is the query
schema's (``provgraph.storage.query_schema``); this module adds only the columns, keyed by the
schema's (appended type, keyword), and ``tests/storage/sql/test_query_schema.py`` checks that the
two tables have the same keys. Every join is read the same way: a column on the joined vertex's
side meets a column on the appended vertex's side, either directly (a foreign key) or through an
edge row (a link, a group membership) or a walk over links (ancestors / descendants).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from provgraph.exceptions import InputValidationError
from provgraph.storage import query_schema as schema
from provgraph.storage.abstract import EntityTypes

__all__ = [
    "JOIN_COLUMNS",
    "PROVENANCE_LINK_TYPES",
    "RELATIONSHIPS",
    "JoinColumns",
    "Relationship",
    "relationship_for",
]

#: The links a recursive join follows (the schema's, under the name the walk has always used).
PROVENANCE_LINK_TYPES = schema.ANCESTRY_LINK_TYPES

JoinKind = Literal["key", "link", "membership", "ancestry"]


@dataclass(frozen=True)
class JoinColumns:
    """The columns one join compares: ``joined_column`` on the joined side, ``appended_column`` on
    the appended side. Without an edge both belong to the vertices; with one, to the edge row
    (whose other columns meet the vertices' ``id``)."""

    joined_column: str
    appended_column: str


_NODE, _GROUP, _USER, _COMPUTER = EntityTypes.NODE, EntityTypes.GROUP, EntityTypes.USER, EntityTypes.COMPUTER
_COMMENT, _LOG, _AUTHINFO = EntityTypes.COMMENT, EntityTypes.LOG, EntityTypes.AUTHINFO

#: (appended type, keyword) -> the columns of its join; the keys are the schema's, no more.
JOIN_COLUMNS: Mapping[tuple[EntityTypes, str], JoinColumns] = MappingProxyType(
    {
        # through a link row, or a walk over them
        (_NODE, "with_incoming"): JoinColumns("input_id", "output_id"),
        (_NODE, "with_outgoing"): JoinColumns("output_id", "input_id"),
        (_NODE, "with_ancestors"): JoinColumns("input_id", "output_id"),
        (_NODE, "with_descendants"): JoinColumns("output_id", "input_id"),
        # through a membership row
        (_NODE, "with_group"): JoinColumns("dbgroup_id", "dbnode_id"),
        (_GROUP, "with_node"): JoinColumns("dbnode_id", "dbgroup_id"),
        # foreign keys
        (_NODE, "with_user"): JoinColumns("id", "user_id"),
        (_NODE, "with_computer"): JoinColumns("id", "dbcomputer_id"),
        (_NODE, "with_comment"): JoinColumns("dbnode_id", "id"),
        (_NODE, "with_log"): JoinColumns("dbnode_id", "id"),
        (_GROUP, "with_user"): JoinColumns("id", "user_id"),
        (_COMPUTER, "with_node"): JoinColumns("dbcomputer_id", "id"),
        (_USER, "with_node"): JoinColumns("user_id", "id"),
        (_USER, "with_group"): JoinColumns("user_id", "id"),
        (_USER, "with_comment"): JoinColumns("user_id", "id"),
        (_USER, "with_authinfo"): JoinColumns("aiidauser_id", "id"),
        (_COMMENT, "with_node"): JoinColumns("id", "dbnode_id"),
        (_COMMENT, "with_user"): JoinColumns("id", "user_id"),
        (_LOG, "with_node"): JoinColumns("id", "dbnode_id"),
        (_AUTHINFO, "with_computer"): JoinColumns("id", "dbcomputer_id"),
        (_AUTHINFO, "with_user"): JoinColumns("id", "aiidauser_id"),
    }
)


@dataclass(frozen=True)
class Relationship:
    """A schema relationship with the columns of its join, as the compiler uses it.

    ``kind`` ``key``: ``appended.<appended_column> == joined.<joined_column>``. ``link`` /
    ``membership``: an edge row with ``edge.<joined_column> == joined.id`` and
    ``edge.<appended_column> == appended.id``. ``ancestry``: the same, repeated along
    provenance links.
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


_KINDS: Mapping[schema.EdgeKind | None, JoinKind] = MappingProxyType(
    {
        None: "key",
        schema.EdgeKind.LINK: "link",
        schema.EdgeKind.MEMBERSHIP: "membership",
        schema.EdgeKind.ANCESTRY: "ancestry",
    }
)


def _with_columns(item: schema.Relationship) -> Relationship:
    """``item`` with its columns; a schema keyword without SQL fails here, at import."""
    columns = JOIN_COLUMNS[item.appended, item.keyword]
    return Relationship(
        item.appended.value,
        item.keyword,
        item.joined.value,
        _KINDS[item.edge],
        columns.joined_column,
        columns.appended_column,
    )


#: (appended ``orm_base``, keyword) -> the relationship, for every relationship of the schema.
RELATIONSHIPS: Mapping[tuple[str, str], Relationship] = MappingProxyType(
    {(item.appended.value, item.keyword): _with_columns(item) for item in schema.RELATIONSHIPS}
)


def relationship_for(appended: str, keyword: object, joined: str, where: str) -> Relationship:
    """The relationship ``keyword`` between the bases, or ``InputValidationError`` saying what fits."""
    found = RELATIONSHIPS.get((appended, keyword)) if isinstance(keyword, str) else None
    if found is None:
        valid = sorted(f"{item.keyword} ({item.joined.value})" for item in schema.relationships_of(appended))
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
