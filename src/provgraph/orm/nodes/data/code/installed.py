"""aiida-core's module path ``aiida.orm.nodes.data.code.installed``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.code.installed import InstalledCode

__all__ = ["InstalledCode"]
