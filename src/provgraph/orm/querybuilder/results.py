"""Rows from the storage -> what users get: ORM entities for ``*``, lists, ``{tag: {key: value}}``.

The layout of a row follows the description: for each vertex in path order its projections,
then those of the edge that leads to it. A ``*`` column arrives as the entity's column dict and
becomes an entity of the class its row names (nodes by node_type); ``**`` arrives as every
column of the table, flattened in AiiDA's column order, so the layout lists those names here.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from provgraph.orm.entities import Entity, registered_entity_classes
from provgraph.storage.abstract import EntityTypes, StorageBackend

__all__ = ["Column", "LinkQuadruple", "RowConverter", "row_layout"]


class LinkQuadruple(NamedTuple):
    """One link by the pks of its ends: what ``*`` of a link vertex gives (aiida's name)."""

    source_id: int
    target_id: int
    link_type: str
    link_label: str


# AiiDA's columns in table order: what ``**`` expands to (docs/querybuilder.md).
_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "node": (
        "id", "uuid", "node_type", "process_type", "label", "description", "ctime", "mtime",
        "attributes", "extras", "repository_metadata", "dbcomputer_id", "user_id",
    ),
    "group": ("id", "uuid", "label", "type_string", "time", "description", "extras", "user_id"),
    "computer": (
        "id", "uuid", "label", "hostname", "description", "scheduler_type", "transport_type", "metadata",
    ),
    "user": ("id", "email", "first_name", "last_name", "institution"),
    "authinfo": ("id", "aiidauser_id", "dbcomputer_id", "metadata", "auth_params", "enabled"),
    "comment": ("id", "uuid", "dbnode_id", "ctime", "mtime", "user_id", "content"),
    "log": ("id", "uuid", "time", "loggername", "levelname", "dbnode_id", "message", "metadata"),
}  # fmt: skip
_LINK_COLUMNS = ("id", "input_id", "output_id", "label", "type")
_TABLE_COLUMNS[EntityTypes.LINK.value] = _LINK_COLUMNS
_MEMBERSHIP_COLUMNS = ("id", "dbnode_id", "dbgroup_id")
_ANCESTRY_COLUMNS = ("depth",)


@dataclass(frozen=True)
class Column:
    """One column of a result row: the tag and field projected, and the class ``*`` loads as."""

    tag: str
    key: str
    entity_class: type[Entity] | None
    #: ``*`` of a link vertex: the row becomes a :class:`LinkQuadruple`.
    is_link: bool = False


def row_layout(description: Mapping[str, Any]) -> list[Column]:
    """The columns of the rows ``description`` returns, in order."""
    project: Mapping[str, Sequence[Mapping[str, Any]]] = description["project"]
    columns: list[Column] = []
    classes = {entity_type.value: cls for entity_type, cls in registered_entity_classes().items()}
    for vertex in description["path"]:
        tag, base = vertex["tag"], vertex["orm_base"]
        entity_class = classes.get(base)
        for projection in project.get(tag, ()):
            for key in projection:
                if key == "**":
                    columns.extend(Column(tag, name, None) for name in _TABLE_COLUMNS[base])
                else:
                    is_link = key == "*" and base == EntityTypes.LINK.value
                    columns.append(Column(tag, key, entity_class if key == "*" else None, is_link))
        edge_tag = vertex.get("edge_tag")
        if edge_tag is not None:
            table = _edge_columns(base, vertex["joining_keyword"])
            for projection in project.get(edge_tag, ()):
                for key in projection:
                    names = table if key == "**" else (key,)
                    columns.extend(Column(edge_tag, name, None) for name in names)
    return columns


def _edge_columns(base: str, keyword: str) -> tuple[str, ...]:
    if base == EntityTypes.NODE.value and keyword in ("with_ancestors", "with_descendants"):
        return _ANCESTRY_COLUMNS
    if base == EntityTypes.NODE.value and keyword in ("with_incoming", "with_outgoing"):
        return _LINK_COLUMNS
    return _MEMBERSHIP_COLUMNS


class RowConverter:
    """Turns the storage's rows into lists or dicts of user values.

    Only ``*`` columns (entities) and ``uuid`` columns (a storage may return ``uuid.UUID``) need
    a look at each value; rows of other columns become lists at C speed.
    """

    def __init__(
        self,
        backend: StorageBackend,
        columns: Sequence[Column],
        project_map: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self._columns = list(columns)
        self._converters = [_converter(backend, column) for column in columns]
        self._is_plain = all(convert is None for convert in self._converters)
        self._single = self._converters[0] if len(self._converters) == 1 else None
        renames = project_map or {}
        self._keys = [(c.tag, renames.get(c.tag, {}).get(c.key, c.key)) for c in self._columns]

    def as_list(self, row: Sequence[Any]) -> list[Any]:
        if self._is_plain:
            return list(row)
        if self._single is not None:  # one converted column (``*`` of one vertex): no zip per row
            return [self._single(row[0])]
        return [
            value if convert is None else convert(value)
            for convert, value in zip(self._converters, row, strict=True)
        ]

    def as_dict(self, row: Sequence[Any]) -> dict[str, dict[str, Any]]:
        """``{tag: {field or its project_map name: value}}``, tags in row order."""
        result: dict[str, dict[str, Any]] = {}
        for (tag, key), convert, value in zip(self._keys, self._converters, row, strict=True):
            result.setdefault(tag, {})[key] = value if convert is None else convert(value)
        return result

    def lists(self, rows: Iterable[Sequence[Any]]) -> Iterator[list[Any]]:
        return map(list, rows) if self._is_plain else map(self.as_list, rows)

    def values(self, rows: Iterable[Sequence[Any]]) -> Iterator[Any]:
        """Every value of every row, flat, without a list per row (``all(flat=True)``): fewer
        objects for the garbage collector to track while a large result is built."""
        if self._single is not None:
            return map(self._single, (row[0] for row in rows))
        if self._is_plain:
            return (value for row in rows for value in row)
        return (value for row in rows for value in self.as_list(row))

    def dicts(self, rows: Iterable[Sequence[Any]]) -> Iterator[dict[str, dict[str, Any]]]:
        return map(self.as_dict, rows)


def _converter(backend: StorageBackend, column: Column) -> Callable[[Any], Any] | None:
    if column.is_link:
        return _link_quadruple
    entity_class = column.entity_class
    if entity_class is None:
        return _plain_value if column.key == "uuid" else None

    def load(value: Any) -> Any:
        if value is None or value["id"] is None:  # the missing side of an outer join
            return None
        return entity_class._from_row(backend, value)

    return load


def _link_quadruple(value: Any) -> LinkQuadruple | None:
    if value is None or value["id"] is None:
        return None
    return LinkQuadruple(value["input_id"], value["output_id"], value["type"], value["label"])


def _plain_value(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value
