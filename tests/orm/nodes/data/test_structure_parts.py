"""Kind, Site and chemical formulae: plain objects, tested without a profile."""

from __future__ import annotations

import pytest

from provgraph.orm.nodes.data.core import Kind, Site
from provgraph.orm.nodes.data.core.elements import ATOMIC_MASSES
from provgraph.orm.nodes.data.core.formula import get_formula


@pytest.fixture(autouse=True)
def loaded_profile() -> None:
    """These objects need no storage: replace the ORM tests' profile with nothing."""


def test_kind_defaults_and_raw_layout() -> None:
    iron = Kind(symbols="Fe")
    assert iron.get_raw() == {"symbols": ["Fe"], "weights": [1.0], "mass": 55.845, "name": "Fe"}
    assert (iron.symbol, iron.is_alloy, iron.has_vacancies) == ("Fe", False, False)
    alloy = Kind(symbols=["Ni", "Fe"], weights=[0.5, 0.4])
    assert alloy.name == "FeNiX"
    assert alloy.is_alloy
    assert alloy.has_vacancies
    assert alloy.mass == pytest.approx((0.5 * 58.6934 + 0.4 * 55.845) / 0.9)
    assert alloy.get_symbols_string() == "{Fe0.40Ni0.50X0.10}"
    copy = Kind(raw=alloy.get_raw())
    assert copy.get_raw() == alloy.get_raw()
    assert Kind(kind=alloy).compare_with(alloy) == (True, "")
    assert Kind(symbols="Fe", mass=56.0).compare_with(iron)[1].startswith("different masses")
    assert Kind(symbols="Ni").compare_with(iron)[1].startswith("different symbols")
    assert Kind(symbols="Fe", weights=0.5).compare_with(iron)[1].startswith("different weights")
    assert Kind(symbols="Fe", weights=0.5).name == "FeX"
    assert Kind(symbols="X").mass == 1.0
    with pytest.raises(ValueError, match="an alloy"):
        _ = alloy.symbol
    assert len(ATOMIC_MASSES) == 115
    assert ATOMIC_MASSES["H"] == 1.00794


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"symbols": "Xx"}, "unknown chemical symbols"),
        ({"symbols": "fe"}, "unknown chemical symbols"),
        ({"symbols": []}, "unknown chemical symbols"),
        ({"symbols": ["Fe", "Ni"], "weights": [1.0]}, "one weight per symbol"),
        ({"symbols": ["Fe", "Ni"], "weights": [0.7, 0.7]}, "sum <= 1"),
        ({"symbols": "Fe", "weights": -0.5}, "each must be >= 0"),
        ({"symbols": "Fe", "mass": 0}, "mass must be positive"),
        ({}, "needs its symbols"),
        ({"raw": {"symbols": ["H"]}}, "raw kind needs"),
        ({"raw": {"symbols": ["H"]}, "name": "x"}, "take no other arguments"),
    ],
)
def test_bad_kinds(arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Kind(**arguments)  # type: ignore[arg-type]


def test_site() -> None:
    site = Site(kind_name="Fe", position=[0, 1, 2.5])
    assert site.position == (0.0, 1.0, 2.5)
    assert site.get_raw() == {"position": [0.0, 1.0, 2.5], "kind_name": "Fe"}
    assert Site(raw=site.get_raw()).get_raw() == site.get_raw()
    assert Site(site=site).kind_name == "Fe"
    site.position = (1, 1, 1)
    assert site.position == (1.0, 1.0, 1.0)
    for bad in ([0, 1], "abc", [0, 1, "x"], None):
        with pytest.raises(ValueError, match=r"a position is three numbers|needs a kind_name"):
            Site(kind_name="Fe", position=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("symbols", "mode", "formula"),
    [  # the examples of AiiDA's get_formula documentation
        ("C H H H O C H H H", "hill", "C2H6O"),
        ("S O O H O H O", "hill", "H2O4S"),
        ("C H H H O C H H H O O O", "hill_compact", "CH3O2"),
        ("Ba Ti O O O Ba Ti O O O Ba Ti Ti O O O", "reduce", "BaTiO3BaTiO3BaTi2O3"),
        ("Ba Ti O O O Ba Ti O O O", "count", "Ba2Ti2O6"),
        ("Ba Ti O O O Ba Ti O O O", "count_compact", "BaTiO3"),
        ("O H H", "hill", "H2O"),
        ("H", "hill", "H"),
        ("", "hill", ""),
    ],
)
def test_formula_modes(symbols: str, mode: str, formula: str) -> None:
    assert get_formula(symbols.split(), mode=mode) == formula


def test_formula_separator_and_unknown_mode() -> None:
    assert get_formula(["O", "H", "H"], separator=" ") == "H2 O"
    with pytest.raises(ValueError, match="unknown formula mode 'group'"):
        get_formula(["H"], mode="group")
