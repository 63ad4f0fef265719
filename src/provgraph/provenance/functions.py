"""``calcfunction`` and ``workfunction``: Python functions whose every call is recorded.

Decorating a function keeps it callable as before, but each call stores its inputs (plain values
become nodes), a process node for the run, and its outputs, linked as AiiDA links them::

    @calcfunction
    def add(x, y):
        return x + y

    total = add(orm.Int(1), 2)           # an Int, created by a CalcFunctionNode
    total, node = add.run_get_node(1, 2)

A calcfunction creates new data (CREATE links); a workfunction only returns stored data (RETURN
links) and may call other process functions, which records CALL links from it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from provgraph.orm.nodes.process.calculation import CalcFunctionNode
from provgraph.orm.nodes.process.function import FunctionInfo, function_info
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.nodes.process.workflow import WorkFunctionNode
from provgraph.provenance.inputs import bind_inputs
from provgraph.provenance.metadata import ProcessMetadata, parse_metadata
from provgraph.provenance.runner import FunctionSpec, run_function

__all__ = ["ProcessFunction", "calcfunction", "workfunction"]

NodeT = TypeVar("NodeT", bound=ProcessNode)


class ProcessFunction(Generic[NodeT]):
    """A decorated function: calling it runs and records it; ``run_get_node`` also gives the node."""

    is_process_function = True

    def __init__(self, function: Callable[..., Any], node_class: type[NodeT]) -> None:
        if not callable(function):
            raise TypeError(f"a process function must decorate a function, got {type(function).__name__}")
        functools.update_wrapper(self, function)
        self._function = function
        self.node_class = node_class
        self._signature = inspect.signature(function)
        self._spec: FunctionSpec | None = None

    @property
    def spec(self) -> FunctionSpec:
        """What all runs share, inspected on the first call (reading the source file once)."""
        if self._spec is None:
            function = self._function
            info: FunctionInfo = function_info(function)
            self._spec = FunctionSpec(function, self.node_class, process_type_of(function), info)
        return self._spec

    def __repr__(self) -> str:
        kind = "calcfunction" if issubclass(self.node_class, CalcFunctionNode) else "workfunction"
        return f"<{kind} {self._function.__module__}.{self._function.__qualname__}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run and record the function; returns its output node, or a dict of them."""
        result, _ = self.run_get_node(*args, **kwargs)
        return result

    def run(self, *args: Any, **kwargs: Any) -> Any:
        """The same as calling the function (AiiDA's name)."""
        return self(*args, **kwargs)

    def run_get_node(self, *args: Any, **kwargs: Any) -> tuple[Any, NodeT]:
        """Run and record the function; returns its outputs and the process node of the run."""
        name = self._function.__name__
        metadata = ProcessMetadata()
        if "metadata" in kwargs and "metadata" not in self._signature.parameters:
            kwargs = dict(kwargs)
            metadata = parse_metadata(name, kwargs.pop("metadata"))
        inputs = bind_inputs(self._signature, name, args, kwargs)
        result, node = run_function(self.spec, inputs, metadata)
        return result, node  # type: ignore[return-value]

    def run_get_pk(self, *args: Any, **kwargs: Any) -> tuple[Any, int]:
        """Run and record the function; returns its outputs and the pk of its process node."""
        result, node = self.run_get_node(*args, **kwargs)
        return result, int(node.pk)  # type: ignore[arg-type]


def process_type_of(function: Callable[..., Any]) -> str:
    """AiiDA's process_type of a process function: ``<module>.<function name>``."""
    return f"{function.__module__}.{function.__name__}"


def calcfunction(function: Callable[..., Any]) -> ProcessFunction[CalcFunctionNode]:
    """Record each call as a CalcFunctionNode that CREATEs the returned (new) nodes.

    Plain Python values are turned into nodes first; the result is a new, stored node whose
    ``creator`` is the recorded call::

        >>> from provgraph import calcfunction, orm
        >>> @calcfunction
        ... def add(x, y):
        ...     return x + y
        >>> result = add(orm.Int(2), 3)
        >>> result.value, result.is_stored
        (5, True)
        >>> sorted(result.creator.base.links.get_incoming().all_link_labels())
        ['x', 'y']
    """
    return ProcessFunction(function, CalcFunctionNode)


def workfunction(function: Callable[..., Any]) -> ProcessFunction[WorkFunctionNode]:
    """Record each call as a WorkFunctionNode that RETURNs the returned (stored) nodes."""
    return ProcessFunction(function, WorkFunctionNode)
