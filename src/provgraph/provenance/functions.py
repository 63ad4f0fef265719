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
from collections.abc import Callable, Mapping
from typing import Any, Generic, NamedTuple, TypeVar

from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.process.calculation import CalcFunctionNode
from provgraph.orm.nodes.process.function import FunctionInfo, function_info
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.nodes.process.workflow import WorkFunctionNode
from provgraph.provenance.inputs import METADATA_PARAMETER, bind_inputs
from provgraph.provenance.metadata import ProcessMetadata, parse_metadata
from provgraph.provenance.ports import InputPort, ProcessSpec, build_spec
from provgraph.provenance.runner import FunctionSpec, run_function, version_info

__all__ = [
    "ProcessFunction",
    "ResultAndNode",
    "ResultAndPk",
    "calcfunction",
    "is_process_function",
    "workfunction",
]

NodeT = TypeVar("NodeT", bound=ProcessNode)


class ResultAndNode(NamedTuple):
    """What ``run_get_node`` returns: the outputs and the process node (unpacks as a pair)."""

    result: Any
    node: ProcessNode


class ResultAndPk(NamedTuple):
    """What ``run_get_pk`` returns: the outputs and the pk of the process node."""

    result: Any
    pk: int


class ProcessFunction(Generic[NodeT]):
    """A decorated function: calling it runs and records it; ``run_get_node`` also gives the node."""

    is_process_function = True

    def __init__(self, function: Callable[..., Any], node_class: type[NodeT]) -> None:
        if not callable(function):
            raise TypeError(f"a process function must decorate a function, got {type(function).__name__}")
        functools.update_wrapper(self, function)
        self._function = function
        self.node_class = node_class
        self.process_type = process_type_of(function)
        self._signature = inspect.signature(function)
        self._takes_metadata = METADATA_PARAMETER in self._signature.parameters
        self._process_spec: ProcessSpec | None = None
        self._function_spec: FunctionSpec | None = None
        self._checked: tuple[InputPort, ...] = ()

    @property
    def process_class(self) -> Callable[..., Any]:
        """The function itself (aiida-core's ``process_class`` of a process function is its class)."""
        return self._function

    def spec(self) -> ProcessSpec:
        """The inputs and outputs the function declares (built on first use, then kept)."""
        if self._process_spec is None:
            process_spec = build_spec(self._function, self._signature)
            self._checked = tuple(
                port
                for port in process_spec.inputs.values()
                if isinstance(port, InputPort)
                and not port.is_metadata
                and not set(port.valid_type) <= {Data, type(None)}
            )
            self._process_spec = process_spec
        return self._process_spec

    def _run_spec(self) -> FunctionSpec:
        """What all runs share, inspected on the first call (reading the source file once)."""
        if self._function_spec is None:
            self.spec()
            function = self._function
            info: FunctionInfo = function_info(function)
            self._function_spec = FunctionSpec(
                function, self.node_class, self.process_type, info, version_info(function)
            )
        return self._function_spec

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

    def run_get_node(self, *args: Any, **kwargs: Any) -> ResultAndNode:
        """Run and record the function; returns its outputs and the process node of the run."""
        spec = self._run_spec()
        name = self._function.__name__
        given = kwargs.pop(METADATA_PARAMETER, None) if METADATA_PARAMETER in kwargs else None
        if self._takes_metadata:
            given = {**self._default_metadata(), **(given or {})}
        metadata = parse_metadata(name, given) if given else ProcessMetadata()
        inputs = bind_inputs(
            self._signature,
            name,
            args,
            kwargs,
            checked=self._checked,
            metadata=(given or {}) if self._takes_metadata else None,
        )
        result, node = run_function(spec, inputs, metadata)
        return ResultAndNode(result, node)

    def _default_metadata(self) -> dict[str, Any]:
        default = self._signature.parameters[METADATA_PARAMETER].default
        return dict(default) if isinstance(default, Mapping) else {}

    def run_get_pk(self, *args: Any, **kwargs: Any) -> ResultAndPk:
        """Run and record the function; returns its outputs and the pk of its process node."""
        result, node = self.run_get_node(*args, **kwargs)
        return ResultAndPk(result, int(node.pk))  # type: ignore[arg-type]


def is_process_function(function: Any) -> bool:
    """Whether ``function`` is a calcfunction or workfunction."""
    return bool(getattr(function, "is_process_function", False))


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
