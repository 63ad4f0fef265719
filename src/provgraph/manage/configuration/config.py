"""aiida-core's ``aiida.manage.configuration.config``: the ``Config`` class."""

from __future__ import annotations

from provgraph.config import Config

__all__ = ["Config"]
