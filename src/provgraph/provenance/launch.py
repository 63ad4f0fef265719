"""``run``, ``run_get_node`` and ``run_get_pk``: aiida-core's launchers, for process functions.

``run(add, x=x, y=y)`` is ``add(x=x, y=y)``; ``run(add, {"x": x}, y=y)`` merges the inputs dict with the
keyword arguments, as aiida-core's launchers do. provgraph has no engine for process classes
(CalcJobs, WorkChains): passing one is a ``TypeError`` that says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from provgraph.provenance.functions import ResultAndNode, ResultAndPk, is_process_function

__all__ = ["run", "run_get_node", "run_get_pk"]


def _call(process: Any, inputs: Mapping[str, Any] | None, kwargs: dict[str, Any]) -> Any:
    if not is_process_function(process):
        raise TypeError(
            f"provgraph runs process functions (calcfunction, workfunction) only, got {process!r}: "
            "it has no engine for CalcJob or WorkChain classes"
        )
    return process.run_get_node(**{**dict(inputs or {}), **kwargs})


def run(process: Any, inputs: Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
    """Run a process function with ``inputs`` (and keyword inputs); returns its outputs."""
    return _call(process, inputs, kwargs).result


def run_get_node(process: Any, inputs: Mapping[str, Any] | None = None, **kwargs: Any) -> ResultAndNode:
    """Run a process function; returns ``(outputs, node)`` (also as ``.result`` and ``.node``)."""
    found: ResultAndNode = _call(process, inputs, kwargs)
    return found


def run_get_pk(process: Any, inputs: Mapping[str, Any] | None = None, **kwargs: Any) -> ResultAndPk:
    """Run a process function; returns ``(outputs, pk)`` of its process node."""
    result, node = _call(process, inputs, kwargs)
    return ResultAndPk(result, int(node.pk))
