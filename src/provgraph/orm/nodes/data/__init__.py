"""Data nodes: the values that processes consume and produce."""

from provgraph.orm.nodes.data.data import Data

__all__ = ["Data"]
