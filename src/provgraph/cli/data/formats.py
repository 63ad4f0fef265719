"""Structure file formats written from a StructureData's own attributes: XYZ, CIF and XSF.

No ASE or pymatgen: the formats are small and written here from the cell (three vectors in
angstrom), the periodicity, the raw kinds (``symbols``, ``weights``, ``name``) and the raw sites
(``kind_name``, ``position`` in Cartesian angstrom), exactly what the node stores. The output
follows what ``verdi data core.structure export`` writes: XYZ is extended XYZ with the lattice
and pbc on the comment line (as aiida-core's), XSF is XCrySDen's periodic crystal format, CIF is
a P1 cell with fractional coordinates (alloys and vacancies become partial occupancies).

>>> print(to_xyz([[4, 0, 0], [0, 4, 0], [0, 0, 4]], (True, True, True),
...              [{"symbols": ["Na"], "weights": [1.0], "name": "Na"}],
...              [{"kind_name": "Na", "position": [0, 0, 0]}]), end="")
1
Lattice="4.0 0.0 0.0 0.0 4.0 0.0 0.0 0.0 4.0" pbc="True True True"
Na           0.0000000000       0.0000000000       0.0000000000
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from provgraph.exceptions import InvalidOperation

__all__ = ["STRUCTURE_FORMATS", "fractional_coordinates", "to_cif", "to_xsf", "to_xyz"]

STRUCTURE_FORMATS = ("xyz", "cif", "xsf")

Cell = Sequence[Sequence[float]]
Raw = Sequence[Mapping[str, Any]]
_VOLUME_EPSILON = 1e-10


def _kinds_by_name(kinds: Raw) -> dict[str, Mapping[str, Any]]:
    return {str(kind["name"]): kind for kind in kinds}


def _pure_symbols(kinds: Raw, sites: Raw, what: str) -> list[str]:
    """The element of each site; formats without occupancies refuse alloys and vacancies."""
    by_name = _kinds_by_name(kinds)
    symbols = []
    for site in sites:
        kind = by_name[str(site["kind_name"])]
        if len(kind["symbols"]) != 1 or abs(float(kind["weights"][0]) - 1.0) > 1e-6:
            raise InvalidOperation(
                f"{what} cannot hold alloys or vacancies (kind {kind['name']!r}); export it as cif"
            )
        symbols.append(str(kind["symbols"][0]))
    return symbols


def to_xyz(cell: Cell, pbc: Sequence[bool], kinds: Raw, sites: Raw) -> str:
    """Extended XYZ: the number of atoms, ``Lattice="..." pbc="..."``, then ``symbol x y z`` lines."""
    symbols = _pure_symbols(kinds, sites, "XYZ")
    lattice = " ".join(str(float(value)) for vector in cell for value in vector)
    flags = " ".join(str(bool(flag)) for flag in pbc)
    lines = [str(len(sites)), f'Lattice="{lattice}" pbc="{flags}"']
    for symbol, site in zip(symbols, sites, strict=True):
        x, y, z = (float(value) for value in site["position"])
        lines.append(f"{symbol:6s} {x:18.10f} {y:18.10f} {z:18.10f}")
    return "\n".join(lines) + "\n"


def to_xsf(cell: Cell, pbc: Sequence[bool], kinds: Raw, sites: Raw) -> str:
    """XCrySDen's XSF: ``CRYSTAL``, the primitive vectors, then atomic numbers and positions."""
    del pbc  # XSF's CRYSTAL is periodic in three directions, as aiida-core writes it
    symbols = _pure_symbols(kinds, sites, "XSF")
    lines = ["CRYSTAL", "PRIMVEC 1"]
    lines.extend(" ".join(f"{float(value):18.10f}" for value in vector) for vector in cell)
    lines.extend(["PRIMCOORD 1", f"{len(sites)} 1"])
    for symbol, site in zip(symbols, sites, strict=True):
        x, y, z = (float(value) for value in site["position"])
        lines.append(f"{atomic_number(symbol)} {x:18.10f} {y:18.10f} {z:18.10f}")
    return "\n".join(lines) + "\n"


def atomic_number(symbol: str) -> int:
    """The atomic number of ``symbol`` (``X``, the unknown element, is 0)."""
    from provgraph.orm.nodes.data.core.elements import ATOMIC_MASSES

    # The mass table is in order of atomic number but lacks Nh (113), Mc (115) and what follows Lv.
    gaps = {"Fl": 114, "Lv": 116}
    if symbol in gaps:
        return gaps[symbol]
    return list(ATOMIC_MASSES).index(symbol)


def _inverse(cell: Cell) -> list[list[float]]:
    (a, b, c), (d, e, f), (g, h, i) = ([float(value) for value in vector] for vector in cell)
    determinant = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    if abs(determinant) < _VOLUME_EPSILON:
        raise InvalidOperation("the cell has no volume, so positions have no fractional coordinates")
    cofactors = [
        [e * i - f * h, c * h - b * i, b * f - c * e],
        [f * g - d * i, a * i - c * g, c * d - a * f],
        [d * h - e * g, b * g - a * h, a * e - b * d],
    ]
    return [[value / determinant for value in row] for row in cofactors]


def fractional_coordinates(cell: Cell, position: Sequence[float]) -> tuple[float, float, float]:
    """``position`` (Cartesian) in units of the cell vectors: ``position = sum(f[i] * cell[i])``.

    >>> fractional_coordinates([[2, 0, 0], [0, 4, 0], [0, 0, 5]], [1, 1, 1])
    (0.5, 0.25, 0.2)
    """
    inverse = _inverse(cell)
    x, y, z = (float(value) for value in position)
    fa, fb, fc = (_clean(x * inverse[0][k] + y * inverse[1][k] + z * inverse[2][k]) for k in range(3))
    return fa, fb, fc


def _clean(value: float) -> float:
    """Rounding noise around zero written as 0, never ``-0.0000000000``."""
    return 0.0 if abs(value) < 1e-12 else value


def _length(vector: Sequence[float]) -> float:
    return math.sqrt(sum(float(value) ** 2 for value in vector))


def _angle(first: Sequence[float], second: Sequence[float]) -> float:
    cosine = sum(float(x) * float(y) for x, y in zip(first, second, strict=True))
    cosine /= _length(first) * _length(second)
    return math.degrees(math.acos(max(-1.0, min(1.0, cosine))))


def _formula_sum(kinds: Raw, sites: Raw) -> str:
    """``_chemical_formula_sum``: elements in Hill order with summed occupancies (``Ba Ti O3``)."""
    by_name = _kinds_by_name(kinds)
    counts: dict[str, float] = {}
    for site in sites:
        kind = by_name[str(site["kind_name"])]
        for symbol, weight in zip(kind["symbols"], kind["weights"], strict=True):
            counts[str(symbol)] = counts.get(str(symbol), 0.0) + float(weight)
    has_carbon = "C" in counts
    order = sorted(
        counts, key=lambda symbol: {"C": "0", "H": "1"}.get(symbol, symbol) if has_carbon else symbol
    )

    def term(symbol: str) -> str:
        count = counts[symbol]
        text = f"{count:g}" if abs(count - round(count)) > 1e-6 else str(round(count))
        return symbol if text == "1" else f"{symbol}{text}"

    return " ".join(term(symbol) for symbol in order)


def to_cif(cell: Cell, pbc: Sequence[bool], kinds: Raw, sites: Raw, name: str = "structure") -> str:
    """A CIF data block: the cell in P1 and one ``_atom_site`` row per site and element.

    A site of an alloy kind gets one row per element at the same position, each with its weight
    as occupancy; weights below one are vacancies, as CIF readers understand them.
    """
    del pbc  # a CIF cell is periodic; a molecule's box is written as its cell
    lengths = [_length(vector) for vector in cell]
    if min(lengths) < _VOLUME_EPSILON:
        raise InvalidOperation("CIF needs a cell with three non-zero vectors; this structure's cell has none")
    alpha, beta, gamma = _angle(cell[1], cell[2]), _angle(cell[0], cell[2]), _angle(cell[0], cell[1])
    (a1, a2, a3), (b1, b2, b3), (c1, c2, c3) = ([float(value) for value in vector] for vector in cell)
    volume = abs(a1 * (b2 * c3 - b3 * c2) - a2 * (b1 * c3 - b3 * c1) + a3 * (b1 * c2 - b2 * c1))
    block = "".join(character if character.isalnum() or character in "_-" else "_" for character in name)
    lines = [
        f"data_{block or 'structure'}",
        "_symmetry_space_group_name_H-M    'P 1'",
        "_symmetry_Int_Tables_number       1",
        "loop_",
        "_symmetry_equiv_pos_as_xyz",
        "  'x, y, z'",
        f"_cell_length_a                    {lengths[0]:.10f}",
        f"_cell_length_b                    {lengths[1]:.10f}",
        f"_cell_length_c                    {lengths[2]:.10f}",
        f"_cell_angle_alpha                 {alpha:.10f}",
        f"_cell_angle_beta                  {beta:.10f}",
        f"_cell_angle_gamma                 {gamma:.10f}",
        f"_cell_volume                      {volume:.10f}",
        f"_chemical_formula_sum            '{_formula_sum(kinds, sites)}'",
        "loop_",
        "_atom_site_label",
        "_atom_site_type_symbol",
        "_atom_site_fract_x",
        "_atom_site_fract_y",
        "_atom_site_fract_z",
        "_atom_site_occupancy",
    ]
    by_name = _kinds_by_name(kinds)
    numbering: Counter[str] = Counter()
    for site in sites:
        fa, fb, fc = fractional_coordinates(cell, site["position"])
        kind = by_name[str(site["kind_name"])]
        for symbol, weight in zip(kind["symbols"], kind["weights"], strict=True):
            numbering[symbol] += 1
            lines.append(
                f"{symbol}{numbering[symbol]} {symbol} {fa:.10f} {fb:.10f} {fc:.10f} {float(weight):.6f}"
            )
    return "\n".join(lines) + "\n"
