"""aiida-core's module path ``aiida.orm.nodes.data.code.abstract``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.code.abstract import AbstractCode

__all__ = ["AbstractCode"]
