"""The core data types (AiiDA's ``data.core.*`` node types).

Importing this package registers every class's node_type, so rows of these types load as them.
"""

from provgraph.orm.nodes.data.core.array import ArrayData
from provgraph.orm.nodes.data.core.base import BaseType, NumericType
from provgraph.orm.nodes.data.core.bool import Bool
from provgraph.orm.nodes.data.core.cif import CifData
from provgraph.orm.nodes.data.core.code import AbstractCode, ContainerizedCode, InstalledCode, PortableCode
from provgraph.orm.nodes.data.core.dict import Dict
from provgraph.orm.nodes.data.core.enum import EnumData
from provgraph.orm.nodes.data.core.float import Float
from provgraph.orm.nodes.data.core.folder import FolderData
from provgraph.orm.nodes.data.core.int import Int
from provgraph.orm.nodes.data.core.jsonable import JsonableData
from provgraph.orm.nodes.data.core.list import List
from provgraph.orm.nodes.data.core.remote import RemoteData
from provgraph.orm.nodes.data.core.singlefile import SinglefileData
from provgraph.orm.nodes.data.core.stash import (
    RemoteStashCompressedData,
    RemoteStashCustomData,
    RemoteStashData,
    RemoteStashFolderData,
)
from provgraph.orm.nodes.data.core.str import Str
from provgraph.orm.nodes.data.core.structure import Kind, Site, StructureData
from provgraph.orm.nodes.data.core.xy import XyData

__all__ = [
    "AbstractCode",
    "ArrayData",
    "BaseType",
    "Bool",
    "CifData",
    "ContainerizedCode",
    "Dict",
    "EnumData",
    "Float",
    "FolderData",
    "InstalledCode",
    "Int",
    "JsonableData",
    "Kind",
    "List",
    "NumericType",
    "PortableCode",
    "RemoteData",
    "RemoteStashCompressedData",
    "RemoteStashCustomData",
    "RemoteStashData",
    "RemoteStashFolderData",
    "SinglefileData",
    "Site",
    "Str",
    "StructureData",
    "XyData",
]
