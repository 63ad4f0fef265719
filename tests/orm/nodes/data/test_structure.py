"""StructureData: AiiDA's attribute layout, atoms and kinds, formulae, validation."""

from __future__ import annotations

import math
import sys

import pytest

from provgraph import orm
from provgraph.exceptions import InputValidationError, ModificationNotAllowed
from provgraph.orm.nodes.data.core import Kind, Site, StructureData
from provgraph.storage.abstract import StorageBackend

CUBE = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]


def _structure() -> StructureData:
    structure = StructureData(cell=CUBE)
    structure.append_atom(position=(0, 0, 0), symbols="H")
    structure.append_atom(position=(0.5, 0, 0), symbols="H")
    structure.append_atom(position=(0.5, 0.5, 0), symbols=["Fe", "Ni"], weights=[0.5, 0.4])
    structure.append_atom(position=(0.5, 0.5, 0.5), symbols="O", name="O1")
    structure.append_atom(position=(0.1, 0.5, 0.5), symbols="H", mass=2.0)
    return structure


def test_layout_is_aiidas(backend: StorageBackend) -> None:
    """The attributes aiida-core 2.9 writes for the same five appends (its floats rounded to 14 digits)."""
    node = _structure().store()
    loaded = orm.load_node(node.pk)
    assert type(loaded) is StructureData
    assert loaded.node_type == "data.core.structure.StructureData."
    attributes = loaded.base.attributes.all
    alloy_mass = attributes["kinds"][1].pop("mass")
    assert alloy_mass == pytest.approx(57.110955555556, abs=1e-12)
    assert attributes == {
        "cell": CUBE,
        "pbc1": True,
        "pbc2": True,
        "pbc3": True,
        "kinds": [
            {"mass": 1.00794, "name": "H", "symbols": ["H"], "weights": [1.0]},
            {"name": "FeNiX", "symbols": ["Fe", "Ni"], "weights": [0.5, 0.4]},
            {"mass": 15.9994, "name": "O1", "symbols": ["O"], "weights": [1.0]},
            {"mass": 2.0, "name": "H1", "symbols": ["H"], "weights": [1.0]},
        ],
        "sites": [
            {"kind_name": "H", "position": [0.0, 0.0, 0.0]},
            {"kind_name": "H", "position": [0.5, 0.0, 0.0]},
            {"kind_name": "FeNiX", "position": [0.5, 0.5, 0.0]},
            {"kind_name": "O1", "position": [0.5, 0.5, 0.5]},
            {"kind_name": "H1", "position": [0.1, 0.5, 0.5]},
        ],
    }
    # AiiDA's answers for this structure
    assert loaded.get_formula() == "H3O{Fe0.50Ni0.40X0.10}"
    assert loaded.get_formula("count") == "H3{Fe0.50Ni0.40X0.10}O"
    assert loaded.get_formula("reduce") == "H2{Fe0.50Ni0.40X0.10}OH"
    assert loaded.get_composition() == {"H": 3, "{Fe0.50Ni0.40X0.10}": 1, "O": 1}
    assert loaded.get_kind_names() == ["H", "FeNiX", "O1", "H1"]
    assert loaded.get_site_kindnames() == ["H", "H", "FeNiX", "O1", "H1"]
    assert loaded.get_symbols_set() == {"H", "Fe", "Ni", "O"}
    assert loaded.is_alloy
    assert loaded.has_vacancies
    assert loaded.get_kind("O1").symbol == "O"
    assert [site.position for site in loaded.sites][2] == (0.5, 0.5, 0.0)
    assert loaded.get_cell_volume() == 1.0
    assert loaded.pbc == (True, True, True)
    assert loaded.cell == CUBE
    with pytest.raises(ValueError, match="no kind 'Zn'"):
        loaded.get_kind("Zn")


def test_geometry(backend: StorageBackend) -> None:
    hexagonal = StructureData(cell=[[2.0, 0.0, 0.0], [-1.0, math.sqrt(3), 0.0], [0.0, 0.0, 5.0]])
    assert hexagonal.get_cell_volume() == pytest.approx(2 * math.sqrt(3) * 5)
    assert hexagonal.cell_lengths == pytest.approx([2.0, 2.0, 5.0])
    assert hexagonal.cell_angles == pytest.approx([90.0, 90.0, 120.0])
    assert hexagonal.get_dimensionality() == {
        "dim": 3,
        "label": "volume",
        "value": pytest.approx(10 * math.sqrt(3)),
    }
    slab = StructureData(cell=CUBE, pbc=[True, True, False])
    assert slab.get_dimensionality() == {"dim": 2, "label": "surface", "value": 1.0}
    wire = StructureData(cell=CUBE, pbc1=True)
    assert wire.pbc == (True, False, False)
    assert wire.get_dimensionality()["label"] == "length"
    molecule = StructureData(pbc=False)
    molecule.append_atom(position=(0, 0, 0), symbols="C")
    molecule.append_atom(position=(1, 0, 0), symbols="O")
    molecule.append_atom(position=(2, 0, 0), symbols="O")
    assert molecule.get_dimensionality() == {"dim": 0, "label": "", "value": 0.0}
    assert molecule.store().get_formula() == "CO2"
    with pytest.raises(ValueError, match="all zero-length vectors"):
        _ = molecule.cell_angles


def test_cell_angles_treat_vectors_below_epsilon_as_zero(backend: StorageBackend) -> None:
    tiny = sys.float_info.epsilon / 10
    with pytest.raises(ValueError, match="all zero-length vectors"):
        _ = StructureData(cell=((tiny, 0, 0), (0, tiny, 0), (0, 0, tiny))).cell_angles
    angles = StructureData(cell=((tiny, 0, 0), (0, 1, 0), (0, 0, 1))).cell_angles
    assert angles[0] == pytest.approx(90.0)
    assert angles[1:] == [None, None]


def test_building_rules(backend: StorageBackend) -> None:
    structure = StructureData(cell=CUBE)
    structure.append_atom(position=(0, 0, 0), symbols="Fe")
    structure.append_atom(position=(0.5, 0.5, 0.5), symbols="Fe")  # the same kind is reused
    structure.append_atom(position=(0.5, 0, 0), symbols="Fe", mass=60.0)  # a different one gets Fe1
    assert structure.get_kind_names() == ["Fe", "Fe1"]
    structure.append_atom(position=(0, 0.5, 0), symbols="Fe", name="Fe1", mass=60.0)  # same: reused
    with pytest.raises(ValueError, match="a different kind named 'Fe' exists"):
        structure.append_atom(position=(0, 0, 0.5), symbols="Ni", name="Fe")
    with pytest.raises(ValueError, match="kind named 'Fe' already"):
        structure.append_kind(Kind(symbols="Fe"))
    with pytest.raises(ValueError, match="no kind 'Zn' for this site"):
        structure.append_site(Site(kind_name="Zn", position=(0, 0, 0)))
    with pytest.raises(TypeError, match="append_site takes a Site"):
        structure.append_site({"kind_name": "Fe", "position": (0, 0, 0)})  # type: ignore[arg-type]
    assert len(structure.sites) == 4
    structure.reset_sites_positions([(0, 0, 0), (0.1, 0, 0), (0.2, 0, 0), (0.3, 0, 0)])
    assert [site.position[0] for site in structure.sites] == [0.0, 0.1, 0.2, 0.3]
    with pytest.raises(ValueError, match="give 4 positions"):
        structure.reset_sites_positions([(0, 0, 0)])
    from_lists = StructureData(
        cell=CUBE,
        kinds=[{"symbols": "Na", "name": "Na"}, Kind(symbols="Cl")],
        sites=[{"kind_name": "Na", "position": (0, 0, 0)}, Site(kind_name="Cl", position=(0.5, 0.5, 0.5))],
    )
    assert from_lists.store().get_formula() == "ClNa"
    structure.clear_kinds()
    assert structure.kinds == []
    assert structure.sites == []
    with pytest.raises(ValueError, match="three vectors of three numbers"):
        StructureData(cell=[[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="pbc is a bool or three bools"):
        StructureData(cell=CUBE, pbc=[1, 1, 1])
    with pytest.raises(ValueError, match="not both"):
        StructureData(pbc=True, pbc1=True)


def test_validation_and_immutability(backend: StorageBackend) -> None:
    flat = StructureData()  # AiiDA's defaults: a zero cell, periodic in 3D
    flat.append_atom(position=(0, 0, 0), symbols="H")
    with pytest.raises(InputValidationError, match="periodic along 3 directions but its cell has volume 0"):
        flat.store()
    unused = StructureData(cell=CUBE)
    unused.append_kind(Kind(symbols="He"))
    with pytest.raises(InputValidationError, match=r"site-less kinds \['He'\]"):
        unused.store()
    duplicated = StructureData(cell=CUBE)
    duplicated.append_atom(position=(0, 0, 0), symbols="H")
    duplicated.base.attributes.set("kinds", duplicated.base.attributes.get("kinds") * 2)
    with pytest.raises(InputValidationError, match=r"duplicated kinds \['H'\]"):
        duplicated.store()
    stored = _structure().store()
    for change in (
        lambda: stored.append_atom(position=(0, 0, 0), symbols="H"),
        lambda: stored.set_cell(CUBE),
        lambda: stored.set_pbc(False),
        stored.clear_sites,
        stored.clear_kinds,
        lambda: stored.reset_sites_positions([(0, 0, 0)] * 5),
    ):
        with pytest.raises(ModificationNotAllowed):
            change()
    assert len(orm.load_node(stored.pk).sites) == 5
