"""provgraph: provenance graphs for computational science, compatible with AiiDA's data.

Load a profile, then work with its storage::

    import provgraph
    provgraph.load_profile()            # the default profile (or PROVGRAPH_PROFILE)
    storage = provgraph.get_manager().get_profile_storage()

Read an AiiDA archive without importing it (read-only)::

    provgraph.load_profile(provgraph.profile_from_archive("export.aiida"))
"""

from __future__ import annotations

from provgraph import orm
from provgraph.caching import enable_caching
from provgraph.common.version import installed_version
from provgraph.exceptions import ProvgraphError
from provgraph.manager import get_manager, get_profile, load_profile, unload_profile
from provgraph.orm import QueryBuilder, load_node
from provgraph.profiles import profile_from_archive
from provgraph.provenance import ExitCode, calcfunction, workfunction

__version__ = installed_version()

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
