"""The inputs and outputs a process function declares (aiida-core's ``ProcessSpec`` of a ``FunctionProcess``).

``add.spec().inputs["x"]`` is the port of parameter ``x``: its ``valid_type`` (from the type hint,
``(Data,)`` without one), ``help`` (from the docstring's ``:param x:``), ``default`` and whether
it is ``required``. The spec is built once per function, on first use; a call then checks only the
parameters whose type hint narrows them, so functions without hints pay nothing.

Type hints map as aiida-core maps them: ``int`` -> ``Int``, ``float`` -> ``Float``, ``str`` ->
``Str``, ``bool`` -> ``Bool``, ``dict`` -> ``Dict``, ``list`` -> ``List``, a ``Data`` subclass to
itself, unions to a tuple; a default of ``None`` adds ``NoneType``.
"""

from __future__ import annotations

import inspect
import logging
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import UnionType
from typing import Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.core.bool import Bool
from provgraph.orm.nodes.data.core.dict import Dict
from provgraph.orm.nodes.data.core.float import Float
from provgraph.orm.nodes.data.core.int import Int
from provgraph.orm.nodes.data.core.list import List
from provgraph.orm.nodes.data.core.str import Str
from provgraph.orm.nodes.data.data import Data

__all__ = [
    "UNSPECIFIED",
    "InputPort",
    "PortNamespace",
    "PortValidationError",
    "ProcessSpec",
    "build_spec",
    "infer_valid_type",
]

LOGGER = logging.getLogger(__name__)


class PortValidationError(InputValidationError, ValueError):
    """An input or output does not fit its port (aiida-core raises ``ValueError``)."""


class _Unspecified:
    """The default of a port without one (``None`` is a default of its own)."""

    def __repr__(self) -> str:
        return "UNSPECIFIED"


UNSPECIFIED: Any = _Unspecified()

_HINT_TYPES: dict[Any, type[Data]] = {
    bool: Bool,
    dict: Dict,
    typing.Dict: Dict,  # noqa: UP006  (the pre-PEP 585 spelling is a different object)
    float: Float,
    int: Int,
    list: List,
    typing.List: List,  # noqa: UP006
    str: Str,
}


def _hint_type(annotation: Any) -> Any:
    if inspect.isclass(annotation) and issubclass(annotation, Data):
        return annotation
    return _HINT_TYPES.get(annotation)


def infer_valid_type(annotation: Any) -> tuple[Any, ...]:
    """The node classes a type hint allows; ``()`` when it says nothing a node could satisfy."""
    if annotation is None:
        return ()
    origin = typing.get_origin(annotation)
    is_union = origin is typing.Union or origin is UnionType
    members = typing.get_args(annotation) if is_union else (annotation,)
    found = tuple(_hint_type(member) for member in members)
    return tuple(valid for valid in found if valid is not None)


@dataclass
class InputPort:
    """One input of a process: its name, the types it accepts, its help, its default."""

    name: str
    valid_type: tuple[Any, ...] = (Data,)
    help: str | None = None
    default: Any = UNSPECIFIED
    required: bool = True
    is_metadata: bool = False

    def has_default(self) -> bool:
        return self.default is not UNSPECIFIED

    def validate(self, value: Any) -> None:
        """``PortValidationError`` if ``value`` is not one of the valid types."""
        if not isinstance(value, self.valid_type):
            expected = ", ".join(getattr(kind, "__name__", str(kind)) for kind in self.valid_type)
            raise PortValidationError(
                f"value '{self.name}' is not of the right type. Got '{type(value).__name__}', "
                f"expected '({expected})'"
            )


@dataclass
class PortNamespace(Mapping[str, "InputPort | PortNamespace"]):
    """Named ports; ``dynamic``: names beyond the declared ones are accepted (``*args``, ``**kwargs``)."""

    name: str
    ports: dict[str, InputPort | PortNamespace] = field(default_factory=dict)
    dynamic: bool = False
    valid_type: tuple[Any, ...] | None = None
    help: str | None = None
    required: bool = False
    is_metadata: bool = False

    def __getitem__(self, key: str) -> InputPort | PortNamespace:
        return self.ports[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.ports)

    def __len__(self) -> int:
        return len(self.ports)

    def has_default(self) -> bool:
        return False


@dataclass
class ProcessSpec:
    """What ``func.spec()`` returns: the input and output namespaces of a process function."""

    inputs: PortNamespace
    outputs: PortNamespace

    def has_input(self, name: str) -> bool:
        return name in self.inputs


def _metadata_namespace(function_name: str) -> PortNamespace:
    ports: dict[str, InputPort | PortNamespace] = {
        "label": InputPort("label", (str,), "the label of the process node", function_name, False, True),
        "description": InputPort("description", (str,), "its description", UNSPECIFIED, False, True),
        "store_provenance": InputPort(
            "store_provenance", (bool,), "False: run without recording anything", True, False, True
        ),
        "call_link_label": InputPort(
            "call_link_label", (str,), "the label of the CALL link from the caller", "CALL", False, True
        ),
    }
    return PortNamespace("metadata", ports, is_metadata=True)


def _help_texts(function: Callable[..., Any]) -> tuple[dict[str, str | None], str | None]:
    """Per-parameter help and the namespace help, read from the docstring (Sphinx, Google or NumPy style).

    ``docstring_parser`` (aiida-core's choice) reads it. A docstring it cannot parse is logged,
    never raised.
    """
    doc = function.__doc__
    if doc is None:
        return {}, None
    import docstring_parser

    try:
        parsed = docstring_parser.parse(doc)
    except Exception as exc:
        LOGGER.warning("function `%s` has a docstring that could not be parsed: %s", function.__name__, exc)
        return {}, None
    params: dict[str, str | None] = {param.arg_name: param.description for param in parsed.params}
    summary = parsed.short_description or ""
    if parsed.long_description:
        summary += f"\n\n{parsed.long_description}"
    return params, summary


def _annotations(function: Callable[..., Any]) -> dict[str, Any]:
    try:
        return dict(inspect.get_annotations(function, eval_str=True))
    except Exception as exc:
        LOGGER.warning("function `%s` has type hints that cannot be read: %s", function.__name__, exc)
        return {}


def build_spec(function: Callable[..., Any], signature: inspect.Signature) -> ProcessSpec:
    """The spec of ``function``: one port per named parameter, dynamic with ``*args`` or ``**kwargs``."""
    annotations = _annotations(function)
    param_help, namespace_help = _help_texts(function)
    inputs = PortNamespace("inputs", help=namespace_help)
    metadata = _metadata_namespace(function.__name__)
    inputs.ports["metadata"] = metadata
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            inputs.dynamic = True
            continue
        default = UNSPECIFIED if parameter.default is parameter.empty else parameter.default
        if parameter.name == "metadata":
            if isinstance(default, Mapping):
                for key, value in default.items():
                    port = metadata.ports.get(key)
                    if isinstance(port, InputPort):
                        port.default = value
            continue
        valid_type = infer_valid_type(annotations.get(parameter.name)) or (Data,)
        if default is None and type(None) not in valid_type:
            valid_type = (*valid_type, type(None))
        inputs.ports[parameter.name] = InputPort(
            parameter.name,
            valid_type=valid_type,
            help=param_help.get(parameter.name),
            default=default,
            required=default is UNSPECIFIED,
        )
    outputs = PortNamespace("outputs", dynamic=True, valid_type=(Data, dict))
    return ProcessSpec(inputs, outputs)
