"""aiida-core's module path ``aiida.orm.nodes.data.int`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.int import Int

__all__ = ["Int"]
