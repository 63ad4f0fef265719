"""aiida-core's package ``aiida.orm.nodes.data.code`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.code import AbstractCode, ContainerizedCode, InstalledCode, PortableCode

__all__ = ["AbstractCode", "ContainerizedCode", "InstalledCode", "PortableCode"]
