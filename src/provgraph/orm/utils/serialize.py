"""YAML serialisation of values that hold ORM entities (aiida-core's ``aiida.orm.utils.serialize``).

Stored nodes, groups and computers are written as their UUID under a tag and loaded back from
the profile; enums, dataclasses and ``AttributeDict`` keep their type. The tags are aiida-core's,
so that checkpoints and other dumps written by either read in the other::

    text = serialize({"x": node, "mode": LinkType.CREATE})
    deserialize_unsafe(text)["x"].uuid == node.uuid

``deserialize_unsafe`` uses PyYAML's full loader, which can build arbitrary Python objects: only
read text that this profile wrote.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
from enum import Enum
from typing import Any, overload

import yaml

from provgraph.common.extendeddicts import AttributeDict
from provgraph.orm.computers import Computer, load_computer
from provgraph.orm.groups import Group, load_group
from provgraph.orm.loaders import load_node
from provgraph.orm.nodes.node import Node

__all__ = ["AiiDADumper", "AiiDALoader", "deserialize_unsafe", "serialize"]

_ENUM_TAG = "!enum"
_DATACLASS_TAG = "!dataclass"
_NODE_TAG = "!aiida_node"
_GROUP_TAG = "!aiida_group"
_COMPUTER_TAG = "!aiida_computer"
_ATTRIBUTE_DICT_TAG = "!aiida_attributedict"
_NODE_LINKS_MANAGER_TAG = "!aiida_node_links_manager"
_MANAGERS_MODULE = "provgraph.orm.utils.managers"


def _identify(cls: type) -> str:
    """``module:QualName``, the identifier aiida-core (plumpy's object loader) writes."""
    return f"{cls.__module__}:{cls.__qualname__}"


def _load_object(identifier: str) -> Any:
    module_name, _, qualname = identifier.partition(":")
    found: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def _stored_uuid(entity: Node | Group | Computer, what: str) -> str:
    if not entity.is_stored:
        raise ValueError(f"{what} {entity!r} cannot be serialised because it is not stored")
    return str(entity.uuid)


class AiiDADumper(yaml.Dumper):
    """Writes entities by UUID, dataclasses by type and fields, and any node class as a node."""

    def represent_data(self, data: Any) -> yaml.Node:
        if isinstance(data, Node):
            return self.represent_scalar(_NODE_TAG, _stored_uuid(data, "node"))
        if isinstance(data, Group):
            return self.represent_scalar(_GROUP_TAG, _stored_uuid(data, "group"))
        if type(data).__name__ == "NodeLinksManager" and type(data).__module__ == _MANAGERS_MODULE:
            fields = {"incoming": data._incoming, "link_type": data._link_type.value, "node": data._node.uuid}
            return self.represent_mapping(_NODE_LINKS_MANAGER_TAG, fields)
        if isinstance(data, Computer):
            return self.represent_scalar(_COMPUTER_TAG, _stored_uuid(data, "computer"))
        if dataclasses.is_dataclass(data) and not inspect.isclass(data):
            fields = {"__type__": _identify(type(data)), "__fields__": dataclasses.asdict(data)}
            return self.represent_mapping(_DATACLASS_TAG, fields)
        return super().represent_data(data)


class AiiDALoader(yaml.Loader):
    """PyYAML's full (unsafe) loader with the tags above: trusted input only."""


def _represent_enum(dumper: yaml.Dumper, member: Enum) -> yaml.Node:
    return dumper.represent_scalar(_ENUM_TAG, f"{_identify(type(member))}|{member.value}")


def _construct_enum(loader: yaml.Loader, node: yaml.Node) -> Enum:
    identifier, _, value = str(loader.construct_scalar(node)).partition("|")  # type: ignore[arg-type]
    member: Enum = _load_object(identifier)(value)
    return member


def _construct_dataclass(loader: yaml.Loader, node: yaml.Node) -> Any:
    data = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return _load_object(data["__type__"])(**data["__fields__"])


def _represent_attribute_dict(dumper: yaml.Dumper, data: AttributeDict) -> yaml.Node:
    return dumper.represent_mapping(_ATTRIBUTE_DICT_TAG, dict(data))


def _construct_attribute_dict(loader: yaml.Loader, node: yaml.Node) -> AttributeDict:
    return AttributeDict(loader.construct_mapping(node, deep=True))  # type: ignore[arg-type]


def _construct_links_manager(loader: yaml.Loader, node: yaml.Node) -> Any:
    """``node.inputs`` / ``node.outputs`` of a node (the managers module is imported when needed)."""
    from provgraph.common.links import LinkType

    data = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    manager_class = importlib.import_module(_MANAGERS_MODULE).NodeLinksManager
    return manager_class(
        node=load_node(uuid=data["node"]), link_type=LinkType(data["link_type"]), incoming=data["incoming"]
    )


def _construct_node(loader: yaml.Loader, node: yaml.Node) -> Node:
    return load_node(uuid=str(loader.construct_scalar(node)))  # type: ignore[arg-type]


def _construct_group(loader: yaml.Loader, node: yaml.Node) -> Group:
    return load_group(uuid=str(loader.construct_scalar(node)))  # type: ignore[arg-type]


def _construct_computer(loader: yaml.Loader, node: yaml.Node) -> Computer:
    return load_computer(uuid=str(loader.construct_scalar(node)))  # type: ignore[arg-type]


yaml.add_multi_representer(Enum, _represent_enum, Dumper=AiiDADumper)
yaml.add_representer(AttributeDict, _represent_attribute_dict, Dumper=AiiDADumper)
yaml.add_constructor(_ENUM_TAG, _construct_enum, Loader=AiiDALoader)
yaml.add_constructor(_DATACLASS_TAG, _construct_dataclass, Loader=AiiDALoader)
yaml.add_constructor(_ATTRIBUTE_DICT_TAG, _construct_attribute_dict, Loader=AiiDALoader)
yaml.add_constructor(_NODE_TAG, _construct_node, Loader=AiiDALoader)
yaml.add_constructor(_NODE_LINKS_MANAGER_TAG, _construct_links_manager, Loader=AiiDALoader)
yaml.add_constructor(_GROUP_TAG, _construct_group, Loader=AiiDALoader)
yaml.add_constructor(_COMPUTER_TAG, _construct_computer, Loader=AiiDALoader)


@overload
def serialize(data: Any, encoding: None = None) -> str: ...


@overload
def serialize(data: Any, encoding: str) -> bytes: ...


def serialize(data: Any, encoding: str | None = None) -> str | bytes:
    """``data`` as YAML text (bytes in ``encoding`` if given); unstored entities raise ``ValueError``."""
    if encoding is not None:
        return yaml.dump(data, encoding=encoding, Dumper=AiiDADumper)
    return yaml.dump(data, Dumper=AiiDADumper)


def deserialize_unsafe(serialized: str | bytes) -> Any:
    """The value that ``serialize`` wrote. Builds arbitrary objects: never use on untrusted text."""
    return yaml.load(serialized, Loader=AiiDALoader)
