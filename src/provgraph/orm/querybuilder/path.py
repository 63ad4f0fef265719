"""The query path: vertex and edge tags, and which relationships join which entities.

A relationship keyword is read from the appended vertex's side: ``append(Int, with_incoming="c")``
is "an Int with an incoming link from c". The keywords, and what each joins, are the query
schema's (``provgraph.storage.query_schema``): the compiler of every storage reads the same table.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import Any

from provgraph.exceptions import InputValueError
from provgraph.storage import query_schema as schema
from provgraph.storage.abstract import EntityTypes

__all__ = [
    "EDGE_DELIMITER",
    "TagRegistry",
    "check_tag",
    "edge_kind",
    "joined_base",
]

EDGE_DELIMITER = "--"


def joined_base(appended: EntityTypes, keyword: str) -> EntityTypes:
    """The base the joined vertex must have; ``InputValidationError`` for a keyword ``appended`` lacks."""
    found = schema.find_relationship(appended, keyword)
    if found is None:
        valid = sorted(item.keyword for item in schema.relationships_of(appended))
        raise InputValueError(
            f"{keyword!r} is not a relationship of a {appended.value}; valid keywords: {', '.join(valid)}"
        )
    return found.joined


def edge_kind(appended: EntityTypes, keyword: str) -> EntityTypes | None:
    """The rows of the join's edge (``link`` or ``group_node``), or None for a join without an edge.

    ``keyword`` is known to be a relationship of ``appended`` (``joined_base`` checked it).
    """
    found = schema.find_relationship(appended, keyword)
    return None if found is None else found.edge_rows


def check_tag(tag: Any, what: str = "tag") -> str:
    if not isinstance(tag, str) or not tag:
        raise InputValueError(f"a {what} must be a non-empty string, got {tag!r}")
    return tag


class TagRegistry:
    """The tags of one query: vertex tags with their base, edge tags, and classes used as tags."""

    def __init__(self) -> None:
        self._vertices: dict[str, EntityTypes] = {}
        self._edges: dict[str, EntityTypes] = {}
        self._by_class: dict[Hashable, list[str]] = {}
        #: Edge tags given to joins without an edge table: taken, but naming nothing.
        self._edgeless: set[str] = set()

    def __contains__(self, tag: object) -> bool:
        return tag in self._vertices or tag in self._edges or tag in self._edgeless

    def __iter__(self) -> Iterator[str]:
        yield from self._vertices
        yield from self._edges

    def check_new(self, tag: str, what: str) -> None:
        """Raise unless ``tag`` can name a new vertex (``what='tag'``) or edge."""
        check_tag(tag, what)
        if what == "tag" and EDGE_DELIMITER in tag:
            raise InputValueError(
                f"tag {tag!r} contains {EDGE_DELIMITER!r}, which separates the tags of edge tags; "
                "choose another"
            )
        if tag in self:
            raise InputValueError(f"the {what} {tag!r} is already used in this query; choose another")

    def add_vertex(self, tag: str, base: EntityTypes, cls: Any = None) -> None:
        self._vertices[tag] = base
        if cls is not None:
            self._by_class.setdefault(_class_key(cls), []).append(tag)

    def add_edge(self, tag: str, kind: EntityTypes) -> None:
        self._edges[tag] = kind

    def add_edgeless(self, tag: str) -> None:
        self._edgeless.add(tag)

    def get(self, tag_or_cls: Any) -> str:
        """aiida's name for :meth:`resolve`: the tag of a tag string or of an appended class."""
        return self.resolve(tag_or_cls)

    def vertex_base(self, tag: str) -> EntityTypes:
        return self._vertices[tag]

    def kind(self, tag: str) -> tuple[EntityTypes, bool]:
        """(base or edge table, is_edge) of a known tag."""
        if tag in self._vertices:
            return self._vertices[tag], False
        return self._edges[tag], True

    def resolve(self, tag_or_cls: Any, *, vertex_only: bool = False) -> str:
        """The tag named by a tag string or by the class (or tuple of classes) appended with it."""
        if isinstance(tag_or_cls, str):
            if tag_or_cls in self._edgeless:
                raise InputValueError(
                    f"{tag_or_cls!r} is the edge tag of a join without an edge: it has no fields to "
                    "filter or project"
                )
            if tag_or_cls in self._vertices or (not vertex_only and tag_or_cls in self._edges):
                return tag_or_cls
            what = "vertex tags" if vertex_only else "tags"
            raise InputValueError(
                f"unknown tag {tag_or_cls!r}: append it first; "
                f"the {what} so far: {self._listing(vertex_only)}"
            )
        try:
            tags = self._by_class.get(_class_key(tag_or_cls), [])
        except TypeError:  # unhashable: a list or dict given where a tag belongs
            tags = []
        if len(tags) == 1:
            return tags[0]
        if len(tags) > 1:
            raise InputValueError(
                f"{_class_name(tag_or_cls)} was appended as {tags}; name the vertex by its tag instead"
            )
        raise InputValueError(
            f"{tag_or_cls!r} is neither a tag nor a class appended to this query; "
            f"tags: {self._listing(vertex_only)}"
        )

    def _listing(self, vertex_only: bool) -> str:
        return repr(list(self._vertices) if vertex_only else list(self))


def _class_key(cls: Any) -> Hashable:
    key: Hashable = tuple(cls) if isinstance(cls, list) else cls
    return key


def _class_name(cls: Any) -> str:
    return getattr(cls, "__qualname__", None) or repr(cls)
