"""aiida-core's module path ``aiida.orm.nodes.data.array.array``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.array import ArrayData

__all__ = ["ArrayData"]
