"""The vocabulary of a query description, declared once (the format: docs/querybuilder.md).

A QueryBuilder query crosses one line as plain data: the ORM frontend writes a description, a
storage compiles it. Both sides must agree on every word of it (which relationship keywords
exist and what they join, which casts, projection functions, filter operators and ordering
keywords there are), and when each side kept its own list the lists could drift apart without
any test noticing. This module is the one list. The frontend validates against it
(``orm/querybuilder``); a compiler keys its SQL by it (``storage/sql/querybuilder``), and the
tests check that the SQL compiler has an entry for every item here and none besides.

Only plain immutable data and pure lookups live here, with no SQL and no ORM class, so that
the ORM may import it as it imports ``storage.abstract``, and so may any storage.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from provgraph.storage.abstract import EntityTypes

__all__ = [
    "ANCESTRY_LINK_TYPES",
    "CASTS",
    "DEFAULT_ORDER",
    "DESCRIPTION_KEYS",
    "ENTITY_PROJECTIONS",
    "FUNCTIONS",
    "LOGICAL_KEYS",
    "NEGATIONS",
    "OPERATORS",
    "OPERATOR_ALIASES",
    "ORDERS",
    "ORDER_OPTIONS",
    "ORM_BASES",
    "PROJECTION_OPTIONS",
    "RELATIONSHIPS",
    "STANDALONE_BASES",
    "VERTEX_KEYS",
    "Cast",
    "EdgeKind",
    "Operator",
    "ProjectionFunction",
    "Relationship",
    "ValueKind",
    "escape_like",
    "find_relationship",
    "parse_operator",
    "relationships_of",
]

# -- the description's keys ---------------------------------------------------------------------

#: The top-level keys of a description, in the order ``QueryBuilder.as_dict`` writes them.
#: ``project_map`` belongs to the frontend (it renames result keys); compilers ignore it.
DESCRIPTION_KEYS: tuple[str, ...] = (
    "path",
    "filters",
    "project",
    "project_map",
    "order_by",
    "limit",
    "offset",
    "distinct",
)

#: The keys of one vertex of ``path``. ``entity_type`` only informs (the frontend has already
#: turned it into filters); the others say which entity the vertex is and how it joins.
VERTEX_KEYS: tuple[str, ...] = (
    "entity_type",
    "orm_base",
    "tag",
    "joining_keyword",
    "joining_value",
    "edge_tag",
    "outerjoin",
)

#: The entity types a vertex may have (its ``orm_base``). Group memberships are never
#: vertices: they are the edges of the joins that go through them. Links are those edges too,
#: and also a vertex of their own that joins nothing (aiida's ``append(entity_type='link')``).
ORM_BASES: frozenset[EntityTypes] = frozenset(
    {
        EntityTypes.NODE,
        EntityTypes.GROUP,
        EntityTypes.COMPUTER,
        EntityTypes.USER,
        EntityTypes.COMMENT,
        EntityTypes.LOG,
        EntityTypes.AUTHINFO,
        EntityTypes.LINK,
    }
)
#: Vertex bases that no relationship joins: such a vertex is the only one of its query.
STANDALONE_BASES: frozenset[EntityTypes] = frozenset({EntityTypes.LINK})

# -- relationships ------------------------------------------------------------------------------


class EdgeKind(str, enum.Enum):
    """What the edge of a join is, for joins that have one (its ``edge_tag`` names it).

    The edge decides what an edge tag may filter, project and order by, so it is part of a
    relationship's meaning, not of its SQL.
    """

    #: One ``link`` row (``id``, ``input_id``, ``output_id``, ``label``, ``type``).
    LINK = "link"
    #: One ``group_node`` row (``id``, ``dbnode_id``, ``dbgroup_id``).
    MEMBERSHIP = "membership"
    #: A walk along provenance links; its only field is ``depth`` (0 for a direct link).
    ANCESTRY = "ancestry"


#: The link types an ancestry walk follows: the data provenance (what created what from what),
#: not the call stack, as in aiida-core.
ANCESTRY_LINK_TYPES: tuple[str, ...] = ("create", "input_calc")


@dataclass(frozen=True)
class Relationship:
    """One relationship keyword, read from the appended vertex's side.

    ``append(Int, with_incoming="c")`` is "an Int with an incoming link from c": the appended
    vertex is a node, the joined vertex (``c``) a node, the edge one link. The same keyword may
    join different pairs (``with_user`` from a node, a group, a comment, an authinfo), so a
    relationship is identified by (``appended``, ``keyword``).
    """

    keyword: str
    appended: EntityTypes
    joined: EntityTypes
    #: The edge of the join, or None for a join along a foreign key, which has no edge row.
    edge: EdgeKind | None
    meaning: str

    @property
    def edge_rows(self) -> EntityTypes | None:
        """The entity type of the rows an edge is made of (the walk of ancestry is made of links).

        The frontend needs it to read edge filters that name entities; None without an edge.
        """
        if self.edge is None:
            return None
        return EntityTypes.GROUP_NODE if self.edge is EdgeKind.MEMBERSHIP else EntityTypes.LINK


def _relationship(
    appended: EntityTypes, keyword: str, joined: EntityTypes, meaning: str, edge: EdgeKind | None = None
) -> Relationship:
    return Relationship(keyword, appended, joined, edge, meaning)


_NODE, _GROUP, _USER, _COMPUTER = EntityTypes.NODE, EntityTypes.GROUP, EntityTypes.USER, EntityTypes.COMPUTER
_COMMENT, _LOG, _AUTHINFO = EntityTypes.COMMENT, EntityTypes.LOG, EntityTypes.AUTHINFO

#: Every relationship, as aiida-core's ``EntityRelationships`` defines them, by appended type.
RELATIONSHIPS: tuple[Relationship, ...] = (
    _relationship(_NODE, "with_incoming", _NODE, "an output of the joined node", EdgeKind.LINK),
    _relationship(_NODE, "with_outgoing", _NODE, "an input of the joined node", EdgeKind.LINK),
    _relationship(_NODE, "with_ancestors", _NODE, "a descendant of the joined node", EdgeKind.ANCESTRY),
    _relationship(_NODE, "with_descendants", _NODE, "an ancestor of the joined node", EdgeKind.ANCESTRY),
    _relationship(_NODE, "with_group", _GROUP, "a member of the joined group", EdgeKind.MEMBERSHIP),
    _relationship(_NODE, "with_user", _USER, "a node the joined user owns"),
    _relationship(_NODE, "with_computer", _COMPUTER, "a node that ran on the joined computer"),
    _relationship(_NODE, "with_comment", _COMMENT, "the node the joined comment is about"),
    _relationship(_NODE, "with_log", _LOG, "the node the joined log record is about"),
    _relationship(_GROUP, "with_node", _NODE, "a group the joined node is a member of", EdgeKind.MEMBERSHIP),
    _relationship(_GROUP, "with_user", _USER, "a group the joined user owns"),
    _relationship(_COMPUTER, "with_node", _NODE, "the computer the joined node ran on"),
    _relationship(_USER, "with_node", _NODE, "the owner of the joined node"),
    _relationship(_USER, "with_group", _GROUP, "the owner of the joined group"),
    _relationship(_USER, "with_comment", _COMMENT, "the author of the joined comment"),
    _relationship(_USER, "with_authinfo", _AUTHINFO, "the user of the joined authinfo"),
    _relationship(_COMMENT, "with_node", _NODE, "a comment about the joined node"),
    _relationship(_COMMENT, "with_user", _USER, "a comment the joined user wrote"),
    _relationship(_LOG, "with_node", _NODE, "a log record of the joined node"),
    _relationship(_AUTHINFO, "with_computer", _COMPUTER, "an authinfo for the joined computer"),
    _relationship(_AUTHINFO, "with_user", _USER, "an authinfo of the joined user"),
)

#: (appended type, keyword) -> relationship; a plain ``orm_base`` string finds its EntityTypes key
#: (a str enum hashes and compares as its value).
_BY_KEY: Mapping[tuple[str, str], Relationship] = MappingProxyType(
    {(item.appended, item.keyword): item for item in RELATIONSHIPS}
)


def find_relationship(appended: str, keyword: object) -> Relationship | None:
    """The relationship ``keyword`` of an appended ``appended`` (an ``orm_base``), or None.

    Takes the plain ``orm_base`` string of a description as well as an ``EntityTypes``.
    """
    if not isinstance(keyword, str):
        return None
    return _BY_KEY.get((appended, keyword))


def relationships_of(appended: str) -> tuple[Relationship, ...]:
    """The relationships a vertex of type ``appended`` can join with, in the table's order."""
    return tuple(item for item in RELATIONSHIPS if item.appended == appended)


# -- projections --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cast:
    """A projection or ordering cast: the type a JSON value is read as.

    Casts never raise: a value that is not of the cast's kind projects as None, so a query over
    heterogeneous attributes answers the same on every database instead of failing on one.
    """

    name: str
    #: One word, for messages ("f (float)").
    type_name: str
    meaning: str


#: The casts by their one-letter name, in aiida-core's order.
CASTS: Mapping[str, Cast] = MappingProxyType(
    {
        cast.name: cast
        for cast in (
            Cast("f", "float", "a JSON number as a float"),
            Cast("i", "int", "a JSON number as an int, truncated toward zero; None outside 64 bits"),
            Cast("b", "bool", "a JSON boolean"),
            Cast("t", "text", "a JSON string"),
            Cast("j", "JSON", "the JSON value itself (the same as no cast)"),
            Cast("d", "datetime", "an ISO-format JSON string as an aware datetime (no offset: UTC)"),
        )
    }
)


@dataclass(frozen=True)
class ProjectionFunction:
    """An aggregate a projection may apply (``{"func": name}``).

    A query projects either only aggregates or none: a mix has no meaning PostgreSQL and SQLite
    agree on.
    """

    name: str
    meaning: str
    #: Whether the function compares values: JSON values of mixed types have no order both
    #: databases share, so on a JSON path it needs a cast to compare by.
    compares: bool


#: The projection functions by name.
FUNCTIONS: Mapping[str, ProjectionFunction] = MappingProxyType(
    {
        function.name: function
        for function in (
            ProjectionFunction(
                "count", "the number of rows where the field is present (JSON null counts)", False
            ),
            ProjectionFunction("max", "the greatest value", True),
            ProjectionFunction("min", "the smallest value", True),
        )
    }
)

#: The keys of a projection's options (``{field: {"cast": ..., "func": ...}}``).
PROJECTION_OPTIONS: tuple[str, ...] = ("cast", "func")

#: Projections of a whole entity rather than a field: ``*`` the entity (a row dict that the
#: frontend makes an ORM object), ``**`` every column flattened into the row in table order.
ENTITY_PROJECTIONS: tuple[Literal["*", "**"], ...] = ("*", "**")

# -- ordering -----------------------------------------------------------------------------------

#: The directions of ``order_by``.
ORDERS: tuple[Literal["asc", "desc"], ...] = ("asc", "desc")
#: The direction of a field named without one.
DEFAULT_ORDER: Literal["asc"] = "asc"
#: The keys of an ordering's options (``{field: {"order": ..., "cast": ...}}``).
ORDER_OPTIONS: tuple[str, ...] = ("order", "cast")

# -- filters ------------------------------------------------------------------------------------

#: Prefixes that negate an operator or a logical key (``!like``, ``~or``), as in aiida-core.
NEGATIONS: tuple[str, ...] = ("!", "~")


class ValueKind(str, enum.Enum):
    """What an operator takes as its value; the value says it in words, for messages and docs."""

    ANY = "a JSON value (scalar, list or dict) or None"
    ORDERED = "a number or a string (a datetime on a time column)"
    SCALARS = "a non-empty list of scalars"
    PATTERN = "a SQL LIKE pattern (% and _, escaped by a backslash)"
    KEY = "a string (an object key)"
    DOCUMENT = "a list or a dict"
    LENGTH = "an int"
    JSON_TYPE = "one of object, array, string, number, boolean, null"


@dataclass(frozen=True)
class Operator:
    """A filter operator. Each may be negated by a leading ``!`` or ``~``: the exact complement.

    ``json_only`` operators apply to JSON values only (attributes, extras, ...), never to a
    plain column.
    """

    name: str
    takes: ValueKind
    json_only: bool
    meaning: str


#: The operators by their canonical name (the table of docs/querybuilder.md, "Filter semantics").
OPERATORS: Mapping[str, Operator] = MappingProxyType(
    {
        operator.name: operator
        for operator in (
            Operator("==", ValueKind.ANY, False, "equal (None: null or absent)"),
            Operator("<", ValueKind.ORDERED, False, "less than"),
            Operator("<=", ValueKind.ORDERED, False, "less than or equal"),
            Operator(">", ValueKind.ORDERED, False, "greater than"),
            Operator(">=", ValueKind.ORDERED, False, "greater than or equal"),
            Operator("in", ValueKind.SCALARS, False, "equal to one of the values"),
            Operator("like", ValueKind.PATTERN, False, "a string matching the pattern"),
            Operator("ilike", ValueKind.PATTERN, False, "a string matching the pattern, ignoring A-Z case"),
            Operator("has_key", ValueKind.KEY, True, "an object with that key"),
            Operator("contains", ValueKind.DOCUMENT, True, "an array or object holding the value"),
            Operator("of_length", ValueKind.LENGTH, True, "an array of that length"),
            Operator("longer", ValueKind.LENGTH, True, "an array longer than that"),
            Operator("shorter", ValueKind.LENGTH, True, "an array shorter than that"),
            Operator("of_type", ValueKind.JSON_TYPE, True, "a value of that JSON type (null: also absent)"),
        )
    }
)

#: Other spellings aiida-core accepts, with the operator each stands for.
OPERATOR_ALIASES: Mapping[str, str] = MappingProxyType({"=>": ">=", "=<": "<="})


def parse_operator(spelled: object) -> tuple[Operator, bool] | None:
    """(operator, negated) for an operator as a filter spells it (``!like``, ``=>``); None if unknown."""
    if not isinstance(spelled, str):
        return None
    negated = spelled[:1] in NEGATIONS
    name = spelled[1:] if negated else spelled
    found = OPERATORS.get(OPERATOR_ALIASES.get(name, name))
    return None if found is None else (found, negated)


Junction = Literal["and", "or"]

#: The logical keys of filters (at a tag's top level or inside a field's spec), each holding a
#: list of filter dicts: -> (how the list combines, whether the whole is negated).
LOGICAL_KEYS: Mapping[str, tuple[Junction, bool]] = MappingProxyType(
    {
        "and": ("and", False),
        "or": ("or", False),
        **{f"{prefix}{junction}": (junction, True) for junction in ("and", "or") for prefix in NEGATIONS},
    }
)


def escape_like(text: str) -> str:
    """``text`` as a literal inside a ``like`` pattern: ``%``, ``_`` and the escape character
    ``\\`` (the query language's, on every backend) escaped.

    >>> escape_like("50%_done")
    '50\\\\%\\\\_done'
    """
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
