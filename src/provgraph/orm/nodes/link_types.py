"""The kinds of links between nodes (defined in :mod:`provgraph.common.links`, re-exported here)."""

from __future__ import annotations

from provgraph.common.links import LinkType

__all__ = ["LinkType"]
