"""aiida-core's module path ``aiida.orm.nodes.data.folder`` (a re-export)."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.folder import FolderData

__all__ = ["FolderData"]
