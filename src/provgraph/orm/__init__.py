"""The frontend ORM: entities of the provenance graph and the collections that find them.

Names mirror aiida-core 2.x so that scripts port by changing imports::

    from provgraph import orm
    node = orm.Data()
    node.base.attributes.set("x", 1)
    node.store()
    orm.load_node(node.pk)
"""

from __future__ import annotations

from provgraph.orm import fields
from provgraph.orm.authinfos import AuthInfo
from provgraph.orm.batch import store_many
from provgraph.orm.comments import Comment
from provgraph.orm.computers import Computer, load_computer
from provgraph.orm.entities import Collection, Entity
from provgraph.orm.fields import QbField, QbFieldFilters, QbFields
from provgraph.orm.groups import AutoGroup, Group, ImportGroup, UpfFamily, load_group
from provgraph.orm.json_fields import JsonFields as EntityExtras
from provgraph.orm.loaders import load_node
from provgraph.orm.logs import ASCENDING, DESCENDING, Log, OrderSpecifier
from provgraph.orm.nodes.attributes import NodeAttributes
from provgraph.orm.nodes.data import Data
from provgraph.orm.nodes.data.core import (
    AbstractCode,
    ArrayData,
    BaseType,
    Bool,
    CifData,
    ContainerizedCode,
    Dict,
    EnumData,
    Float,
    FolderData,
    InstalledCode,
    Int,
    JsonableData,
    Kind,
    List,
    NumericType,
    PortableCode,
    RemoteData,
    RemoteStashCompressedData,
    RemoteStashCustomData,
    RemoteStashData,
    RemoteStashFolderData,
    SinglefileData,
    Site,
    Str,
    StructureData,
    XyData,
)
from provgraph.orm.nodes.data.to_node import to_node
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process import (
    CalcFunctionNode,
    CalcJobNode,
    CalculationNode,
    ProcessNode,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
)
from provgraph.orm.nodes.repository import NodeRepository
from provgraph.orm.pydantic import OrmModel
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.orm.users import User
from provgraph.orm.utils.links import LinkManager, LinkPair, LinkTriple, validate_link
from provgraph.orm.utils.loaders import (
    CalculationEntityLoader,
    CodeEntityLoader,
    ComputerEntityLoader,
    GroupEntityLoader,
    NodeEntityLoader,
    OrmEntityLoader,
    get_loader,
    load_code,
    load_entity,
)
from provgraph.orm.utils.managers import AttributeManager, NodeLinksManager
from provgraph.orm.utils.node import (
    AbstractNodeMeta,
    get_query_type_from_type_string,
    get_type_string_from_class,
    load_node_class,
)
from provgraph.storage.abstract import EntityTypes

to_aiida_type = to_node  # the name aiida-core users know

# Last: it installs the pydantic models of the classes above (built on first use, not here).
from provgraph.orm import models  # noqa: E402, F401

__all__ = [
    "ASCENDING",
    "DESCENDING",
    "AbstractCode",
    "AbstractNodeMeta",
    "ArrayData",
    "AttributeManager",
    "AuthInfo",
    "AutoGroup",
    "BaseType",
    "Bool",
    "CalcFunctionNode",
    "CalcJobNode",
    "CalculationEntityLoader",
    "CalculationNode",
    "CifData",
    "CodeEntityLoader",
    "Collection",
    "Comment",
    "Computer",
    "ComputerEntityLoader",
    "ContainerizedCode",
    "Data",
    "Dict",
    "Entity",
    "EntityExtras",
    "EntityTypes",
    "EnumData",
    "Float",
    "FolderData",
    "Group",
    "GroupEntityLoader",
    "ImportGroup",
    "InstalledCode",
    "Int",
    "JsonableData",
    "Kind",
    "LinkManager",
    "LinkPair",
    "LinkTriple",
    "LinkType",
    "List",
    "Log",
    "Node",
    "NodeAttributes",
    "NodeEntityLoader",
    "NodeLinksManager",
    "NodeRepository",
    "NumericType",
    "OrderSpecifier",
    "OrmEntityLoader",
    "OrmModel",
    "PortableCode",
    "ProcessNode",
    "QbField",
    "QbFieldFilters",
    "QbFields",
    "QueryBuilder",
    "RemoteData",
    "RemoteStashCompressedData",
    "RemoteStashCustomData",
    "RemoteStashData",
    "RemoteStashFolderData",
    "SinglefileData",
    "Site",
    "Str",
    "StructureData",
    "UpfFamily",
    "User",
    "WorkChainNode",
    "WorkFunctionNode",
    "WorkflowNode",
    "XyData",
    "fields",
    "get_loader",
    "get_query_type_from_type_string",
    "get_type_string_from_class",
    "load_code",
    "load_computer",
    "load_entity",
    "load_group",
    "load_node",
    "load_node_class",
    "store_many",
    "to_aiida_type",
    "to_node",
    "validate_link",
]
