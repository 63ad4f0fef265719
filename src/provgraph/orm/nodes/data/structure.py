"""aiida-core's module path ``aiida.orm.nodes.data.structure`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.formula import get_formula
from provgraph.orm.nodes.data.core.structure import Kind, Site, StructureData

__all__ = ["Kind", "Site", "StructureData", "get_formula"]
