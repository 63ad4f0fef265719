"""aiida-core's package ``aiida.orm.nodes.data.remote``."""

from __future__ import annotations

from provgraph.orm.nodes.data.core.remote import RemoteData

__all__ = ["RemoteData"]
