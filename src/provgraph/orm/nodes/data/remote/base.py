"""aiida-core's module path ``aiida.orm.nodes.data.remote.base``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.remote import RemoteData

__all__ = ["RemoteData"]
