"""Warning classes with aiida-core's names (``aiida.common.warnings``).

Example::

    from provgraph.common.warnings import warn_deprecation
    warn_deprecation("`get_attribute` is deprecated, use `base.attributes.get`", version=3)
"""

from __future__ import annotations

import warnings

__all__ = ["AiidaDeprecationWarning", "AiidaEntryPointWarning", "AiidaTestWarning", "warn_deprecation"]


class AiidaDeprecationWarning(DeprecationWarning):
    """A name or behaviour that aiida-core deprecated and provgraph still accepts.

    A subclass of ``DeprecationWarning`` (aiida-core's derives from ``Warning``), so that both
    ``pytest.warns(DeprecationWarning)`` and aiida-core's own class catch it.
    """


class AiidaEntryPointWarning(Warning):
    """An entry point that is registered in a way that will stop working."""


class AiidaTestWarning(Warning):
    """A warning meant for test code only."""


def warn_deprecation(message: str, version: int, stacklevel: int = 2) -> None:
    """Warn that something is deprecated and goes in major ``version`` of aiida-core's API."""
    warnings.warn(
        f"{message} (this will be removed in v{version})", AiidaDeprecationWarning, stacklevel=stacklevel + 1
    )
