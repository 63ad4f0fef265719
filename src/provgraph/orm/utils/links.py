"""aiida-core's ``aiida.orm.utils.links`` path: the link tuples and link validation.

The implementation is :mod:`provgraph.orm.nodes.links` and :mod:`provgraph.orm.nodes.link_rules`;
:class:`LinkQuadruple` (a link as rows of the link table name it) is declared here.
"""

from __future__ import annotations

from typing import NamedTuple

from provgraph.orm.nodes.link_rules import validate_link
from provgraph.orm.nodes.links import LinkManager, LinkPair, LinkTriple

__all__ = ["LinkManager", "LinkPair", "LinkQuadruple", "LinkTriple", "validate_link"]


class LinkQuadruple(NamedTuple):
    """One link by the pks of its ends, as the link table and graph traversals report it."""

    source_id: int
    target_id: int
    link_type: str
    link_label: str
