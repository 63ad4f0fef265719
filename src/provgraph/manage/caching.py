"""aiida-core's ``aiida.manage.caching``: switching caching on and off for a block of code.

Example::

    from provgraph.manage.caching import enable_caching
    with enable_caching(identifier="provgraph.calculations:*"):
        ...
"""

from __future__ import annotations

from provgraph.caching import disable_caching, enable_caching, get_use_cache

__all__ = ["disable_caching", "enable_caching", "get_use_cache"]
