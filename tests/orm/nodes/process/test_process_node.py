"""ProcessNode state, sealing and updatable attributes."""

from __future__ import annotations

import pytest

from provgraph import orm
from provgraph.exceptions import LinkValidationError, ModificationNotAllowed
from provgraph.orm import LinkType
from provgraph.orm.nodes.process import ProcessState
from provgraph.orm.nodes.process.exit_code import ExitCode


def _running() -> orm.CalcFunctionNode:
    node = orm.CalcFunctionNode()
    node.set_process_state(ProcessState.RUNNING)
    node.base.attributes.set("fixed", 1)
    node.base.links.add_incoming(orm.Int(1).store(), LinkType.INPUT_CALC, "x")
    return node.store()


def test_states_and_predicates() -> None:
    node = _running()
    assert node.process_state is ProcessState.RUNNING
    assert not node.is_terminated
    node.set_exit_status(1)
    node.set_exit_message("bad")
    node.set_process_state("finished")
    assert node.is_finished
    assert node.is_failed
    assert not node.is_finished_ok
    assert node.is_terminated
    loaded = orm.load_node(node.pk)
    assert (loaded.exit_status, loaded.exit_message, loaded.exception) == (1, "bad", None)


def test_updatable_attributes_change_until_sealed() -> None:
    node = _running()
    node.set_process_status("waiting for nothing")
    assert orm.load_node(node.pk).process_status == "waiting for nothing"
    with pytest.raises(ModificationNotAllowed):
        node.base.attributes.set("fixed", 2)
    node.seal()
    assert orm.load_node(node.pk).is_sealed
    with pytest.raises(ModificationNotAllowed, match="sealed"):
        node.set_process_state(ProcessState.FINISHED)
    node.seal()  # sealing twice is harmless


def test_sealed_node_accepts_no_links() -> None:
    node = _running()
    orm.Int(2).base.links.add_incoming(node, LinkType.CREATE, "before")
    node.seal()
    with pytest.raises(ModificationNotAllowed):
        orm.Int(3).base.links.add_incoming(node, LinkType.CREATE, "after")


def test_stored_process_accepts_no_inputs() -> None:
    node = _running()
    with pytest.raises(LinkValidationError):
        node.base.links.add_incoming(orm.Int(5).store(), LinkType.INPUT_CALC, "y")


def test_excepted_node_exception_text() -> None:
    node = _running()
    node.set_process_state(ProcessState.EXCEPTED)
    assert node.exception == ""
    node.set_exception("ValueError: x")
    assert orm.load_node(node.pk).exception == "ValueError: x"


def test_calcjob_attributes_stay_updatable() -> None:
    node = orm.CalcJobNode()
    node.store()
    node.set_remote_workdir("/scratch/job")
    node.set_scheduler_state("running")
    node.set_job_id(42)
    loaded = orm.load_node(node.pk)
    assert (loaded.remote_workdir, loaded.scheduler_state, loaded.job_id) == ("/scratch/job", "running", "42")


def test_logger_name_is_aiidas() -> None:
    assert (
        orm.WorkFunctionNode.logger_name() == "aiida.orm.nodes.process.workflow.workfunction.WorkFunctionNode"
    )


def test_exit_code_needs_both_status_and_message() -> None:
    node = orm.CalculationNode()
    assert node.exit_code is None
    node.set_exit_status(418)
    assert node.exit_code is None
    node.set_exit_message("I am a teapot")
    assert node.exit_code == ExitCode(418, "I am a teapot")


@pytest.mark.parametrize(
    ("process_type", "match"),
    [
        (None, r"no process type for Node<.*>: cannot recreate process class"),
        ("aiida.calculations:core.non_existing", r"could not load process class for entry point `.*`"),
        ("invalid", r"could not load process class from `invalid`"),
        ("provgraph.orm.no_such_module.function", r"could not load process class from"),
        ("provgraph.orm.nodes.node.no_such_function", r"could not load process class from"),
    ],
)
def test_process_class_that_cannot_be_loaded(process_type: str | None, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _ = orm.CalculationNode(process_type=process_type).process_class


def test_process_class_of_a_process_function_and_an_entry_point() -> None:
    from provgraph.engine import calcfunction
    from provgraph.provenance.aiida_processes import ArithmeticAddCalculation

    node = orm.CalculationNode(process_type="provgraph.engine.calcfunction")
    assert node.process_class is calcfunction
    entry_point = orm.CalculationNode(process_type="aiida.calculations:core.arithmetic.add")
    assert entry_point.process_class is ArithmeticAddCalculation


def test_aiida_module_paths_of_process_nodes() -> None:
    from provgraph.orm.nodes.process.calculation.calcjob import CalcJobNode
    from provgraph.orm.nodes.process.calculation.calculation import CalculationNode
    from provgraph.orm.nodes.process.workflow.workchain import WorkChainNode

    assert (CalcJobNode, CalculationNode, WorkChainNode) == (
        orm.CalcJobNode,
        orm.CalculationNode,
        orm.WorkChainNode,
    )
