"""``provgraph.engine``: aiida-core's ``aiida.engine`` names and module paths over process functions."""

from __future__ import annotations

from typing import Any

import pytest

from provgraph import orm
from provgraph.engine import (
    ExitCode,
    ExitCodesNamespace,
    Process,
    ProcessState,
    calcfunction,
    is_process_function,
    run,
    run_get_node,
    run_get_pk,
    workfunction,
)
from provgraph.engine.processes.functions import infer_valid_type_from_type_annotation
from provgraph.engine.processes.process import Process as ProcessAtItsPath


@calcfunction
def double(x: Any) -> Any:
    return orm.Int(2 * x.value)


@workfunction
def failing(x: Any) -> Any:
    return ExitCode(418, "I am a teapot")


def test_launchers_and_decorators() -> None:
    assert run(double, x=orm.Int(2)).value == 4
    result, node = run_get_node(double, x=3)
    assert (result.value, type(node)) == (6, orm.CalcFunctionNode)
    found = run_get_pk(double, x=1)
    assert orm.load_node(found.pk).outputs.result.uuid == found.result.uuid
    assert is_process_function(double)
    assert double.node_class is orm.CalcFunctionNode
    assert Process is ProcessAtItsPath
    assert Process.current() is None
    assert infer_valid_type_from_type_annotation(int) == (orm.Int,)


def test_exit_codes_and_states() -> None:
    _, node = failing.run_get_node(1)
    assert node.process_state is ProcessState.FINISHED
    assert node.exit_code == ExitCode(418, "I am a teapot")
    assert (node.is_finished, node.is_failed) == (True, True)


def test_exit_codes_namespace_by_label_and_status() -> None:
    codes = ExitCodesNamespace({"TEAPOT": ExitCode(418, "teapot"), "OK": ExitCode(0)})
    assert codes.TEAPOT is codes["TEAPOT"] is codes("TEAPOT") is codes(418)
    with pytest.raises(ValueError, match="status 1"):
        codes(1)
    with pytest.raises(ValueError, match="label 'MISSING'"):
        codes("MISSING")
