"""``JsonableData`` (AiiDA's ``data.core.jsonable.JsonableData.``): only the class and its node_type.

Its behaviour (wrapping an object with ``as_dict``) is another change's; the class is here so that
its rows load as it and its pydantic models exist.
"""

from __future__ import annotations

from provgraph.orm.nodes.data.data import Data

__all__ = ["JsonableData"]


class JsonableData(Data, node_type="data.core.jsonable.JsonableData."):
    """A node wrapping an object that has ``as_dict`` (behaviour to come)."""
