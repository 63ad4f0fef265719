"""aiida-core's module path ``aiida.orm.nodes.data.enum`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.enum import EnumData

__all__ = ["EnumData"]
