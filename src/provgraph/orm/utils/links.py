"""aiida-core's ``aiida.orm.utils.links`` path: the link tuples and link validation.

The implementation is :mod:`provgraph.orm.nodes.links` and :mod:`provgraph.orm.nodes.link_rules`;
:class:`LinkQuadruple` (a link by the pks of its ends) is what the QueryBuilder returns for a link.
"""

from __future__ import annotations

from provgraph.orm.nodes.link_rules import validate_link
from provgraph.orm.nodes.links import LinkManager, LinkPair, LinkTriple
from provgraph.orm.querybuilder.results import LinkQuadruple

__all__ = ["LinkManager", "LinkPair", "LinkQuadruple", "LinkTriple", "validate_link"]
