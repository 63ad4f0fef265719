"""aiida-core's module path ``aiida.orm.nodes.data.singlefile`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.singlefile import SinglefileData

__all__ = ["SinglefileData"]
