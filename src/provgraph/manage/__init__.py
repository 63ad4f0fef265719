"""aiida-core's ``aiida.manage``: the process-wide manager, profiles, config and caching switches.

A thin facade over :mod:`provgraph.manager`, :mod:`provgraph.config` and :mod:`provgraph.caching`
with aiida-core's names, so that ``from aiida.manage import get_manager`` ports by renaming
``aiida`` to ``provgraph``.

Example::

    from provgraph.manage import enable_caching, get_manager, load_profile
    load_profile()
    storage = get_manager().get_profile_storage()
"""

from __future__ import annotations

from provgraph.caching import disable_caching, enable_caching, get_use_cache
from provgraph.config import CONFIG_VERSION as CURRENT_CONFIG_VERSION
from provgraph.config import OLDEST_COMPATIBLE_CONFIG_VERSION, Profile
from provgraph.manage.configuration import get_config, get_config_option, get_profile, load_profile
from provgraph.manage.configuration.settings import AiiDAConfigDir
from provgraph.manager import Manager, get_manager

__all__ = [
    "CURRENT_CONFIG_VERSION",
    "OLDEST_COMPATIBLE_CONFIG_VERSION",
    "AiiDAConfigDir",
    "Manager",
    "Profile",
    "disable_caching",
    "enable_caching",
    "get_config",
    "get_config_option",
    "get_manager",
    "get_profile",
    "get_use_cache",
    "load_profile",
]
