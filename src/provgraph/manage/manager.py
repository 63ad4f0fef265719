"""aiida-core's ``aiida.manage.manager``: the process-wide ``Manager``."""

from __future__ import annotations

from provgraph.manager import Manager, get_manager

__all__ = ["Manager", "get_manager"]
