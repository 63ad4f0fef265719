"""aiida-core's module path ``aiida.orm.nodes.data.code.portable``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.code.portable import PortableCode

__all__ = ["PortableCode"]
