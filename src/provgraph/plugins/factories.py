"""Factories that load a plugin class by entry-point name (aiida-core's ``aiida.plugins.factories``).

Example::

    from provgraph.plugins import DataFactory
    Int = DataFactory("core.int")
    Int(5).store()
"""

from __future__ import annotations

import inspect
from importlib.metadata import EntryPoint
from typing import Any

from provgraph import orm
from provgraph.exceptions import InvalidEntryPointTypeError
from provgraph.plugins.entry_point import get_entry_point, load_entry_point

__all__ = [
    "BaseFactory",
    "CalculationFactory",
    "DataFactory",
    "GroupFactory",
    "StorageFactory",
    "WorkflowFactory",
]


def BaseFactory(group: str, name: str, load: bool = True) -> EntryPoint | Any:
    """The entry point ``name`` of ``group``, loaded unless ``load=False``."""
    if not load:
        return get_entry_point(group, name)
    return load_entry_point(group, name)


def _checked(group: str, name: str, load: bool, accepts: Any, what: str) -> Any:
    found = BaseFactory(group, name, load)
    if load and not accepts(found):
        raise InvalidEntryPointTypeError(f"entry point {name!r} of {group!r} is {found!r}, not {what}")
    return found


def DataFactory(entry_point_name: str, load: bool = True) -> Any:
    """The ``Data`` subclass registered as ``entry_point_name`` (``core.int`` -> ``Int``)."""
    return _checked(
        "provgraph.data",
        entry_point_name,
        load,
        lambda found: inspect.isclass(found) and issubclass(found, orm.Data),
        "a Data subclass",
    )


def GroupFactory(entry_point_name: str, load: bool = True) -> Any:
    """The ``Group`` subclass registered as ``entry_point_name`` (``core.auto`` -> ``AutoGroup``)."""
    return _checked(
        "provgraph.groups",
        entry_point_name,
        load,
        lambda found: inspect.isclass(found) and issubclass(found, orm.Group),
        "a Group subclass",
    )


def _is_process(found: Any) -> bool:
    return callable(found) and (hasattr(found, "is_process_function") or inspect.isclass(found))


def CalculationFactory(entry_point_name: str, load: bool = True) -> Any:
    """The ``calcfunction`` registered as ``entry_point_name`` (group ``provgraph.calculations``)."""
    return _checked("provgraph.calculations", entry_point_name, load, _is_process, "a calculation")


def WorkflowFactory(entry_point_name: str, load: bool = True) -> Any:
    """The workflow (a ``workfunction``) registered as ``entry_point_name`` in ``provgraph.workflows``."""
    return _checked("provgraph.workflows", entry_point_name, load, _is_process, "a workflow")


def StorageFactory(entry_point_name: str, load: bool = True) -> Any:
    """The storage backend class registered as ``entry_point_name`` (``core.sqlite_dos``)."""
    return BaseFactory("provgraph.storage", entry_point_name, load)
