"""provgraph: provenance graphs for computational science, compatible with AiiDA's data.

Load a profile, then work with its storage::

    import provgraph
    provgraph.load_profile()            # the default profile (or PROVGRAPH_PROFILE)
    storage = provgraph.get_manager().get_profile_storage()

Read an AiiDA archive without importing it (read-only)::

    provgraph.load_profile(provgraph.profile_from_archive("export.aiida"))

The names below are imported on first use (PEP 562), so that importing a light submodule such as
``provgraph.exceptions`` or the command line's ``--help`` does not pay for the ORM, the storage
layer and SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provgraph.common.lazy import lazy_exports

if TYPE_CHECKING:
    from provgraph import orm
    from provgraph.caching import enable_caching
    from provgraph.exceptions import ProvgraphError
    from provgraph.manager import get_manager, get_profile, load_profile, unload_profile
    from provgraph.orm import QueryBuilder, load_node
    from provgraph.profiles import profile_from_archive
    from provgraph.provenance import ExitCode, calcfunction, workfunction

__all__ = [
    "ExitCode",
    "ProvgraphError",
    "QueryBuilder",
    "__version__",
    "calcfunction",
    "enable_caching",
    "get_manager",
    "get_profile",
    "load_node",
    "load_profile",
    "orm",
    "profile_from_archive",
    "unload_profile",
    "workfunction",
]

#: Where each public name lives: (module, attribute); attribute None means the module itself.
_LAZY: dict[str, tuple[str, str | None]] = {
    "ExitCode": ("provgraph.provenance", "ExitCode"),
    "ProvgraphError": ("provgraph.exceptions", "ProvgraphError"),
    "QueryBuilder": ("provgraph.orm", "QueryBuilder"),
    "calcfunction": ("provgraph.provenance", "calcfunction"),
    "enable_caching": ("provgraph.caching", "enable_caching"),
    "get_manager": ("provgraph.manager", "get_manager"),
    "get_profile": ("provgraph.manager", "get_profile"),
    "load_node": ("provgraph.orm", "load_node"),
    "load_profile": ("provgraph.manager", "load_profile"),
    "orm": ("provgraph.orm", None),
    "profile_from_archive": ("provgraph.profiles", "profile_from_archive"),
    "unload_profile": ("provgraph.manager", "unload_profile"),
    "workfunction": ("provgraph.provenance", "workfunction"),
}


__getattr__, __dir__ = lazy_exports(
    "provgraph", {**_LAZY, "__version__": ("provgraph.common.version", "__version__")}, globals()
)
