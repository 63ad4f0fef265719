"""aiida-core's ``aiida.plugins.entry_point`` path; the implementation is :mod:`provgraph.orm.entry_points`.

Example::

    from provgraph.plugins.entry_point import load_entry_point_from_string
    Int = load_entry_point_from_string("aiida.data:core.int")
"""

from __future__ import annotations

from provgraph.orm.entry_points import (
    ENTRY_POINT_GROUP_PREFIX,
    ENTRY_POINT_STRING_SEPARATOR,
    get_entry_point,
    get_entry_point_from_class,
    get_entry_point_from_string,
    get_entry_point_names,
    get_entry_point_string_from_class,
    get_entry_points,
    is_valid_entry_point_string,
    load_entry_point,
    load_entry_point_from_string,
    parse_entry_point,
    parse_entry_point_string,
)

__all__ = [
    "ENTRY_POINT_GROUP_PREFIX",
    "ENTRY_POINT_STRING_SEPARATOR",
    "get_entry_point",
    "get_entry_point_from_class",
    "get_entry_point_from_string",
    "get_entry_point_names",
    "get_entry_point_string_from_class",
    "get_entry_points",
    "is_valid_entry_point_string",
    "load_entry_point",
    "load_entry_point_from_string",
    "parse_entry_point",
    "parse_entry_point_string",
]
