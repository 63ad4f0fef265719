"""aiida-core's module path ``aiida.orm.nodes.data.numeric`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.base import NumericType

__all__ = ["NumericType"]
