"""``StructureData``: an atomic structure (AiiDA's ``data.core.structure.StructureData.``).

The attributes are AiiDA's: ``cell`` (three vectors in angstrom), ``pbc1``/``pbc2``/``pbc3``
(periodicity along each vector), ``kinds`` (raw Kind dicts) and ``sites`` (raw Site dicts), so
structures move between the two programs unchanged. Only the core is here: no ASE or pymatgen
conversion, which would need those packages.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from provgraph.exceptions import InputValidationError
from provgraph.orm.json import clean_value
from provgraph.orm.nodes.attributes import refuse_stored_change
from provgraph.orm.nodes.data.core.formula import get_formula
from provgraph.orm.nodes.data.core.sites import Kind, Site
from provgraph.orm.nodes.data.data import Data

__all__ = ["Kind", "Site", "StructureData"]

Vector = tuple[float, float, float]
_DEFAULT_CELL = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
_EPSILON = sys.float_info.epsilon


def _valid_cell(value: Any) -> list[list[float]]:
    try:
        cell = [[float(number) for number in vector] for vector in value]
    except (TypeError, ValueError):
        cell = []
    if len(cell) != 3 or any(len(vector) != 3 for vector in cell):
        raise ValueError(f"a cell is three vectors of three numbers, got {value!r}")
    return cell


def _valid_pbc(value: Any) -> tuple[bool, bool, bool]:
    items = value.tolist() if hasattr(value, "tolist") else value  # numpy arrays of bools
    if isinstance(items, bool):
        items = [items]
    if not isinstance(items, Iterable) or isinstance(items, (str, bytes)):
        raise ValueError(f"pbc is a bool or three bools, got {value!r}")
    flags = list(items)
    if not flags or not all(isinstance(flag, bool) for flag in flags) or len(flags) not in (1, 3):
        raise ValueError(f"pbc is a bool or three bools, got {value!r}")
    return (flags[0], flags[0], flags[0]) if len(flags) == 1 else (flags[0], flags[1], flags[2])


def _cross(a: Sequence[float], b: Sequence[float]) -> Vector:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def _norm(a: Sequence[float]) -> float:
    return math.sqrt(_dot(a, a))


def cell_volume(cell: Sequence[Sequence[float]]) -> float:
    """The volume spanned by three vectors: ``|a . (b x c)|``."""
    return abs(_dot(cell[0], _cross(cell[1], cell[2])))


class StructureData(Data, node_type="data.core.structure.StructureData."):
    """A cell with periodic boundary conditions, kinds of atoms, and sites."""

    def __init__(
        self,
        cell: Sequence[Sequence[float]] | None = None,
        pbc: bool | Sequence[bool] | None = None,
        *,
        pbc1: bool | None = None,
        pbc2: bool | None = None,
        pbc3: bool | None = None,
        kinds: Iterable[Kind | Mapping[str, Any]] | None = None,
        sites: Iterable[Site | Mapping[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        """The cell defaults to zeros and pbc to all True, as in AiiDA; set a real cell before storing."""
        if pbc1 is not None or pbc2 is not None or pbc3 is not None:
            if pbc is not None:
                raise ValueError("give pbc or pbc1/pbc2/pbc3, not both")
            pbc = [bool(pbc1), bool(pbc2), bool(pbc3)]
        super().__init__(**kwargs)
        self.set_cell(_DEFAULT_CELL if cell is None else cell)
        self.set_pbc((True, True, True) if pbc is None else pbc)
        for kind in kinds or ():
            self.append_kind(kind if isinstance(kind, Kind) else Kind(**kind))
        for site in sites or ():
            self.append_site(site if isinstance(site, Site) else Site(**site))

    def _require_unstored(self, what: str) -> None:
        if self.is_stored:
            raise refuse_stored_change(self, what)

    def _raw_list(self, key: str) -> list[Any]:
        """The unstored node's own list of raw kinds or sites, to append to in place.

        Appending in place keeps building a large structure linear; each item is checked
        (``clean_value``) as it comes in.
        """
        if key not in self.base.attributes:
            self.base.attributes.set(key, [])
        items: list[Any] = self._column("attributes")[key]
        return items

    # -- cell and periodicity ------------------------------------------------------------------

    @property
    def cell(self) -> list[list[float]]:
        """The three cell vectors (a copy)."""
        return [list(vector) for vector in self.base.attributes.get("cell")]

    @cell.setter
    def cell(self, value: Sequence[Sequence[float]]) -> None:
        self.set_cell(value)

    def set_cell(self, value: Sequence[Sequence[float]]) -> None:
        self._require_unstored("the cell")
        self.base.attributes.set("cell", _valid_cell(value))

    def reset_cell(self, new_cell: Sequence[Sequence[float]]) -> None:
        self.set_cell(new_cell)

    @property
    def pbc(self) -> tuple[bool, bool, bool]:
        return (self.pbc1, self.pbc2, self.pbc3)

    @pbc.setter
    def pbc(self, value: bool | Sequence[bool]) -> None:
        self.set_pbc(value)

    def set_pbc(self, value: bool | Sequence[bool]) -> None:
        self._require_unstored("the pbc")
        first, second, third = _valid_pbc(value)
        self.base.attributes.set_many({"pbc1": first, "pbc2": second, "pbc3": third})

    @property
    def pbc1(self) -> bool:
        return bool(self.base.attributes.get("pbc1"))

    @property
    def pbc2(self) -> bool:
        return bool(self.base.attributes.get("pbc2"))

    @property
    def pbc3(self) -> bool:
        return bool(self.base.attributes.get("pbc3"))

    @property
    def cell_lengths(self) -> list[float]:
        return [_norm(vector) for vector in self.cell]

    @property
    def cell_angles(self) -> list[float | None]:
        """Angles alpha (b, c), beta (a, c), gamma (a, b) in degrees; None next to a zero vector.

        A vector shorter than the float epsilon counts as zero (as in aiida-core): its direction
        is noise.
        """
        cell, lengths = self.cell, self.cell_lengths
        if all(length < _EPSILON for length in lengths):
            raise ValueError("the cell has all zero-length vectors; it has no angles")
        angles: list[float | None] = []
        for i, j in ((1, 2), (0, 2), (0, 1)):
            if lengths[i] < _EPSILON or lengths[j] < _EPSILON:
                angles.append(None)
                continue
            cosine = max(-1.0, min(1.0, _dot(cell[i], cell[j]) / (lengths[i] * lengths[j])))
            angles.append(math.degrees(math.acos(cosine)))
        return angles

    def get_cell_volume(self) -> float:
        """The cell volume in cubic angstrom."""
        return cell_volume(self.cell)

    def get_dimensionality(self) -> dict[str, Any]:
        """``{"dim": periodic directions, "label": "", "length", "surface" or "volume", "value": size}``."""
        cell, pbc = self.cell, self.pbc
        periodic = [vector for vector, flag in zip(cell, pbc, strict=True) if flag]
        dim = len(periodic)
        if dim == 0:
            value = 0.0  # no size for a molecule; AiiDA reports 0 too
        elif dim == 1:
            value = _norm(periodic[0])
        elif dim == 2:
            value = _norm(_cross(periodic[0], periodic[1]))
        else:
            value = cell_volume(cell)
        return {"dim": dim, "label": ["", "length", "surface", "volume"][dim], "value": value}

    # -- kinds and sites -----------------------------------------------------------------------

    @property
    def kinds(self) -> list[Kind]:
        return [Kind(raw=raw) for raw in self.base.attributes.get("kinds", [])]

    @property
    def sites(self) -> list[Site]:
        return [Site(raw=raw) for raw in self.base.attributes.get("sites", [])]

    def get_kind(self, kind_name: str) -> Kind:
        """The kind called ``kind_name``; ``ValueError`` if there is none."""
        for kind in self.kinds:
            if kind.name == kind_name:
                return kind
        raise ValueError(f"the structure has no kind {kind_name!r}; its kinds are {self.get_kind_names()}")

    def get_kind_names(self) -> list[str]:
        return [raw["name"] for raw in self.base.attributes.get("kinds", [])]

    def get_site_kindnames(self) -> list[str]:
        return [raw["kind_name"] for raw in self.base.attributes.get("sites", [])]

    def get_symbols_set(self) -> set[str]:
        return {symbol for kind in self.kinds for symbol in kind.symbols}

    def append_kind(self, kind: Kind) -> None:
        """Add a copy of ``kind``; its name must be new."""
        self._require_unstored("the kinds")
        if not isinstance(kind, Kind):
            raise TypeError(f"append_kind takes a Kind, got {type(kind).__name__}")
        if kind.name in self.get_kind_names():
            raise ValueError(f"the structure has a kind named {kind.name!r} already")
        self._raw_list("kinds").append(clean_value(kind.get_raw(), "kinds"))

    def append_site(self, site: Site) -> None:
        """Add a copy of ``site``; its kind must be in the structure already."""
        self._require_unstored("the sites")
        if not isinstance(site, Site):
            raise TypeError(f"append_site takes a Site, got {type(site).__name__}")
        if site.kind_name not in self.get_kind_names():
            raise ValueError(
                f"the structure has no kind {site.kind_name!r} for this site; add it first "
                f"(kinds: {self.get_kind_names()})"
            )
        self._raw_list("sites").append(clean_value(site.get_raw(), "sites"))

    def append_atom(self, *, position: Sequence[float], **kind: Any) -> None:
        """Add an atom at ``position``; ``kind`` holds Kind's arguments (symbols, weights, mass, name).

        Without a name an identical existing kind is reused, else a new one gets a free name
        (``Fe``, ``Fe1``, ...). With a name, an existing kind of that name is reused only if
        identical; a different one is an error. (AiiDA's rules.)
        """
        new = Kind(**kind)
        existing = self.kinds
        if "name" in kind:
            same_name = next((old for old in existing if old.name == new.name), None)
            if same_name is None:
                self.append_kind(new)
            else:
                identical, difference = new.compare_with(same_name)
                if not identical:
                    raise ValueError(f"a different kind named {new.name!r} exists already ({difference})")
        else:
            match = next((old for old in existing if new.compare_with(old)[0]), None)
            if match is not None:
                new = match
            else:
                names, base, counter = {old.name for old in existing}, new.name, 1
                while new.name in names:
                    new.name, counter = f"{base}{counter}", counter + 1
                self.append_kind(new)
        self.append_site(Site(kind_name=new.name, position=position))

    def clear_kinds(self) -> None:
        """Remove every kind, and so every site."""
        self._require_unstored("the kinds")
        self.base.attributes.set("kinds", [])
        self.clear_sites()

    def clear_sites(self) -> None:
        self._require_unstored("the sites")
        self.base.attributes.set("sites", [])

    def reset_sites_positions(self, new_positions: Sequence[Sequence[float]]) -> None:
        """Move every site (same order, same number)."""
        sites = self.sites
        if len(new_positions) != len(sites):
            raise ValueError(f"give {len(sites)} positions, one per site; got {len(new_positions)}")
        self._require_unstored("the sites")
        moved = [
            Site(kind_name=site.kind_name, position=position)
            for site, position in zip(sites, new_positions, strict=True)
        ]
        self.base.attributes.set("sites", [site.get_raw() for site in moved])

    # -- chemistry -----------------------------------------------------------------------------

    def _site_symbols(self) -> list[str]:
        strings = {kind.name: kind.get_symbols_string() for kind in self.kinds}
        return [strings[name] for name in self.get_site_kindnames()]

    def get_formula(self, mode: str = "hill", separator: str = "") -> str:
        """The chemical formula (``hill`` by default; see :mod:`.formula` for the modes)."""
        return get_formula(self._site_symbols(), mode=mode, separator=separator)

    def get_description(self) -> str:
        return self.get_formula(mode="hill_compact")

    def get_composition(self, mode: str = "full") -> dict[str, float]:
        """Symbol (or alloy string) -> number of sites (``full``), divided by their gcd
        (``reduced``) or by their sum (``fractional``)."""
        counts = Counter(self._site_symbols())
        if mode == "full":
            return dict(counts)
        if mode == "reduced":
            divisor = math.gcd(*counts.values()) if counts else 1
            return {symbol: count / divisor for symbol, count in counts.items()}
        if mode == "fractional":
            total = sum(counts.values())
            return {symbol: count / total for symbol, count in counts.items()}
        raise ValueError(f"unknown composition mode {mode!r}; choose full, reduced or fractional")

    @property
    def is_alloy(self) -> bool:
        return any(kind.is_alloy for kind in self.kinds)

    @property
    def has_vacancies(self) -> bool:
        return any(kind.has_vacancies for kind in self.kinds)

    # -- storing -------------------------------------------------------------------------------

    def _validate(self) -> None:
        """The checks AiiDA makes: a cell with volume along the periodic directions, consistent kinds."""
        super()._validate()
        try:
            _valid_cell(self.base.attributes.get("cell", None))
            _valid_pbc([self.base.attributes.get(key, None) for key in ("pbc1", "pbc2", "pbc3")])
            kinds, sites = self.kinds, self.sites
        except (ValueError, TypeError, AttributeError) as exc:
            raise InputValidationError(f"StructureData {self.uuid} is invalid: {exc}") from exc
        dimensionality = self.get_dimensionality()
        if dimensionality["dim"] and dimensionality["value"] == 0:
            raise InputValidationError(
                f"StructureData {self.uuid} is periodic along {dimensionality['dim']} directions but its "
                f"cell has {dimensionality['label']} 0; set a cell (or pbc=False for a molecule)"
            )
        names = Counter(kind.name for kind in kinds)
        duplicated = sorted(name for name, count in names.items() if count > 1)
        unknown = sorted({site.kind_name for site in sites} - set(names))
        unused = sorted(set(names) - {site.kind_name for site in sites})
        for problem, found in (("duplicated", duplicated), ("unknown", unknown), ("site-less", unused)):
            if found:
                raise InputValidationError(f"StructureData {self.uuid} has {problem} kinds {found}")
