"""``QueryBuilder``: aiida-core's query API over a plain, serialisable query description.

The builder only collects and validates; ``as_dict()`` is the whole query (docs/querybuilder.md)
and the storage compiles and runs it (``query_rows`` / ``query_count`` / ``query_sql``).
Structural mistakes (unknown tags, impossible relationships, malformed specs) raise
``InputValidationError`` while the query is built, before any SQL exists.
"""

from __future__ import annotations

import copy as copy_module
import itertools
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import InputValueError, MultipleObjectsError, NotExistent
from provgraph.orm.entities import get_default_backend
from provgraph.orm.nodes.node import Node
from provgraph.orm.querybuilder.normalise import (
    OrderSpec,
    Projection,
    check_window,
    normalise_filters,
    normalise_order_by,
    normalise_projections,
)
from provgraph.orm.querybuilder.path import EDGE_DELIMITER, TagRegistry, edge_kind, joined_base
from provgraph.orm.querybuilder.results import RowConverter, row_layout
from provgraph.orm.querybuilder.type_filters import auto_tag_base, classify, type_filters
from provgraph.storage import query_schema as schema
from provgraph.storage.abstract import EntityTypes, StorageBackend
from provgraph.storage.explain import QueryExplanation

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["QueryBuilder"]


# Aliases: the method ``dict`` would shadow the builtin in annotations inside the class.
Description = dict[str, Any]
RowDict = dict[str, dict[str, Any]]
FilterSpec = Mapping[str, Any]

_DESCRIPTION_KEYS = schema.DESCRIPTION_KEYS
_EDGE_ARGUMENTS = ("edge_tag", "edge_filters", "edge_project")


class QueryBuilder:
    """A query over the provenance graph: a path of vertices joined by relationships.

    ::

        qb = QueryBuilder()
        qb.append(Int, tag="i", filters={"attributes.value": {">": 3}})
        qb.append(CalcFunctionNode, with_incoming="i", project=["id"])
        qb.all()
    """

    _EDGE_TAG_DELIM = EDGE_DELIMITER

    def __init__(
        self,
        backend: StorageBackend | None = None,
        *,
        path: Sequence[Any] = (),
        filters: Mapping[str, FilterSpec] | None = None,
        project: Mapping[str, Any] | None = None,
        limit: int | None = None,
        offset: int | None = None,
        order_by: Any = None,
        distinct: bool = False,
        project_map: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._backend = backend
        self._path: list[dict[str, Any]] = []
        self._filters: dict[str, dict[str, Any]] = {}
        self._projections: dict[str, list[Projection]] = {}
        self._project_map: dict[str, dict[str, str]] = {}
        self._order_by: list[OrderSpec] = []
        self._limit: int | None = None
        self._offset: int | None = None
        self._distinct = False
        self._tags = TagRegistry()

        if not isinstance(path, (list, tuple)):
            raise InputValueError(f"path must be a list of append() arguments, got {path!r}")
        for item in path:
            if isinstance(item, Mapping):
                self.append(**item)
            elif isinstance(item, str):
                self.append(entity_type=item)
            else:
                self.append(cls=item)
        self._project_map = _checked_project_map(project_map)
        for tag, projection in _checked_mapping(project, "project").items():
            self.add_projection(tag, projection)
        for tag, spec in _checked_mapping(filters, "filters").items():
            self.add_filter(tag, spec)
        self.limit(limit)
        self.offset(offset)
        self.order_by(order_by)
        self.distinct(distinct)

    # -- the description ------------------------------------------------------------------------

    @property
    def backend(self) -> StorageBackend:
        """The storage the query runs on: the one given, else the loaded profile's at each run
        (a query built before the profile's storage was reset runs on the new one)."""
        if self._backend is None:
            return get_default_backend()
        return self._backend

    def as_dict(self, copy: bool = True) -> Description:
        """The serialisable query description (see docs/querybuilder.md); ``from_dict`` reads it."""
        data: Description = {
            "path": self._path,
            "filters": self._filters,
            "project": self._projections,
            "project_map": self._project_map,
            "order_by": self._order_by,
            "limit": self._limit,
            "offset": self._offset,
            "distinct": self._distinct,
        }
        return copy_module.deepcopy(data) if copy else data

    @classmethod
    def from_dict(cls, dct: Mapping[str, Any], *, backend: StorageBackend | None = None) -> QueryBuilder:
        """The query ``dct`` (an ``as_dict()`` result) describes."""
        if not isinstance(dct, Mapping):
            raise InputValueError(f"from_dict takes a query description dict, got {dct!r}")
        unknown = sorted(set(dct) - set(_DESCRIPTION_KEYS))
        if unknown:
            raise InputValueError(
                f"unknown keys {unknown} in a query description; known: {_DESCRIPTION_KEYS}"
            )
        return cls(backend, **dct)

    def __repr__(self) -> str:
        params = ", ".join(f"{key}={value!r}" for key, value in self.as_dict(copy=False).items())
        return f"QueryBuilder({params})"

    def __deepcopy__(self, memo: dict[int, Any]) -> QueryBuilder:
        return type(self).from_dict(self.as_dict(), backend=self._backend)

    def get_used_tags(self, vertices: bool = True, edges: bool = True) -> list[str]:
        """The tags in path order: each vertex's, then the edge's that leads to it."""
        tags: list[str] = []
        for vertex in self._path:
            if vertices:
                tags.append(vertex["tag"])
            if edges and vertex["edge_tag"] is not None:
                tags.append(vertex["edge_tag"])
        return tags

    # -- building the path ----------------------------------------------------------------------

    def append(  # noqa: PLR0917 (aiida-core's positional signature)
        self,
        cls: Any = None,
        entity_type: str | Sequence[str] | None = None,
        tag: str | None = None,
        filters: FilterSpec | None = None,
        project: Any = None,
        subclassing: bool = True,
        edge_tag: str | None = None,
        edge_filters: FilterSpec | None = None,
        edge_project: Any = None,
        outerjoin: bool = False,
        joining_keyword: str | None = None,
        joining_value: Any = None,
        orm_base: str | None = None,
        **kwargs: Any,
    ) -> Self:
        """Add a vertex: a class (or tuple of classes of one ORM base) or entity_type string(s).

        Its relationship to an earlier vertex is one keyword (``with_incoming="tag"``, or
        ``joining_keyword`` / ``joining_value``); without one, a node is an output of the previous
        vertex (``with_incoming``) and any other entity joins it ``with_node``. Everything is
        validated before the query changes, so a refused append leaves it as it was::

            >>> from provgraph import orm
            >>> x = orm.Int(7).store()
            >>> qb = orm.QueryBuilder().append(orm.Int, filters={"id": x.pk}, project="attributes.value")
            >>> qb.all(flat=True)
            [7]
        """
        base, classifiers = classify(cls, entity_type)
        if orm_base is not None and orm_base != base.value:
            raise InputValueError(f"orm_base {orm_base!r} contradicts the vertex's type, a {base.value}")
        _check_bool(subclassing, "subclassing")
        _check_bool(outerjoin, "outerjoin")
        if tag is None:
            tag = self._unique_tag(auto_tag_base(classifiers))
        else:
            self._tags.check_new(tag, "tag")

        vertex_filters = type_filters(base, classifiers, subclassing)
        if filters is not None:
            vertex_filters.update(normalise_filters(filters, base, tag))
        projections = [] if project is None else normalise_projections(project, tag)

        keyword, joined = self._relationship(base, joining_keyword, joining_value, kwargs)
        kind = None if keyword is None else edge_kind(base, keyword)
        edge_tag, checked_edge_filters, edge_projections = self._edge_spec(
            tag, base, keyword, joined, kind, edge_tag, edge_filters, edge_project
        )

        # Every check passed: record the vertex (and its edge).
        self._tags.add_vertex(tag, base, cls)
        self._filters[tag] = vertex_filters
        self._projections[tag] = projections
        if kind is None and edge_tag is not None:
            self._tags.add_edgeless(edge_tag)
        if kind is not None and edge_tag is not None:
            self._tags.add_edge(edge_tag, kind)
            self._filters[edge_tag] = checked_edge_filters
            self._projections[edge_tag] = edge_projections
        entity_types = [classifier.entity_type for classifier in classifiers]
        self._path.append(
            {
                "entity_type": entity_types[0] if len(entity_types) == 1 else entity_types,
                "orm_base": base.value,
                "tag": tag,
                "joining_keyword": keyword,
                "joining_value": joined,
                "edge_tag": edge_tag,
                "outerjoin": outerjoin,
            }
        )
        return self

    def _edge_spec(  # noqa: PLR0917 (one call site, the arguments of append)
        self,
        tag: str,
        base: EntityTypes,
        keyword: str | None,
        joined: str | None,
        kind: EntityTypes | None,
        edge_tag: str | None,
        edge_filters: FilterSpec | None,
        edge_project: Any,
    ) -> tuple[str | None, dict[str, Any], list[Projection]]:
        """The checked edge tag, filters and projections of a new vertex's join.

        A join without an edge table takes an edge tag (aiida lists it among the used tags) but
        nothing to filter or project on it; the first vertex takes none of the three.
        """
        if kind is None:
            edge_arguments = (None if keyword is not None else edge_tag, edge_filters, edge_project)
            given = [name for name, value in zip(_EDGE_ARGUMENTS, edge_arguments, strict=True) if value]
            if given:
                how = "the first vertex" if keyword is None else f"a {keyword} join of a {base.value}"
                raise InputValueError(f"{tag!r}: {', '.join(given)} given, but {how} has no edge")
        elif edge_tag is None:
            edge_tag = f"{joined}{EDGE_DELIMITER}{tag}"
        if edge_tag is None:
            return None, {}, []
        self._tags.check_new(edge_tag, "edge tag")
        if edge_tag == tag:
            raise InputValueError(f"the edge tag {edge_tag!r} is also the vertex's tag; choose another")
        if kind is None:
            return edge_tag, {}, []
        checked = {} if edge_filters is None else normalise_filters(edge_filters, kind, edge_tag)
        projections = [] if edge_project is None else normalise_projections(edge_project, edge_tag)
        return edge_tag, checked, projections

    def _unique_tag(self, stem: str) -> str:
        for index in itertools.count(1):
            tag = f"{stem}_{index}"
            if tag not in self._tags:
                return tag
        raise AssertionError("unreachable")  # pragma: no cover

    def _relationship(
        self, base: EntityTypes, keyword: str | None, value: Any, kwargs: Mapping[str, Any]
    ) -> tuple[str | None, str | None]:
        """(keyword, joined tag) of a new vertex; (None, None) for the first one."""
        for key, given in kwargs.items():
            if not key.startswith("with_") and key != "direction":
                raise InputValueError(f"append() got an unexpected argument {key!r}")
            if keyword is not None:
                raise InputValueError(
                    f"give one relationship per vertex: {keyword!r} and {key!r} were both given"
                )
            keyword, value = key, given
        if keyword == "direction" and base is EntityTypes.NODE:
            keyword, value = self._direction(value)
        if keyword is None:
            if value is not None:
                raise InputValueError(f"joining_value {value!r} given without a joining_keyword")
            if not self._path:
                return None, None
            keyword = "with_incoming" if base is EntityTypes.NODE else "with_node"
            value = self._path[-1]["tag"]
        expected = joined_base(base, keyword)
        if value is None:
            raise InputValueError(f"{keyword} needs the tag (or class) of an earlier vertex, got None")
        joined = self._tags.resolve(value, vertex_only=True)
        actual = self._tags.vertex_base(joined)
        if actual is not expected:
            options = _keywords_to(base, actual)
            hint = f"name the relationship: {' or '.join(options)}" if options else "join another vertex"
            raise InputValueError(
                f"{keyword} joins a {base.value} to a {expected.value}, but {joined!r} is a {actual.value}; "
                f"{hint}"
            )
        return keyword, joined

    def _direction(self, steps: Any) -> tuple[str, str]:
        """AiiDA's legacy ``direction=n``: outputs (n > 0) or inputs (n < 0) of the n-th last vertex."""
        if isinstance(steps, bool) or not isinstance(steps, int) or steps == 0:
            raise InputValueError(f"direction must be a non-zero int, got {steps!r}")
        if abs(steps) > len(self._path):
            raise InputValueError(f"direction={steps} points before the first of {len(self._path)} vertices")
        keyword = "with_incoming" if steps > 0 else "with_outgoing"
        return keyword, self._path[-abs(steps)]["tag"]

    def inputs(self, **kwargs: Any) -> Self:
        """Append the inputs of the last vertex (``cls`` defaults to Node)."""
        return self._append_related("with_outgoing", kwargs)

    def outputs(self, **kwargs: Any) -> Self:
        """Append the outputs of the last vertex (``cls`` defaults to Node)."""
        return self._append_related("with_incoming", kwargs)

    def children(self, **kwargs: Any) -> Self:
        """Append the descendants of the last vertex (``cls`` defaults to Node)."""
        return self._append_related("with_ancestors", kwargs)

    def parents(self, **kwargs: Any) -> Self:
        """Append the ancestors of the last vertex (``cls`` defaults to Node)."""
        return self._append_related("with_descendants", kwargs)

    def _append_related(self, keyword: str, kwargs: dict[str, Any]) -> Self:
        if not self._path:
            raise InputValueError(f"{keyword} needs a vertex to start from: append() one first")
        cls = kwargs.pop("cls", Node)
        return self.append(cls=cls, **{keyword: self._path[-1]["tag"]}, **kwargs)

    # -- filters, projections, ordering, window -------------------------------------------------

    def add_filter(self, tagspec: Any, filter_spec: FilterSpec) -> Self:
        """Add filters to a vertex or edge; a field given again replaces its earlier filter."""
        tag = self._tags.resolve(tagspec)
        kind, _ = self._tags.kind(tag)
        self._filters[tag].update(normalise_filters(filter_spec, kind, tag))
        return self

    def add_projection(self, tag_spec: Any, projection_spec: Any) -> Self:
        """Set what a vertex or edge projects: ``'*'`` (the entity), ``'**'``, fields, with cast/func."""
        tag = self._tags.resolve(tag_spec)
        self._projections[tag] = normalise_projections(projection_spec, tag)
        return self

    def order_by(self, order_by: Any) -> Self:
        """Set the ordering, replacing any earlier one: ``{tag: field}``, ``{tag: [{field: 'desc'}]}``."""
        self._order_by = normalise_order_by(order_by, self._tags.resolve)
        return self

    def limit(self, limit: int | None) -> Self:
        self._limit = check_window(limit, "limit")
        return self

    def offset(self, offset: int | None) -> Self:
        self._offset = check_window(offset, "offset")
        return self

    def distinct(self, value: bool = True) -> Self:
        _check_bool(value, "distinct")
        self._distinct = value
        return self

    # -- running --------------------------------------------------------------------------------

    @property
    def _impl(self) -> _QueryImpl:
        """aiida's backend query builder, for introspection: ``_impl.get_query(qb.as_dict())``."""
        return _QueryImpl(self.backend)

    def _query(self, limit: int | None = None) -> Description:
        """The description sent to the storage: ``*`` of the last vertex if nothing is projected.

        ``limit`` caps the query's own limit (``first`` and ``one`` need only 1 or 2 rows). The
        description shares the builder's structures (no copy per run): the storage only reads
        it, and only the top level, which is new, is changed here.
        """
        if not self._path:
            raise InputValueError("the query has no vertices: append() an entity before running it")
        description = _with_default_projection(self.as_dict(copy=False))
        if limit is not None:
            own = description["limit"]
            description["limit"] = limit if own is None else min(own, limit)
        return description

    def _rows(self, description: Description, batch_size: int | None) -> Generator[Sequence[Any], None, None]:
        """The storage's rows; closing this generator closes the storage's cursor at once."""
        rows = self.backend.query_rows(description, batch_size=_checked_batch_size(batch_size))
        try:
            yield from rows
        finally:
            close = getattr(rows, "close", None)
            if callable(close):
                close()

    def _converter(self, description: Description) -> RowConverter:
        return RowConverter(self.backend, row_layout(description), description["project_map"])

    def count(self) -> int:
        """How many rows the query returns."""
        description = self._query()
        return self.backend.query_count(description)

    def iterall(self, batch_size: int | None = 100) -> Iterator[list[Any]]:
        """Rows one by one, fetched ``batch_size`` at a time; ``*`` columns as ORM entities."""
        description = self._query()
        converter = self._converter(description)
        with closing(self._rows(description, batch_size)) as rows:
            yield from converter.lists(rows)

    def iterdict(self, batch_size: int | None = 100) -> Iterator[RowDict]:
        """Rows one by one as ``{tag: {field: value}}`` (keys renamed by ``project_map``)."""
        description = self._query()
        converter = self._converter(description)
        with closing(self._rows(description, batch_size)) as rows:
            yield from converter.dicts(rows)

    def all(self, batch_size: int | None = None, flat: bool = False) -> list[Any]:
        """Every row as a list; ``flat`` gives one list of all values (for one projection: the values)."""
        description = self._query()
        converter = self._converter(description)
        rows = self.backend.query_rows(description, batch_size=_checked_batch_size(batch_size))
        try:
            if flat:
                return list(converter.values(rows))
            return list(converter.lists(rows))
        finally:
            close = getattr(rows, "close", None)
            if callable(close):
                close()

    def first(self, flat: bool = False) -> Any:
        """The first row (None if there is none); with ``flat`` and one projection, its value."""
        description = self._query(limit=1)
        converter = self._converter(description)
        rows = [converter.as_list(row) for row in self._rows(description, None)]
        if not rows:
            return None
        return rows[0][0] if flat and len(rows[0]) == 1 else rows[0]

    def one(self) -> list[Any]:
        """The only row: ``NotExistent`` if there is none, ``MultipleObjectsError`` if several."""
        description = self._query(limit=2)
        converter = self._converter(description)
        rows = [converter.as_list(row) for row in self._rows(description, None)]
        if len(rows) > 1:
            raise MultipleObjectsError("More than one result was found")
        if not rows:
            raise NotExistent("No result was found")
        return rows[0]

    def as_sql(self, inline: bool = False) -> str:
        """The SQL the storage runs for this query (for debugging); ``inline`` renders the values."""
        description = self._query()
        return self.backend.query_sql(description, inline=inline)

    def analyze_query(self, execute: bool = True, verbose: bool = False) -> str:
        """The database's plan for this query (``execute`` runs it to measure; see the storage's
        ``query_plan``): PostgreSQL's ``EXPLAIN``, SQLite's ``EXPLAIN QUERY PLAN``."""
        return self.backend.query_plan(self._query(), execute=execute, verbose=verbose)

    def explain(self) -> QueryExplanation:
        """What this query will do, in plain words, and how a declared index would help.

        The query is planned, not run. ``str()`` of the result is what ``node list --explain``
        prints; its fields say which indexes the plan uses and which tables it reads whole.

        Example::

            qb = QueryBuilder().append(Dict, filters={"attributes.energy": {">": 1.5}})
            print(qb.explain())
            # Plan:
            #   - reads every node of the selected types, through index ix_db_dbnode_db_dbnode_node_type
            # Indexes used: ix_db_dbnode_db_dbnode_node_type
            # Advice:
            #   - attributes.energy is filtered on 1,000,000 rows without an index: `provgraph
            #     storage index add attributes.energy --type float` would make this an index lookup
        """
        return self.backend.explain_query(self._query())

    def dict(self, batch_size: int | None = None) -> list[RowDict]:
        """Every row as ``{tag: {field: value}}``; see :meth:`iterdict`."""
        return list(self.iterdict(batch_size=batch_size))


def _with_default_projection(description: Description) -> Description:
    """``description``, projecting ``*`` of the last vertex if it projects nothing (a new top level)."""
    project = description["project"]
    if any(project.values()) or not description["path"]:
        return description
    return {**description, "project": {**project, description["path"][-1]["tag"]: [{"*": {}}]}}


class _QueryImpl:
    """What ``QueryBuilder._impl`` gives: the storage's compiled form of a description."""

    def __init__(self, backend: StorageBackend) -> None:
        self._backend = backend

    def get_query(self, description: Mapping[str, Any]) -> Any:
        """The compiled query (the same object for an identical description, while cached)."""
        return self._backend.compiled_query(_with_default_projection(dict(description)))


def _checked_batch_size(batch_size: Any) -> int | None:
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)):
        raise InputValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    if batch_size is not None and batch_size < 1:
        raise InputValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    return batch_size


def _keywords_to(appended: EntityTypes, joined: EntityTypes) -> list[str]:
    return sorted(item.keyword for item in schema.relationships_of(appended) if item.joined is joined)


def _check_bool(value: Any, what: str) -> None:
    if not isinstance(value, bool):
        raise InputValueError(f"{what} must be True or False, got {value!r}")


def _checked_mapping(value: Any, what: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputValueError(f"{what} must be a dict {{tag: ...}}, got {value!r}")
    return value


def _checked_project_map(project_map: Any) -> dict[str, dict[str, str]]:
    checked: dict[str, dict[str, str]] = {}
    for tag, renames in _checked_mapping(project_map, "project_map").items():
        if not isinstance(tag, str) or not isinstance(renames, Mapping):
            raise InputValueError(f"project_map maps tags to {{field: key}} dicts, got {tag!r}: {renames!r}")
        for field, key in renames.items():
            if not isinstance(field, str) or not isinstance(key, str):
                raise InputValueError(
                    f"project_map of {tag!r} maps field names to strings, got {field!r}: {key!r}"
                )
        checked[tag] = dict(renames)
    return checked
