"""aiida-core's module path ``aiida.orm.nodes.data.array.xy``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.xy import XyData

__all__ = ["XyData"]
