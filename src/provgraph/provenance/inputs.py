"""Turning the arguments of a process-function call into labelled input nodes.

The labels are AiiDA's: a parameter's name; ``<name>_<index>`` for the values of ``*<name>``;
the keys of ``**kwargs``, where a dict of values is a namespace flattened with ``__``
(``ns={"a": 1}`` gives the label ``ns__a``). Values that are not nodes become nodes
(:func:`~provgraph.orm.nodes.data.to_node.to_node`); a parameter whose default is ``None`` and that
gets ``None`` has no input.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.to_node import to_node
from provgraph.orm.nodes.links import PORT_NAMESPACE_SEPARATOR
from provgraph.orm.nodes.node import Node

__all__ = ["CallInputs", "bind_inputs"]


@dataclass
class CallInputs:
    """The nodes to call the function with, and the same nodes by link label."""

    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Node] = field(default_factory=dict)

    def add_link(self, label: str, node: Node) -> None:
        if label in self.links:
            raise InputValidationError(
                f"two inputs would get the link label {label!r}; rename the argument {label!r}"
            )
        self.links[label] = node


def bind_inputs(
    signature: inspect.Signature, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> CallInputs:
    """Bind the call to the signature (``TypeError`` as for a plain call) and convert the values."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{name}(): {exc}") from None
    bound.apply_defaults()
    inputs = CallInputs()
    for parameter in signature.parameters.values():
        value = bound.arguments.get(parameter.name, ())
        if parameter.kind is parameter.VAR_POSITIONAL:
            for index, item in enumerate(value):
                node = to_node(item)
                inputs.add_link(f"{parameter.name}_{index}", node)
                inputs.args.append(node)
        elif parameter.kind is parameter.VAR_KEYWORD:
            for key, item in dict(value or {}).items():
                inputs.kwargs[key] = _namespace_or_node(inputs, key, item)
        else:
            converted = _single(inputs, parameter.name, value)
            if parameter.kind is parameter.KEYWORD_ONLY:
                inputs.kwargs[parameter.name] = converted
            else:
                inputs.args.append(converted)
    return inputs


def _single(inputs: CallInputs, label: str, value: Any) -> Any:
    if value is None:
        return None
    node = to_node(value)
    inputs.add_link(label, node)
    return node


def _namespace_or_node(inputs: CallInputs, label: str, value: Any) -> Any:
    """A ``**kwargs`` value: a mapping is a namespace of inputs, anything else one input."""
    if isinstance(value, Mapping) and not isinstance(value, Node):
        nested: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InputValidationError(f"namespace {label!r} has a key {key!r} that is not a str")
            nested[key] = _namespace_or_node(inputs, f"{label}{PORT_NAMESPACE_SEPARATOR}{key}", item)
        return nested
    return _single(inputs, label, value)
