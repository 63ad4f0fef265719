"""``Kind`` and ``Site``: the species and the atoms of a StructureData.

Both are plain in-memory objects; a structure stores them as AiiDA does, through ``get_raw()``:
a kind is ``{"symbols", "weights", "mass", "name"}`` and a site ``{"position", "kind_name"}``.
A kind may be an alloy (several symbols with weights) or have vacancies (weights summing to
less than one), as in AiiDA.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from provgraph.orm.nodes.data.core.elements import ATOMIC_MASSES

__all__ = ["Kind", "Site"]

MASS_THRESHOLD = 1.0e-3
"""Masses closer than this count as equal when comparing kinds (AiiDA's threshold)."""
SUM_THRESHOLD = 1.0e-6
"""Weights summing to less than ``1 - SUM_THRESHOLD`` mean the kind has vacancies."""


def has_vacancies(weights: Sequence[float]) -> bool:
    return not 1.0 - sum(weights) < SUM_THRESHOLD


def symbols_string(symbols: Sequence[str], weights: Sequence[float]) -> str:
    """``"Fe"`` for a pure kind, else ``"{Fe0.50Ni0.50}"`` (with ``X`` for vacancies), as AiiDA."""
    if len(symbols) == 1 and weights[0] == 1.0:
        return symbols[0]
    pieces = [f"{symbol}{weight:4.2f}" for symbol, weight in zip(symbols, weights, strict=True)]
    if has_vacancies(weights):
        pieces.append(f"X{1.0 - sum(weights):4.2f}")
    return "{" + "".join(sorted(pieces)) + "}"


def _symbols(value: str | Iterable[str]) -> tuple[str, ...]:
    symbols = (value,) if isinstance(value, str) else tuple(value)
    unknown = [symbol for symbol in symbols if symbol not in ATOMIC_MASSES]
    if not symbols or unknown:
        raise ValueError(
            f"unknown chemical symbols {unknown or symbols!r}: use symbols such as 'H', 'Fe' (capitalised), "
            "or 'X' for an unknown element"
        )
    return symbols


def _weights(value: float | Iterable[float] | None, count: int) -> tuple[float, ...]:
    if value is None:
        weights: tuple[float, ...] = (1.0,)
    elif isinstance(value, (int, float, numbers.Real)):
        weights = (float(value),)
    else:
        weights = tuple(float(weight) for weight in value)
    if len(weights) != count:
        raise ValueError(f"give one weight per symbol: {count} symbols, {len(weights)} weights")
    if any(weight < 0.0 for weight in weights) or sum(weights) - 1.0 > SUM_THRESHOLD:
        raise ValueError(f"invalid weights {weights}: each must be >= 0 and their sum <= 1")
    return weights


class Kind:
    """A species: one element, or an alloy of several with weights, with a mass and a name."""

    def __init__(
        self,
        symbols: str | Iterable[str] | None = None,
        weights: float | Iterable[float] | None = None,
        mass: float | None = None,
        name: str | None = None,
        *,
        raw: Mapping[str, Any] | None = None,
        kind: Kind | None = None,
    ) -> None:
        """Build from ``symbols`` (and weights, mass, name), a stored ``raw`` dict, or a ``kind`` to copy.

        The mass defaults to the weight-averaged atomic mass; the name to the sorted symbols
        (``X`` appended if there are vacancies).
        """
        if raw is not None or kind is not None:
            if symbols is not None or weights is not None or mass is not None or name is not None:
                raise ValueError("Kind(raw=...) and Kind(kind=...) take no other arguments")
            source = dict(raw) if raw is not None else kind.get_raw()  # type: ignore[union-attr]
            try:
                symbols, weights = source["symbols"], source["weights"]
                mass, name = source["mass"], source["name"]
            except KeyError as exc:
                raise ValueError(
                    f"a raw kind needs symbols, weights, mass and name; {exc} is missing"
                ) from None
        if symbols is None:
            raise ValueError("a Kind needs its symbols, e.g. Kind(symbols='Fe')")
        self.set_symbols_and_weights(symbols, weights)
        self._mass: float | None = None
        if mass is None:
            self.reset_mass()
        else:
            self.mass = mass
        self._name = str(name) if name is not None else self._automatic_name()

    def set_symbols_and_weights(
        self, symbols: str | Iterable[str], weights: float | Iterable[float] | None
    ) -> None:
        checked = _symbols(symbols)
        self._weights = _weights(weights, len(checked))
        self._symbols = checked

    def _automatic_name(self) -> str:
        name = "".join(sorted(set(self._symbols)))
        return f"{name}X" if self.has_vacancies else name

    def reset_mass(self) -> None:
        """The weight-averaged mass of the elements (computed in AiiDA's order, for equal floats)."""
        total = sum(self._weights)
        if abs(total) < SUM_THRESHOLD:
            self._mass = None
            return
        normalised = (weight / total for weight in self._weights)
        self._mass = sum(
            w * ATOMIC_MASSES[symbol] for w, symbol in zip(normalised, self._symbols, strict=True)
        )

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def weights(self) -> tuple[float, ...]:
        return self._weights

    @property
    def symbol(self) -> str:
        """The symbol of a pure kind; ``ValueError`` for an alloy."""
        if len(self._symbols) != 1:
            raise ValueError(f"kind {self._name!r} is an alloy of {self._symbols}; use .symbols")
        return self._symbols[0]

    @property
    def mass(self) -> float | None:
        return self._mass

    @mass.setter
    def mass(self, value: float) -> None:
        mass = float(value)
        if not mass > 0:
            raise ValueError(f"a kind's mass must be positive, got {value!r}")
        self._mass = mass

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        self._name = str(value)

    @property
    def is_alloy(self) -> bool:
        return len(self._symbols) != 1

    @property
    def has_vacancies(self) -> bool:
        return has_vacancies(self._weights)

    def get_symbols_string(self) -> str:
        return symbols_string(self._symbols, self._weights)

    def get_raw(self) -> dict[str, Any]:
        """The dict a structure stores for this kind (AiiDA's layout)."""
        return {
            "symbols": list(self._symbols),
            "weights": list(self._weights),
            "mass": self._mass,
            "name": self._name,
        }

    def compare_with(self, other: Kind) -> tuple[bool, str]:
        """``(True, "")`` if same symbols, weights and (nearly) mass, else ``(False, first difference)``."""
        if self._symbols != other.symbols:
            return False, f"different symbols ({self._symbols} vs. {other.symbols})"
        if self._weights != other.weights:
            return False, f"different weights ({self._weights} vs. {other.weights})"
        if (self._mass is None) != (other.mass is None) or (
            self._mass is not None
            and other.mass is not None
            and abs(self._mass - other.mass) > MASS_THRESHOLD
        ):
            return False, f"different masses ({self._mass} vs. {other.mass})"
        return True, ""

    def __repr__(self) -> str:
        return f"<Kind: name {self._name!r}, symbol {self.get_symbols_string()!r}>"


def _position(value: Any) -> tuple[float, float, float]:
    try:
        x, y, z = (float(coordinate) for coordinate in value)
    except (TypeError, ValueError):
        raise ValueError(f"a position is three numbers (x, y, z in angstrom), got {value!r}") from None
    return x, y, z


class Site:
    """An atom: a position (angstrom, Cartesian) and the name of its kind."""

    def __init__(
        self,
        kind_name: str | None = None,
        position: Sequence[float] | None = None,
        *,
        raw: Mapping[str, Any] | None = None,
        site: Site | None = None,
    ) -> None:
        if raw is not None or site is not None:
            if kind_name is not None or position is not None:
                raise ValueError("Site(raw=...) and Site(site=...) take no other arguments")
            source = dict(raw) if raw is not None else site.get_raw()  # type: ignore[union-attr]
            kind_name, position = source.get("kind_name"), source.get("position")
        if kind_name is None or position is None:
            raise ValueError("a Site needs a kind_name and a position")
        self._kind_name = str(kind_name)
        self._position = _position(position)

    @property
    def kind_name(self) -> str:
        return self._kind_name

    @kind_name.setter
    def kind_name(self, value: str) -> None:
        self._kind_name = str(value)

    @property
    def position(self) -> tuple[float, float, float]:
        return self._position

    @position.setter
    def position(self, value: Sequence[float]) -> None:
        self._position = _position(value)

    def get_raw(self) -> dict[str, Any]:
        """The dict a structure stores for this site (AiiDA's layout)."""
        return {"position": list(self._position), "kind_name": self._kind_name}

    def __repr__(self) -> str:
        x, y, z = self._position
        return f"<Site: kind name {self._kind_name!r} @ {x},{y},{z}>"
