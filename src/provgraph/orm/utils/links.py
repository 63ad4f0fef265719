"""aiida-core's module path ``aiida.orm.utils.links``: the link tuples and manager of ``node.base.links``."""

from __future__ import annotations

from provgraph.orm.nodes.links import LinkManager, LinkPair, LinkTriple

__all__ = ["LinkManager", "LinkPair", "LinkTriple"]
