"""aiida-core's module path ``aiida.orm.nodes.data.float`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.float import Float

__all__ = ["Float"]
