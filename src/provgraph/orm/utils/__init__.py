"""aiida-core's ``aiida.orm.utils``: the loaders (``load_node``, ``load_group``, ...) by aiida's path.

Submodules give aiida's deep paths (``links``, ``loaders``, ``builders``, ...) over provgraph's
own modules. The loaders are looked up when first used, not when this package is imported: the
package stays light, so that modules below the entity classes may import its submodules without
loading the groups, computers and node classes the loaders return (an import cycle).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from provgraph.orm.utils.loaders import load_code, load_computer, load_entity, load_group, load_node

__all__ = ["load_code", "load_computer", "load_entity", "load_group", "load_node"]

_LOADERS_MODULE = "provgraph.orm.utils.loaders"


def __getattr__(name: str) -> Any:
    """The loader functions, imported from :mod:`provgraph.orm.utils.loaders` on first use."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LOADERS_MODULE), name)
    globals()[name] = value
    return value
