"""aiida-core's own process plugins, known by entry point so their nodes can be recognised; never run.

A node recorded by AiiDA names the process that made it in its ``process_type``, often by entry
point (``aiida.calculations:core.arithmetic.add``). provgraph reads such databases and archives,
and ``CalculationFactory("core.arithmetic.add")`` answers with the class below: what it names and
which node class its runs have. provgraph has no engine for CalcJobs and WorkChains (they need a
scheduler, transports and a daemon), so creating one, i.e. running it, raises ``InvalidOperation``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from provgraph.exceptions import InvalidOperation
from provgraph.orm.nodes.process.calculation import CalcJobNode
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.nodes.process.workflow import WorkChainNode

__all__ = ["AiidaProcess", "ArithmeticAddCalculation", "MultiplyAddWorkChain"]


class AiidaProcess:
    """A process class of aiida-core that provgraph names but cannot run."""

    #: The class of the nodes its runs record.
    node_class: ClassVar[type[ProcessNode]] = ProcessNode
    #: Its ``process_type``, as aiida-core writes it.
    process_type: ClassVar[str] = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise InvalidOperation(
            f"{type(self).__name__} ({self.process_type}) is an aiida-core process that provgraph "
            "cannot run: it has no engine for CalcJobs and WorkChains; "
            "run it with aiida-core, then import its archive"
        )

    @classmethod
    def build_process_type(cls) -> str:
        """aiida-core's name for the ``process_type`` of this class's nodes."""
        return cls.process_type


class ArithmeticAddCalculation(AiidaProcess):
    """aiida-core's ``core.arithmetic.add``: a CalcJob adding two numbers with a bash script."""

    node_class = CalcJobNode
    process_type = "aiida.calculations:core.arithmetic.add"


class MultiplyAddWorkChain(AiidaProcess):
    """aiida-core's ``core.arithmetic.multiply_add``: a WorkChain running ``core.arithmetic.add``."""

    node_class = WorkChainNode
    process_type = "aiida.workflows:core.arithmetic.multiply_add"
