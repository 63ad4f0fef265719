"""The examples in the docstrings of the main entry points run, on both SQL backends.

Each example is a doctest that runs against the loaded test profile (``tests/orm/conftest.py``),
so what a user reads in ``help(orm.QueryBuilder.append)`` is what the code does.
"""

from __future__ import annotations

import doctest
from typing import Any

import pytest

import provgraph
from provgraph import orm
from provgraph.common import version
from provgraph.orm import entities

ENTRY_POINTS: dict[str, Any] = {
    "QueryBuilder.append": orm.QueryBuilder.append,
    "store_many": orm.store_many,
    "calcfunction": provgraph.calcfunction,
    "load_node": orm.load_node,
    "Group.add_nodes": orm.Group.add_nodes,
    "load_profile": provgraph.load_profile,
    "entity_class": entities.entity_class,
    "installed_version": version.installed_version,
}


@pytest.mark.parametrize("name", list(ENTRY_POINTS))
def test_docstring_example_runs(name: str) -> None:
    (test,) = doctest.DocTestFinder(recurse=False).find(ENTRY_POINTS[name], name, globs={})
    assert test.examples, f"{name} has no example in its docstring"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed"
