"""The examples in the module docstrings of the tools (and the CLI option they add) run."""

from __future__ import annotations

import doctest
from types import ModuleType

import pytest

from provgraph.cli import options
from provgraph.tools import delete
from provgraph.tools.archive import create, rows, selection, summary, writer
from provgraph.tools.graph import rules, traversal

MODULES = [rules, traversal, delete, selection, rows, summary, writer, create, options]


@pytest.mark.parametrize("module", MODULES, ids=[module.__name__ for module in MODULES])
def test_module_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {module.__name__} failed"
