"""aiida-core's module path ``aiida.orm.nodes.data.str`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.str import Str

__all__ = ["Str"]
