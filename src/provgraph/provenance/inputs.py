"""Turning the arguments of a process-function call into labelled input nodes.

The labels are AiiDA's: a parameter's name; ``<name>_<index>`` for the values of ``*<name>``;
the keys of ``**kwargs``, where a dict of nodes is a namespace flattened with ``__``
(``ns={"a": Int(1)}`` gives the label ``ns__a``). Values of named parameters and of ``**kwargs``
that are not nodes become nodes (:func:`~provgraph.orm.nodes.data.to_node.to_node`); inside a
namespace every value must be a node already, as in aiida-core (a dict there is a namespace, so
a plain value would be ambiguous). A parameter whose default is ``None`` and that gets ``None`` has
no input; a callable default (``x=lambda: Int(1)``) is called for each call that leaves it out.

The errors are aiida-core's: more positional arguments than the function takes is a
``TypeError``; a missing or unknown argument, or a value its type hint refuses, a ``ValueError``
(:class:`~provgraph.provenance.ports.PortValidationError`); a ``*args`` label that is also a
parameter's name a ``RuntimeError`` (:class:`LabelClashError`).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.to_node import to_node
from provgraph.orm.nodes.links import PORT_NAMESPACE_SEPARATOR
from provgraph.orm.nodes.node import Node
from provgraph.provenance.ports import InputPort, PortValidationError

__all__ = ["CallInputs", "LabelClashError", "bind_inputs"]

#: The parameter through which a function may see (and give defaults to) its call's ``metadata``.
METADATA_PARAMETER = "metadata"


class LabelClashError(InputValidationError, RuntimeError):
    """Two inputs would get the same link label (aiida-core raises ``RuntimeError``)."""


@dataclass
class CallInputs:
    """The nodes to call the function with, and the same nodes by link label."""

    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Node] = field(default_factory=dict)

    def add_link(self, label: str, node: Node) -> None:
        if label in self.links:
            raise LabelClashError(
                f"two inputs would get the link label {label!r}; rename the argument {label!r}"
            )
        self.links[label] = node


def _positional_count(signature: inspect.Signature) -> tuple[int, bool]:
    count, variadic = 0, False
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.POSITIONAL_ONLY, parameter.POSITIONAL_OR_KEYWORD):
            count += 1
        elif parameter.kind is parameter.VAR_POSITIONAL:
            variadic = True
    return count, variadic


def bind_inputs(
    signature: inspect.Signature,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    *,
    checked: Sequence[InputPort] = (),
    metadata: Mapping[str, Any] | None = None,
) -> CallInputs:
    """Bind the call to the signature and convert the values.

    ``checked`` are the ports whose type hints narrow them, checked after conversion; ``metadata``
    is what the function gets for a parameter named ``metadata`` (it is not an input).
    """
    count, variadic = _positional_count(signature)
    if len(args) > count and not variadic:
        raise TypeError(f"{name}() takes {count} positional arguments but {len(args)} were given")
    try:
        given = signature.bind(*args, **kwargs).arguments
    except TypeError as exc:
        raise PortValidationError(f"{name}(): {exc}") from None
    inputs = CallInputs()
    varargs: list[Node] = []
    for parameter in signature.parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            varargs = [to_node(item) for item in given.get(parameter.name, ())]
            inputs.args.extend(varargs)
            _link_varargs(inputs, parameter.name, varargs)
        elif parameter.kind is parameter.VAR_KEYWORD:
            for key, item in dict(given.get(parameter.name) or {}).items():
                inputs.kwargs[key] = _namespace_or_node(inputs, key, item, nested=False)
        else:
            _bind_named(inputs, parameter, given, metadata)
    for port in checked:
        if port.name in inputs.links:
            port.validate(inputs.links[port.name])
    return inputs


def _bind_named(
    inputs: CallInputs,
    parameter: inspect.Parameter,
    given: Mapping[str, Any],
    metadata: Mapping[str, Any] | None,
) -> None:
    if parameter.name == METADATA_PARAMETER and metadata is not None:
        converted: Any = dict(metadata)
    else:
        value = given[parameter.name] if parameter.name in given else _default(parameter.default)
        converted = _single(inputs, parameter.name, value)
    if parameter.kind is parameter.KEYWORD_ONLY:
        inputs.kwargs[parameter.name] = converted
    else:
        inputs.args.append(converted)


def _link_varargs(inputs: CallInputs, name: str, nodes: list[Node]) -> None:
    """Label the values of ``*name`` ``name_0``, ``name_1``, ...; a clash with a parameter is refused."""
    for index, node in enumerate(nodes):
        label = f"{name}_{index}"
        if label in inputs.links:
            raise LabelClashError(
                f"variadic argument with index `{index}` would get the label `{label}` but this is already "
                f"in use by another function argument with the exact same name; rename `{label}`"
            )
        inputs.links[label] = node


def _default(default: Any) -> Any:
    """A parameter's default for one call: a callable default is called (a fresh node per call)."""
    if default is inspect.Parameter.empty:
        return None
    if callable(default) and not isinstance(default, Node):
        return default()
    return default


def _single(inputs: CallInputs, label: str, value: Any) -> Any:
    if value is None:
        return None
    node = to_node(value)
    inputs.add_link(label, node)
    return node


def _namespace_or_node(inputs: CallInputs, label: str, value: Any, nested: bool) -> Any:
    """A ``**kwargs`` value: a mapping is a namespace of inputs, anything else one input."""
    if isinstance(value, Mapping) and not isinstance(value, Node):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputValidationError(f"namespace {label!r} has a key {key!r} that is not a str")
            result[key] = _namespace_or_node(
                inputs, f"{label}{PORT_NAMESPACE_SEPARATOR}{key}", item, nested=True
            )
        return result
    if nested and not isinstance(value, Node):
        dotted = label.replace(PORT_NAMESPACE_SEPARATOR, ".")
        raise PortValidationError(
            f"value '{dotted}' is not of the right type: a namespace holds nodes, got "
            f"{type(value).__name__} {value!r}; wrap it in a node (e.g. orm.Int(...))"
        )
    return _single(inputs, label, value)
