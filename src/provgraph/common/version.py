"""The installed version of provgraph, read from the distribution's metadata.

One place for every layer that records it (the package's ``__version__``, the ``version``
attribute of process nodes), so that no module has to import the package root for it.
"""

from __future__ import annotations

import functools
from importlib.metadata import PackageNotFoundError, version

__all__ = ["installed_version"]


@functools.cache
def installed_version() -> str:
    """The version pip installed, or ``0.0.0`` when running from a source tree never installed.

    >>> from provgraph.common.version import installed_version
    >>> installed_version().count(".") >= 2
    True
    """
    try:
        return version("provgraph")
    except PackageNotFoundError:
        return "0.0.0"


def __getattr__(name: str) -> str:
    """``__version__``, read from the metadata only when asked for (the package root re-exports it)."""
    if name == "__version__":
        return installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
