"""aiida-core's module path ``aiida.orm.nodes.data.code.containerized``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.code.containerized import ContainerizedCode

__all__ = ["ContainerizedCode"]
