"""The core data types (AiiDA's ``data.core.*`` node types)."""

from provgraph.orm.nodes.data.core.dict import Dict

__all__ = ["Dict"]
