"""Node type strings and the classes they name: aiida-core's ``aiida.orm.utils.node`` helpers.

provgraph keeps the node-class registry in :mod:`provgraph.orm.nodes.types` (a class registers
its node_type when it is defined); these functions answer aiida-core's questions with it, with
aiida-core's fallbacks: a ``data.`` string whose class is unknown loads as ``Data``, a
``process.`` one as ``ProcessNode``, anything else as ``Data`` with a ``UserWarning``.
"""

from __future__ import annotations

import importlib
import warnings
from abc import ABCMeta

from provgraph.exceptions import DbContentError
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.process import ProcessNode
from provgraph.orm.nodes.types import class_for_query_prefix, registered_node_types

__all__ = [
    "AbstractNodeMeta",
    "get_query_type_from_type_string",
    "get_type_string_from_class",
    "is_valid_node_type_string",
    "load_node_class",
]

# Module prefixes that are not part of a node_type (aiida-core's, and ours for the same classes).
_MODULE_PREFIXES = ("aiida.orm.nodes.", "aiida.orm.core.", "provgraph.orm.nodes.")


def load_node_class(type_string: str) -> type[Node]:
    """The class to load nodes of ``type_string`` as (see the module doc for the fallbacks).

    ``DbContentError`` if the string does not end with a dot (no node_type does).
    """
    if type_string == "":
        return Node
    if type_string == Data.class_node_type:
        return Data
    if not type_string.endswith("."):
        raise DbContentError(f"The type string `{type_string}` is invalid: a node type ends with '.'")
    registered = registered_node_types().get(type_string)
    if registered is not None:
        return registered
    base_path = type_string.rsplit(".", 2)[0].removeprefix("node.")  # `node.` was a prefix before AiiDA 1.0
    if base_path.startswith("data."):
        return class_for_query_prefix(base_path + ".") or Data
    if base_path.startswith("process"):
        return class_for_query_prefix(base_path + ".") or ProcessNode
    warnings.warn(
        f"unknown type string `{type_string}`, falling back onto `Data` class", UserWarning, stacklevel=2
    )
    return Data


def get_type_string_from_class(class_module: str, class_name: str) -> str:
    """The node_type of the class ``class_name`` of module ``class_module``.

    A registered node class gives its own node_type (aiida-core's module paths are read as
    provgraph's: ``aiida.orm.nodes.data.dict``, ``Dict`` -> ``data.core.dict.Dict.``); any other
    class the dotted path without the ORM's module prefix, as aiida-core derives it.
    """
    for module_name in _candidate_modules(class_module):
        cls = _find_class(module_name, class_name)
        if isinstance(cls, type) and issubclass(cls, Node) and cls.__dict__.get("_is_registered"):
            return cls.class_node_type
    type_string = f"{class_module}.{class_name}."
    for prefix in _MODULE_PREFIXES:
        type_string = type_string.removeprefix(prefix)
    return "" if type_string == "node.Node." else type_string


def _candidate_modules(class_module: str) -> list[str]:
    if class_module.startswith("aiida."):
        return ["provgraph." + class_module.removeprefix("aiida."), class_module]
    return [class_module]


def _find_class(module_name: str, class_name: str) -> object:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, class_name, None)


def is_valid_node_type_string(type_string: str, raise_on_false: bool = False) -> bool:
    """Whether ``type_string`` can be a node_type: empty (the base Node), or dotted with at least
    two dots and a trailing one. With ``raise_on_false``, ``DbContentError`` instead of False."""
    if type_string == "":
        return True
    if type_string.count(".") == 1 or not type_string.endswith("."):
        if raise_on_false:
            raise DbContentError(f"The type string {type_string} is invalid")
        return False
    return True


def get_query_type_from_type_string(type_string: str) -> str:
    """The prefix that matches ``type_string`` and its subclasses' strings in a LIKE query
    (``data.core.int.Int.`` -> ``data.core.int.``); ``DbContentError`` for an invalid string."""
    is_valid_node_type_string(type_string, raise_on_false=True)
    if type_string == "":
        return ""
    return type_string.rsplit(".", 2)[0] + "."


class AbstractNodeMeta(ABCMeta):
    """aiida-core's metaclass of ``Node`` (an ``ABCMeta`` that named each class's logger).

    provgraph's nodes need no metaclass; this one is kept so that plugin classes declared with
    ``metaclass=AbstractNodeMeta`` still define (an ``ABCMeta``: abstract methods are enforced).
    """
