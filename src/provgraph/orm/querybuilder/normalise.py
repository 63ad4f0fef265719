"""Filters, projections and orderings in every form users write them -> the description's form.

The description keeps the user's field names (the compiler knows the aliases such as ``pk``);
only values change: ORM entities become their pk and tuples become lists, so the description
is plain JSON-like data that ``from_dict`` reads back unchanged. Operators, logical keys, casts,
functions and orderings are checked against the query schema (``provgraph.storage.query_schema``),
the vocabulary the storage's compiler also reads, so a word one side accepts the other knows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from provgraph.exceptions import InputTypeError, InputValueError
from provgraph.orm.entities import Entity
from provgraph.orm.fields import QbField, QbFieldFilters
from provgraph.storage import query_schema as schema
from provgraph.storage.abstract import EntityTypes

__all__ = [
    "check_window",
    "normalise_filters",
    "normalise_order_by",
    "normalise_projections",
]

# Fields naming another entity -> the foreign-key column an entity value filters (AiiDA would
# write ``<field>_id``, which is not a column for comments, logs and authinfos).
_RELATION_COLUMNS: dict[EntityTypes, dict[str, str]] = {
    EntityTypes.NODE: {"user": "user_id", "computer": "dbcomputer_id"},
    EntityTypes.GROUP: {"user": "user_id"},
    EntityTypes.COMMENT: {"node": "dbnode_id", "user": "user_id"},
    EntityTypes.LOG: {"node": "dbnode_id"},
    EntityTypes.AUTHINFO: {"user": "aiidauser_id", "computer": "dbcomputer_id"},
}

Projection = dict[str, dict[str, str]]
OrderSpec = dict[str, list[dict[str, dict[str, str]]]]


def normalise_filters(spec: Any, kind: EntityTypes, where: str) -> dict[str, Any]:
    """``{field: spec}`` for the tag ``where`` (a vertex of base ``kind`` or an edge table).

    An entity given as a field's value filters its foreign key: ``{"user": user}`` becomes
    ``{"user_id": user.pk}`` (AiiDA's rule). Filters built from fields (``Int.fields.value > 1``)
    are their dict.
    """
    if isinstance(spec, QbFieldFilters):
        spec = spec.as_dict()
    if not isinstance(spec, Mapping):
        raise InputTypeError(
            f"filters of {where!r} must be a dict {{field: value or {{operator: value}}}}, got {spec!r}"
        )
    filters: dict[str, Any] = {}
    for key, value in spec.items():
        if not isinstance(key, str) or not key:
            raise InputValueError(f"a filter field of {where!r} must be a non-empty string, got {key!r}")
        if key in schema.LOGICAL_KEYS:
            if not isinstance(value, (list, tuple)):
                raise InputValueError(
                    f"{key!r} in the filters of {where!r} takes a list of filter dicts, got {value!r}"
                )
            filters[key] = [normalise_filters(item, kind, where) for item in value]
        elif isinstance(value, Entity):
            column = _RELATION_COLUMNS.get(kind, {}).get(key, f"{key}_id")
            filters[column] = _stored_pk(value, where, key)
        else:
            filters[key] = plain = _plain(value, where, key)
            if isinstance(plain, dict):
                _check_operators(plain, where, key)
    return filters


def _check_operators(spec: Mapping[str, Any], where: str, key: str) -> None:
    """Every key of a field's ``{operator: value}`` spec is an operator or a logical key of the schema.

    Logical keys hold lists of such specs. Checked here, the mistake is reported where it was
    made (the ``append`` or ``add_filter`` call) rather than when the query first runs.
    """
    for name, value in spec.items():
        if name in schema.LOGICAL_KEYS:
            if not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
                raise InputValueError(
                    f"{name!r} in the filter {key!r} of {where!r} takes a list of {{operator: value}} dicts, "
                    f"got {value!r}"
                )
            for item in value:
                _check_operators(item, where, key)
        elif schema.parse_operator(name) is None:
            spellings = ", ".join(sorted([*schema.OPERATORS, *schema.OPERATOR_ALIASES]))
            raise InputValueError(
                f"the filter {key!r} of {where!r} has the unknown operator {name!r}; "
                f"operators are {spellings}, each negated by a leading '!' or '~'"
            )


def _stored_pk(entity: Entity, where: str, key: str) -> int:
    if entity.pk is None:
        raise InputValueError(
            f"the filter {key!r} of {where!r} names {entity!r}, which is not stored; store it first"
        )
    return entity.pk


def _plain(value: Any, where: str, key: str) -> Any:
    """``value`` with entities as pks, tuples as lists, UUIDs as text (recursively)."""
    if isinstance(value, Entity):
        return _stored_pk(value, where, key)
    if isinstance(value, (list, tuple)):
        return [_plain(item, where, key) for item in value]
    if isinstance(value, Mapping):
        plain: dict[str, Any] = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise InputValueError(
                    f"the filter {key!r} of {where!r} has a non-string key {name!r}; operators are strings"
                )
            plain[name] = _plain(item, where, key)
        return plain
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def normalise_projections(spec: Any, where: str) -> list[Projection]:
    """``[{field: {"cast": c, "func": f}}]`` from a field, a dict, or a list of them."""
    items = spec if isinstance(spec, (list, tuple)) else [spec]
    projections: list[Projection] = []
    for item in items:
        if isinstance(item, (str, QbField)):
            projections.append({_field(item, where, "projection"): {}})
        elif isinstance(item, Mapping):
            for field, options in item.items():
                projections.append({_field(field, where, "projection"): _projection_options(options, where)})
        else:
            raise InputValueError(
                f"a projection of {where!r} must be a field name or {{field: {{'cast': ..., 'func': ...}}}}, "
                f"got {item!r}"
            )
    return projections


def _field(field: Any, where: str, what: str) -> str:
    if isinstance(field, QbField):  # ``Int.fields.value`` names ``attributes.value``
        return field.backend_key
    if not isinstance(field, str) or not field:
        raise InputValueError(f"a {what} field of {where!r} must be a non-empty string, got {field!r}")
    return field


def _projection_options(options: Any, where: str) -> dict[str, str]:
    if not isinstance(options, Mapping):
        raise InputValueError(
            f"the options of a projection of {where!r} must be a dict with 'cast' and/or 'func', "
            f"got {options!r}"
        )
    checked: dict[str, str] = {}
    for key, value in options.items():
        if key == "cast":
            checked[key] = _cast(value, where)
        elif key == "func":
            if not isinstance(value, str) or value not in schema.FUNCTIONS:
                listed = ", ".join(sorted(schema.FUNCTIONS))
                raise InputValueError(f"projection func {value!r} of {where!r} is not one of {listed}")
            checked[key] = value
        else:
            raise InputValueError(f"projection option {key!r} of {where!r} is not 'cast' or 'func'")
    return checked


def _cast(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in schema.CASTS:
        listed = ", ".join(f"{cast.name} ({cast.type_name})" for cast in schema.CASTS.values())
        raise InputValueError(f"cast {value!r} of {where!r} is not one of {listed}")
    return value


def normalise_order_by(spec: Any, resolve: Callable[[Any], str]) -> list[OrderSpec]:
    """``[{tag: [{field: {"order": ..., "cast"?: ...}}]}]`` from every form ``order_by`` takes.

    ``resolve`` turns a tag or an appended class into its tag.
    """
    if spec is None:
        return []
    items = spec if isinstance(spec, (list, tuple)) else [spec]
    ordering: list[OrderSpec] = []
    for item in items:
        if not isinstance(item, Mapping):
            raise InputValueError(
                f"order_by takes {{tag: field}}, {{tag: [fields]}} or a list of such dicts, got {item!r}"
            )
        entry: OrderSpec = {}
        for tag_spec, fields in item.items():
            tag = resolve(tag_spec)
            entry.setdefault(tag, []).extend(_order_fields(fields, tag))
        ordering.append(entry)
    return ordering


def _order_fields(fields: Any, tag: str) -> list[dict[str, dict[str, str]]]:
    items = fields if isinstance(fields, (list, tuple)) else [fields]
    ordered: list[dict[str, dict[str, str]]] = []
    for item in items:
        if isinstance(item, (str, QbField)):
            ordered.append({_field(item, tag, "order_by"): {"order": schema.DEFAULT_ORDER}})
        elif isinstance(item, Mapping):
            for field, options in item.items():
                ordered.append({_field(field, tag, "order_by"): _order_options(options, tag, field)})
        else:
            raise InputValueError(f"order_by of {tag!r} takes field names or {{field: order}}, got {item!r}")
    return ordered


def _order_options(options: Any, tag: str, field: str) -> dict[str, str]:
    if isinstance(options, str):
        options = {"order": options}
    if not isinstance(options, Mapping):
        raise InputValueError(
            f"the ordering of {tag}.{field} must be 'asc', 'desc' or {{'order': ..., 'cast': ...}}, "
            f"got {options!r}"
        )
    unknown = set(options) - set(schema.ORDER_OPTIONS)
    if unknown:
        raise InputValueError(
            f"order_by of {tag}.{field} takes only 'order' and 'cast', got {sorted(unknown)}"
        )
    order = options.get("order", schema.DEFAULT_ORDER)
    if order not in schema.ORDERS:
        raise InputValueError(f"order {order!r} of {tag}.{field} is not 'asc' or 'desc'")
    checked = {"order": str(order)}
    if "cast" in options:
        checked["cast"] = _cast(options["cast"], tag)
    return checked


def check_window(value: Any, what: str) -> int | None:
    """A limit or offset: None or an int >= 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputTypeError(f"{what} must be a non-negative int or None, got {value!r}")
    if value < 0:
        raise InputValueError(f"{what} must be a non-negative int or None, got {value!r}")
    return value
