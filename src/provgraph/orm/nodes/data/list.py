"""aiida-core's module path ``aiida.orm.nodes.data.list`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.list import List

__all__ = ["List"]
