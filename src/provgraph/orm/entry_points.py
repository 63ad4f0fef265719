"""Entry points: plugins found by group and name (behind aiida-core's ``aiida.plugins.entry_point``).

provgraph's groups are aiida-core's with ``provgraph.`` for ``aiida.``: ``provgraph.data``,
``provgraph.calculations``, ``provgraph.workflows``, ``provgraph.groups``, ``provgraph.node``,
``provgraph.storage``. Strings written by aiida-core (``aiida.data:core.int``, as stored in a
``process_type``) are read as the same entry point in provgraph's group. The core data types and
groups are also found without installed package metadata, through the ORM's registries.

Example::

    from provgraph.plugins.entry_point import load_entry_point_from_string
    Int = load_entry_point_from_string("aiida.data:core.int")
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points
from typing import Any

from provgraph.exceptions import LoadingEntryPointError, MissingEntryPointError, MultipleEntryPointError
from provgraph.orm.groups import registered_group_types
from provgraph.orm.nodes.types import registered_node_types

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

ENTRY_POINT_GROUP_PREFIX = "provgraph."
ENTRY_POINT_STRING_SEPARATOR = ":"
_AIIDA_PREFIX = "aiida."


def _group(group: str) -> str:
    """provgraph's name of an entry-point group (``aiida.data`` -> ``provgraph.data``)."""
    if group.startswith(_AIIDA_PREFIX):
        return ENTRY_POINT_GROUP_PREFIX + group[len(_AIIDA_PREFIX) :]
    return group


def _builtin(group: str) -> dict[str, str]:
    """Entry points the ORM's registries know, by name -> ``module:attribute``."""
    found: dict[str, str] = {}
    if group in ("provgraph.data", "provgraph.node"):
        for node_type, cls in registered_node_types().items():
            parts = node_type.rstrip(".").split(".")
            if group == "provgraph.data" and parts[0] == "data" and len(parts) > 2:
                found[".".join(parts[1:-1])] = f"{cls.__module__}:{cls.__qualname__}"
            elif group == "provgraph.node" and len(parts) > 1:
                found[".".join(parts[:-1])] = f"{cls.__module__}:{cls.__qualname__}"
    elif group == "provgraph.groups":
        for type_string, group_cls in registered_group_types().items():
            found[type_string] = f"{group_cls.__module__}:{group_cls.__qualname__}"
    return found


def get_entry_points(group: str) -> list[EntryPoint]:
    """Every entry point of ``group``: installed ones, and the built-in ones not installed under that name."""
    name = _group(group)
    installed = {entry_point.name: entry_point for entry_point in entry_points(group=name)}
    for entry_name, value in _builtin(name).items():
        installed.setdefault(entry_name, EntryPoint(entry_name, value, name))
    return [installed[key] for key in sorted(installed)]


def get_entry_point_names(group: str, sort: bool = True) -> list[str]:
    """The names of the entry points of ``group``."""
    names = [entry_point.name for entry_point in get_entry_points(group)]
    return sorted(names) if sort else names


def get_entry_point(group: str, name: str) -> EntryPoint:
    """The entry point ``name`` of ``group``; ``MissingEntryPointError`` names what exists."""
    matches = [entry_point for entry_point in get_entry_points(group) if entry_point.name == name]
    if not matches:
        raise MissingEntryPointError(
            f"no entry point {name!r} in group {_group(group)!r}; "
            f"available: {', '.join(get_entry_point_names(group)) or 'none'}"
        )
    if len({entry_point.value for entry_point in matches}) > 1:
        raise MultipleEntryPointError(f"several entry points {name!r} in group {_group(group)!r}")
    return matches[0]


def load_entry_point(group: str, name: str) -> Any:
    """What the entry point ``name`` of ``group`` names (a class or a function)."""
    entry_point = get_entry_point(group, name)
    try:
        return entry_point.load()
    except Exception as error:
        raise LoadingEntryPointError(
            f"cannot load entry point {name!r} of {_group(group)!r}: {error}"
        ) from error


def parse_entry_point_string(entry_point_string: str) -> tuple[str, str]:
    """``group:name`` -> ``(group, name)`` (aiida's group names are accepted)."""
    group, separator, name = entry_point_string.partition(ENTRY_POINT_STRING_SEPARATOR)
    if not separator or not group or not name:
        raise ValueError(f"invalid entry point string {entry_point_string!r}: expected 'group:name'")
    return _group(group), name


def is_valid_entry_point_string(entry_point_string: str) -> bool:
    """Whether the string has the ``group:name`` form of a known group prefix."""
    try:
        group, _ = parse_entry_point_string(entry_point_string)
    except (TypeError, ValueError):
        return False
    return group.startswith(ENTRY_POINT_GROUP_PREFIX)


def get_entry_point_from_string(entry_point_string: str) -> EntryPoint:
    """The entry point a ``group:name`` string names."""
    return get_entry_point(*parse_entry_point_string(entry_point_string))


def load_entry_point_from_string(entry_point_string: str) -> Any:
    """What a ``group:name`` string names, loaded."""
    return load_entry_point(*parse_entry_point_string(entry_point_string))


def parse_entry_point(group: str, spec: str) -> EntryPoint:
    """An entry point from its ``name = module:attribute`` specification."""
    name, _, value = spec.partition("=")
    return EntryPoint(name.strip(), value.strip(), _group(group))


def get_entry_point_from_class(class_module: str, class_name: str) -> tuple[str | None, EntryPoint | None]:
    """``(group, entry point)`` of the class at ``module:name``, or ``(None, None)``."""
    value = f"{class_module}:{class_name}"
    for group in ("provgraph.data", "provgraph.groups", "provgraph.calculations", "provgraph.workflows"):
        for entry_point in get_entry_points(group):
            if entry_point.value == value:
                return group, entry_point
    return None, None


def get_entry_point_string_from_class(class_module: str, class_name: str) -> str | None:
    """``group:name`` of the class at ``module:name``, or None if no entry point names it."""
    group, entry_point = get_entry_point_from_class(class_module, class_name)
    if group is None or entry_point is None:
        return None
    return f"{group}{ENTRY_POINT_STRING_SEPARATOR}{entry_point.name}"
