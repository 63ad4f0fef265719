"""aiida-core's module path ``aiida.orm.nodes.data.dict`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.dict import Dict

__all__ = ["Dict"]
