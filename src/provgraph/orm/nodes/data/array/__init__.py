"""aiida-core's package ``aiida.orm.nodes.data.array`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.array import ArrayData
from provgraph.orm.nodes.data.core.xy import XyData

__all__ = ["ArrayData", "XyData"]
