"""aiida-core's ``aiida.plugins.entry_point`` path; the implementation is :mod:`provgraph.orm.entry_points`.

Example::

    from provgraph.plugins.entry_point import load_entry_point_from_string
    Int = load_entry_point_from_string("aiida.data:core.int")
"""

from __future__ import annotations

from provgraph.orm import entry_points as _implementation
from provgraph.orm.entry_points import *  # noqa: F403 (the facade re-exports every public name)

__all__ = _implementation.__all__
