"""aiida-core's deep module paths of the data types name provgraph's classes."""

from __future__ import annotations

import importlib

import pytest

from provgraph import orm
from provgraph.orm.nodes.data.bool import get_false_node, get_true_node
from provgraph.storage.abstract import StorageBackend

PATHS = [
    ("provgraph.orm.nodes.data.int", "Int", orm.Int),
    ("provgraph.orm.nodes.data.float", "Float", orm.Float),
    ("provgraph.orm.nodes.data.str", "Str", orm.Str),
    ("provgraph.orm.nodes.data.bool", "Bool", orm.Bool),
    ("provgraph.orm.nodes.data.dict", "Dict", orm.Dict),
    ("provgraph.orm.nodes.data.list", "List", orm.List),
    ("provgraph.orm.nodes.data.enum", "EnumData", orm.EnumData),
    ("provgraph.orm.nodes.data.jsonable", "JsonableData", orm.JsonableData),
    ("provgraph.orm.nodes.data.structure", "StructureData", orm.StructureData),
    ("provgraph.orm.nodes.data.structure", "Kind", orm.Kind),
    ("provgraph.orm.nodes.data.folder", "FolderData", orm.FolderData),
    ("provgraph.orm.nodes.data.singlefile", "SinglefileData", orm.SinglefileData),
    ("provgraph.orm.nodes.data.numeric", "NumericType", orm.NumericType),
    ("provgraph.orm.nodes.data.base", "BaseType", orm.BaseType),
    ("provgraph.orm.nodes.data.base", "to_aiida_type", orm.to_aiida_type),
    ("provgraph.orm.nodes.data.array", "ArrayData", orm.ArrayData),
    ("provgraph.orm.nodes.data.array.array", "ArrayData", orm.ArrayData),
    ("provgraph.orm.nodes.data.array.xy", "XyData", orm.XyData),
    ("provgraph.orm.nodes.data.remote", "RemoteData", orm.RemoteData),
    ("provgraph.orm.nodes.data.remote.base", "RemoteData", orm.RemoteData),
    ("provgraph.orm.nodes.data.code", "AbstractCode", orm.AbstractCode),
    ("provgraph.orm.nodes.data.code.abstract", "AbstractCode", orm.AbstractCode),
    ("provgraph.orm.nodes.data.code.installed", "InstalledCode", orm.InstalledCode),
    ("provgraph.orm.nodes.data.code.portable", "PortableCode", orm.PortableCode),
    ("provgraph.orm.nodes.data.code.containerized", "ContainerizedCode", orm.ContainerizedCode),
]


@pytest.mark.parametrize(("module", "name", "expected"), PATHS, ids=[f"{m}:{n}" for m, n, _ in PATHS])
def test_module_path_names_the_class(module: str, name: str, expected: object) -> None:
    imported = importlib.import_module(module)
    assert getattr(imported, name) is expected
    assert name in imported.__all__


def test_structure_module_has_get_formula() -> None:
    from provgraph.orm.nodes.data.structure import get_formula

    symbols = ["F", "H", "O", "N", "Zn", "C", "H", "C"]
    assert get_formula(symbols, mode="hill", separator=" ") == "C2 H2 F N O Zn"


def test_bool_helpers_make_new_unstored_nodes(backend: StorageBackend) -> None:
    true, false = get_true_node(), get_false_node()
    assert true.value is True
    assert false.value is False
    assert not true.is_stored
    assert get_true_node() is not true
