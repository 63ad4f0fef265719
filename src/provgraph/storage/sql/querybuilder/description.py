"""Check a query description completely and turn it into a validated, typed form.

Every problem a description can have (an unknown tag, a relationship that does not fit, a field
the entity lacks, a cast that does not exist ...) is found here, before any SQL is built, and
reported as ``InputValidationError`` naming the tag and the value. Operator values are the one
exception: ``operators.compile_operator`` judges them while the conditions are built, which is
still before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from provgraph.exceptions import InputValidationError
from provgraph.storage import query_schema as schema
from provgraph.storage.sql.querybuilder.entities import EDGE_SHAPES, ENTITY_SHAPES, FieldRef, Shape
from provgraph.storage.sql.querybuilder.relationships import Relationship, relationship_for

__all__ = [
    "Condition",
    "Description",
    "FilterNode",
    "Junction",
    "OrderKey",
    "Projection",
    "Vertex",
    "parse_description",
]

JunctionKind = schema.Junction

#: Logical keys (field or tag level) -> (junction, negated): the schema's.
_LOGICAL = schema.LOGICAL_KEYS


@dataclass(frozen=True)
class Vertex:
    """One entity of the path, with how it joins an earlier one (none for the first)."""

    index: int
    tag: str
    base: str
    shape: Shape
    relationship: Relationship | None
    joined: str | None
    edge_tag: str | None
    outer: bool


@dataclass(frozen=True)
class Condition:
    """One operator applied to one field."""

    ref: FieldRef
    operator: str
    value: Any
    where: str


@dataclass(frozen=True)
class Junction:
    """Conditions combined with AND / OR, possibly negated as a whole."""

    kind: JunctionKind
    negated: bool
    parts: tuple[FilterNode, ...]


FilterNode = Condition | Junction


@dataclass(frozen=True)
class Projection:
    """One projected field; ``entity`` is ``*`` (a row dict) or ``**`` (all columns flattened)."""

    tag: str
    field: str
    entity: EntityProjection | None
    ref: FieldRef | None
    cast: str | None
    func: str | None


@dataclass(frozen=True)
class OrderKey:
    tag: str
    ref: FieldRef
    cast: str | None
    descending: bool


@dataclass(frozen=True)
class Description:
    """A validated description: vertices, edges by tag, filter trees, projections, ordering."""

    vertices: tuple[Vertex, ...]
    edges: Mapping[str, Vertex]
    filters: Mapping[str, Junction]
    projections: Mapping[str, tuple[Projection, ...]]
    order: tuple[OrderKey, ...]
    limit: int | None
    offset: int | None
    distinct: bool

    def shape(self, tag: str) -> Shape:
        """The shape of a vertex or edge tag (known to exist: the description is validated)."""
        edge = self.edges.get(tag)
        if edge is not None and edge.relationship is not None:
            return EDGE_SHAPES[edge.relationship.kind]
        return next(vertex.shape for vertex in self.vertices if vertex.tag == tag)

    def mentions(self, tag: str) -> bool:
        """Whether the query filters, projects or orders by ``tag``."""
        return (
            bool(self.filters.get(tag) and self.filters[tag].parts)
            or bool(self.projections.get(tag))
            or any(key.tag == tag for key in self.order)
        )


EntityProjection = Literal["*", "**"]
_ENTITIES: dict[str, EntityProjection] = {name: name for name in schema.ENTITY_PROJECTIONS}


# -- the path ----------------------------------------------------------------------------------


def _parse_vertex(index: int, item: object, vertices: Mapping[str, Vertex]) -> Vertex:
    where = f"path item {index}"
    if not isinstance(item, Mapping):
        raise InputValidationError(f"{where} must be a dict, got {item!r}")
    tag = item.get("tag")
    if not isinstance(tag, str) or not tag:
        raise InputValidationError(f"{where} needs a non-empty str 'tag', got {tag!r}")
    where = f"path item {index} (tag {tag!r})"
    base = item.get("orm_base")
    if not isinstance(base, str) or base not in schema.ORM_BASES:
        raise InputValidationError(
            f"{where}: orm_base {base!r} is not one of {sorted(base.value for base in schema.ORM_BASES)}"
        )
    outer = item.get("outerjoin", False)
    if not isinstance(outer, bool):
        raise InputValidationError(f"{where}: outerjoin must be a bool, got {outer!r}")
    keyword, joined = item.get("joining_keyword"), item.get("joining_value")
    if index == 0:
        if keyword is not None or joined is not None:
            raise InputValidationError(
                f"{where}: the first vertex cannot join another ({keyword!r} {joined!r})"
            )
        return Vertex(0, tag, base, ENTITY_SHAPES[base], None, None, None, False)
    if not isinstance(joined, str) or joined not in vertices:
        raise InputValidationError(
            f"{where}: joining_value {joined!r} must be the tag of an earlier vertex, one of {list(vertices)}"
        )
    relationship = relationship_for(base, keyword, vertices[joined].base, where)
    edge_tag = item.get("edge_tag")
    if edge_tag is not None and (not isinstance(edge_tag, str) or not edge_tag):
        raise InputValidationError(f"{where}: edge_tag must be a non-empty str or None, got {edge_tag!r}")
    return Vertex(index, tag, base, ENTITY_SHAPES[base], relationship, joined, edge_tag, outer)


def _parse_path(path: object) -> tuple[tuple[Vertex, ...], dict[str, Vertex], dict[str, str]]:
    """Vertices; edges by tag; and the edge tags of joins that have no edge (for messages)."""
    if not isinstance(path, Sequence) or isinstance(path, str) or not path:
        raise InputValidationError(f"the query's 'path' must be a non-empty list of vertices, got {path!r}")
    vertices: dict[str, Vertex] = {}
    edges: dict[str, Vertex] = {}
    edgeless: dict[str, str] = {}
    for index, item in enumerate(path):
        vertex = _parse_vertex(index, item, vertices)
        taken = set(vertices) | set(edges)
        if vertex.tag in taken:
            raise InputValidationError(f"tag {vertex.tag!r} is used twice in the path; tags must be unique")
        vertices[vertex.tag] = vertex
        if vertex.edge_tag is None or vertex.relationship is None:
            continue
        if vertex.edge_tag in taken | {vertex.tag}:
            raise InputValidationError(
                f"edge tag {vertex.edge_tag!r} is used twice in the path; tags must be unique"
            )
        if vertex.relationship.has_edge:
            edges[vertex.edge_tag] = vertex
        else:
            edgeless[vertex.edge_tag] = vertex.relationship.keyword
    return tuple(vertices.values()), edges, edgeless


class _Tags:
    """Looks up the shape behind a tag, with the errors for unknown and edgeless tags."""

    def __init__(self, vertices: Iterable[Vertex], edges: Mapping[str, Vertex], edgeless: Mapping[str, str]):
        self.shapes: dict[str, Shape] = {vertex.tag: vertex.shape for vertex in vertices}
        for tag, vertex in edges.items():
            assert vertex.relationship is not None
            self.shapes[tag] = EDGE_SHAPES[vertex.relationship.kind]
        self.edgeless = edgeless

    def shape(self, tag: object, section: str) -> Shape:
        if isinstance(tag, str) and tag in self.shapes:
            return self.shapes[tag]
        if isinstance(tag, str) and tag in self.edgeless:
            raise InputValidationError(
                f"{section}: {tag!r} is the edge of a {self.edgeless[tag]} join, which has no edge row; "
                "only link (with_incoming / with_outgoing), group membership and ancestry joins have edges"
            )
        raise InputValidationError(
            f"{section}: unknown tag {tag!r}; the query's tags are {list(self.shapes)}"
        )


# -- filters -----------------------------------------------------------------------------------


def _junction_items(key: str, value: object, where: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InputValidationError(f"{where}: {key!r} takes a list of filter dicts, got {value!r}")
    for item in value:
        if not isinstance(item, Mapping):
            raise InputValidationError(f"{where}: the items of {key!r} must be dicts, got {item!r}")
    return list(value)


def _parse_field_spec(ref: FieldRef, name: str, spec: object, where: str) -> FilterNode:
    target = f"{where}, field {name!r}"
    if not isinstance(spec, Mapping):
        return Condition(ref, "==", spec, target)
    parts: list[FilterNode] = []
    for operator, value in spec.items():
        if not isinstance(operator, str):
            raise InputValidationError(f"{target}: an operator must be a str, got {operator!r}")
        if operator in _LOGICAL:
            kind, negated = _LOGICAL[operator]
            items = _junction_items(operator, value, target)
            nested = tuple(_parse_field_spec(ref, name, dict(item), where) for item in items)
            parts.append(Junction(kind, negated, nested))
        else:
            parts.append(Condition(ref, operator, value, target))
    return Junction("and", False, tuple(parts))


def _parse_tag_filters(shape: Shape, spec: object, where: str) -> Junction:
    if not isinstance(spec, Mapping):
        raise InputValidationError(f"{where}: filters must be a dict of field -> spec, got {spec!r}")
    parts: list[FilterNode] = []
    for key, value in spec.items():
        if isinstance(key, str) and key in _LOGICAL:
            kind, negated = _LOGICAL[key]
            items = _junction_items(key, value, where)
            nested = tuple(_parse_tag_filters(shape, item, where) for item in items)
            parts.append(Junction(kind, negated, nested))
        else:
            ref = shape.resolve(key, where)
            parts.append(_parse_field_spec(ref, key, value, where))
    return Junction("and", False, tuple(parts))


def _parse_filters(filters: object, tags: _Tags) -> dict[str, Junction]:
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise InputValidationError(f"the query's 'filters' must be a dict of tag -> filters, got {filters!r}")
    parsed = {}
    for tag, spec in filters.items():
        shape = tags.shape(tag, "filters")
        parsed[tag] = _parse_tag_filters(shape, spec or {}, f"filters of tag {tag!r}")
    return parsed


# -- projections and ordering ------------------------------------------------------------------


def _spec_items(items: object, where: str) -> list[tuple[str, Mapping[str, Any]]]:
    """``[{field: spec}, ...]`` (a bare field name meaning ``{field: {}}``) as (field, spec) pairs."""
    if isinstance(items, str) or not isinstance(items, Sequence):
        raise InputValidationError(f"{where} must be a list of {{field: spec}} dicts, got {items!r}")
    pairs: list[tuple[str, Mapping[str, Any]]] = []
    for item in items:
        if isinstance(item, str):
            pairs.append((item, {}))
        elif isinstance(item, Mapping):
            for name, spec in item.items():
                pairs.append((name, spec))
        else:
            raise InputValidationError(f"{where}: an item must be a {{field: spec}} dict, got {item!r}")
    return pairs


def _check_keys(spec: object, allowed: tuple[str, ...], where: str) -> Mapping[str, Any]:
    if not isinstance(spec, Mapping):
        raise InputValidationError(
            f"{where}: the spec must be a dict with keys {list(allowed)}, got {spec!r}"
        )
    unknown = [key for key in spec if key not in allowed]
    if unknown:
        raise InputValidationError(f"{where}: unknown keys {unknown}; allowed are {list(allowed)}")
    return spec


def _check_cast(cast: object, where: str) -> str | None:
    if cast is not None and (not isinstance(cast, str) or cast not in schema.CASTS):
        raise InputValidationError(f"{where}: cast {cast!r} is not one of {list(schema.CASTS)}")
    return cast


def _parse_projection(tag: str, shape: Shape, name: str, raw: object) -> Projection:
    where = f"projection {name!r} of tag {tag!r}"
    spec = _check_keys(raw, schema.PROJECTION_OPTIONS, where)
    cast = _check_cast(spec.get("cast"), where)
    func = spec.get("func")
    if func is not None and (not isinstance(func, str) or func not in schema.FUNCTIONS):
        raise InputValidationError(f"{where}: func {func!r} is not one of {list(schema.FUNCTIONS)}")
    entity = _ENTITIES.get(name)
    if entity is not None:
        if func is not None or cast is not None:
            raise InputValidationError(f"{where}: {name!r} takes neither 'func' nor 'cast'")
        return Projection(tag, name, entity, None, None, None)
    ref = shape.resolve(name, where)
    if func is not None and schema.FUNCTIONS[func].compares and ref.json_path and cast is None:
        raise InputValidationError(f"{where}: {func} of a JSON path needs a 'cast' to compare values by")
    return Projection(tag, name, None, ref, cast, func)


def _parse_projections(project: object, tags: _Tags) -> dict[str, tuple[Projection, ...]]:
    if project is None:
        return {}
    if not isinstance(project, Mapping):
        raise InputValidationError(
            f"the query's 'project' must be a dict of tag -> projections, got {project!r}"
        )
    parsed = {}
    for tag, items in project.items():
        shape = tags.shape(tag, "project")
        pairs = _spec_items(items, f"projections of tag {tag!r}")
        parsed[tag] = tuple(_parse_projection(tag, shape, name, spec) for name, spec in pairs)
    return parsed


def _parse_order_key(tag: str, shape: Shape, name: str, raw: object) -> OrderKey:
    where = f"order_by {name!r} of tag {tag!r}"
    if isinstance(raw, str):
        raw = {"order": raw}
    spec = _check_keys(raw, schema.ORDER_OPTIONS, where)
    order = spec.get("order", schema.DEFAULT_ORDER)
    if order not in schema.ORDERS:
        raise InputValidationError(f"{where}: order {order!r} must be 'asc' or 'desc'")
    if name in schema.ENTITY_PROJECTIONS:
        raise InputValidationError(f"{where}: order by a field, not {name!r}")
    ref = shape.resolve(name, where)
    return OrderKey(tag, ref, _check_cast(spec.get("cast"), where), order == "desc")


def _parse_order(order_by: object, tags: _Tags) -> tuple[OrderKey, ...]:
    if order_by is None:
        return ()
    if isinstance(order_by, Mapping):
        order_by = [order_by]
    if isinstance(order_by, str) or not isinstance(order_by, Sequence):
        raise InputValidationError(
            f"the query's 'order_by' must be a list of {{tag: [...]}}, got {order_by!r}"
        )
    keys: list[OrderKey] = []
    for entry in order_by:
        if not isinstance(entry, Mapping):
            raise InputValidationError(f"order_by: each entry must be a {{tag: [...]}} dict, got {entry!r}")
        for tag, items in entry.items():
            shape = tags.shape(tag, "order_by")
            pairs = _spec_items(items, f"order_by of tag {tag!r}")
            keys.extend(_parse_order_key(tag, shape, name, spec) for name, spec in pairs)
    return tuple(keys)


def _parse_window(query: Mapping[str, Any]) -> tuple[int | None, int | None, bool]:
    window = []
    for name in ("limit", "offset"):
        value = query.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise InputValidationError(
                f"the query's {name!r} must be a non-negative int or None, got {value!r}"
            )
        window.append(value)
    distinct = query.get("distinct", False)
    if not isinstance(distinct, bool):
        raise InputValidationError(f"the query's 'distinct' must be a bool, got {distinct!r}")
    return window[0], window[1], distinct


def _check_aggregates(projections: Mapping[str, tuple[Projection, ...]]) -> None:
    """Aggregates and plain fields in one row have no meaning PostgreSQL and SQLite agree on."""
    every = [projection for group in projections.values() for projection in group]
    aggregated = [p for p in every if p.func is not None]
    if aggregated and len(aggregated) != len(every):
        plain = [f"{p.tag}.{p.field}" for p in every if p.func is None]
        raise InputValidationError(
            f"the query projects aggregates ({aggregated[0].func} of {aggregated[0].field!r}) together "
            f"with plain fields {plain}; project either only aggregates or none"
        )


def _covers(projection: Projection, key: OrderKey) -> bool:
    """Whether the projected value determines the value ``key`` sorts by."""
    if projection.tag != key.tag or projection.func is not None:
        return False
    if projection.entity is not None:
        return True
    ref = projection.ref
    assert ref is not None
    if ref.column != key.ref.column:
        return False
    if not key.ref.is_json:
        return True
    lossless = projection.cast in (None, "j") or projection.cast == key.cast
    return lossless and key.ref.json_path[: len(ref.json_path)] == ref.json_path


def _check_distinct_order(
    projections: Mapping[str, tuple[Projection, ...]], order: tuple[OrderKey, ...]
) -> None:
    """With ``distinct``, sort only by what is projected: otherwise the order of duplicates that
    differ in the sort key is undefined (PostgreSQL refuses the query, SQLite picks one)."""
    every = [projection for group in projections.values() for projection in group]
    for key in order:
        if not any(_covers(projection, key) for projection in every):
            field = ".".join((key.ref.column, *key.ref.json_path))
            raise InputValidationError(
                f"order_by {field!r} of tag {key.tag!r}: a distinct query can only be ordered by projected "
                "fields; project it too, or drop distinct"
            )


def parse_description(query: Mapping[str, Any]) -> Description:
    """Validate ``query`` (the format of docs/querybuilder.md) from top to bottom."""
    if not isinstance(query, Mapping):
        raise InputValidationError(f"a query description must be a dict, got {type(query).__name__}")
    vertices, edges, edgeless = _parse_path(query.get("path"))
    tags = _Tags(vertices, edges, edgeless)
    filters = _parse_filters(query.get("filters"), tags)
    projections = _parse_projections(query.get("project"), tags)
    if not any(projections.values()):
        last = vertices[-1].tag
        projections = {last: (Projection(last, "*", "*", None, None, None),)}
    _check_aggregates(projections)
    order = _parse_order(query.get("order_by"), tags)
    limit, offset, distinct = _parse_window(query)
    if distinct:
        _check_distinct_order(projections, order)
    return Description(vertices, edges, filters, projections, order, limit, offset, distinct)
