"""The public API is what ``__all__`` exports: sorted, complete, importable."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "provgraph",
    "provgraph.exceptions",
    "provgraph.config",
    "provgraph.storage",
    "provgraph.orm",
    "provgraph.repository",
    "provgraph.tools",
    "provgraph.common",
    "provgraph.common.exceptions",
    "provgraph.manage",
    "provgraph.plugins",
    "provgraph.tools.pytest_fixtures",
]


def _isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name


@pytest.mark.parametrize("module_name", MODULES)
def test_all_is_sorted_and_importable(module_name: str) -> None:
    module = importlib.import_module(module_name)
    exported = list(module.__all__)
    assert exported in (sorted(exported), sorted(exported, key=_isort_key)), f"{module_name}.__all__ unsorted"
    for name in exported:
        assert hasattr(module, name), f"{module_name}.{name} is in __all__ but missing"


def test_every_error_derives_from_the_root() -> None:
    from provgraph import exceptions

    for name in exceptions.__all__:
        assert issubclass(getattr(exceptions, name), exceptions.ProvgraphError)
