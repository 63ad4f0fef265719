"""aiida-core's ``aiida.orm.utils``: the loaders (``load_node``, ``load_group``, ...) by aiida's path.

Submodules give aiida's deep paths (``links``, ``loaders``, ...) over provgraph's own modules.
Modules of ``provgraph.orm`` below the entity classes must not import this package: it loads
the groups, computers and node classes that the loaders return.
"""

from __future__ import annotations

from provgraph.orm.utils.loaders import (
    load_code,
    load_computer,
    load_entity,
    load_group,
    load_node,
)

__all__ = ["load_code", "load_computer", "load_entity", "load_group", "load_node"]
