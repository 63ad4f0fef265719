"""aiida-core's ``aiida.plugins``: plugin classes by entry-point name.

Example::

    from provgraph.plugins import DataFactory
    Dict = DataFactory("core.dict")
"""

from __future__ import annotations

from provgraph.plugins import entry_point
from provgraph.plugins.entry_point import (
    get_entry_points,
    load_entry_point,
    load_entry_point_from_string,
    parse_entry_point,
)
from provgraph.plugins.factories import (
    BaseFactory,
    CalculationFactory,
    DataFactory,
    GroupFactory,
    StorageFactory,
    WorkflowFactory,
)

__all__ = [
    "BaseFactory",
    "CalculationFactory",
    "DataFactory",
    "GroupFactory",
    "StorageFactory",
    "WorkflowFactory",
    "entry_point",
    "get_entry_points",
    "load_entry_point",
    "load_entry_point_from_string",
    "parse_entry_point",
]
