"""aiida-core's module path ``aiida.orm.nodes.data.jsonable`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.jsonable import JsonableData, JsonSerializableProtocol

__all__ = ["JsonSerializableProtocol", "JsonableData"]
