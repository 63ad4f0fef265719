"""aiida-core's own process plugins: found by entry point, with their node classes; running one is refused."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import InvalidOperation
from provgraph.plugins import CalculationFactory, WorkflowFactory
from provgraph.provenance.aiida_processes import ArithmeticAddCalculation, MultiplyAddWorkChain


def test_factories_find_aiidas_arithmetic_plugins() -> None:
    add = CalculationFactory("core.arithmetic.add")
    assert add is ArithmeticAddCalculation
    assert add.node_class is orm.CalcJobNode
    assert add.build_process_type() == "aiida.calculations:core.arithmetic.add"
    assert WorkflowFactory("core.arithmetic.multiply_add") is MultiplyAddWorkChain


def test_running_one_is_refused() -> None:
    with pytest.raises(InvalidOperation, match="cannot run"):
        ArithmeticAddCalculation(x=orm.Int(1), y=orm.Int(2))
