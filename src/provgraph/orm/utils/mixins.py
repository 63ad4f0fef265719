"""aiida-core's ``aiida.orm.utils.mixins``: ``Sealable`` and ``FunctionCalculationMixin``.

In provgraph sealing is part of the process nodes themselves
(:class:`~provgraph.orm.nodes.process.process.ProcessNode`); ``Sealable`` names that ability as
an abstract class, so that ``isinstance(node, Sealable)`` and ``Sealable.SEALED_KEY`` work as
in aiida-core. ``FunctionCalculationMixin`` is aiida-core's name of the read API of process
function nodes.
"""

from __future__ import annotations

import abc

from provgraph.orm.nodes.process.function import FunctionNodeMixin
from provgraph.orm.nodes.process.process import SEALED_KEY, ProcessNode

__all__ = ["FunctionCalculationMixin", "Sealable"]

FunctionCalculationMixin = FunctionNodeMixin


class Sealable(abc.ABC):
    """A node that is sealed when it is finished: from then on its attributes (except the
    class's updatable ones) and its links are fixed. Process nodes are Sealable."""

    SEALED_KEY = SEALED_KEY

    @property
    @abc.abstractmethod
    def is_sealed(self) -> bool:
        """Whether the node is sealed."""

    @abc.abstractmethod
    def seal(self) -> Sealable:
        """Seal the node (a no-op if it is sealed already)."""


Sealable.register(ProcessNode)
