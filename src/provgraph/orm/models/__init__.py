"""The pydantic models of the ORM classes (aiida-core's ``ReadModel``, ``WriteModel``, ...).

Importing this package (``provgraph.orm`` does, after every entity class) installs the
implementation that ``Entity.to_model``, ``Node.from_model``, ``cls.fields`` and the lazily built
model attributes call; no model is built before one is used.
"""

from provgraph.orm.entities import set_model_api
from provgraph.orm.models import definitions as _definitions
from provgraph.orm.models.api import API

__all__: list[str] = []

_ = _definitions  # registering the classes' declarations is its import
set_model_api(API)
