"""Chemical formulae from a list of symbols, in the modes AiiDA's ``get_formula`` offers.

``hill`` (the default): C first, then H, then the rest alphabetically if there is carbon,
otherwise everything alphabetically (``['S','O','O','H','O','H','O']`` -> ``H2O4S``).
``hill_compact``: the same divided by the greatest common divisor of the counts.
``count``: counts in order of first appearance; ``count_compact``: divided by the gcd.
``reduce``: runs of the same symbol collapsed, order kept (``BaTiO3BaTiO3``).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Sequence

__all__ = ["FORMULA_MODES", "get_formula"]

FORMULA_MODES = ("hill", "hill_compact", "count", "count_compact", "reduce")


def get_formula(symbols: Sequence[str], mode: str = "hill", separator: str = "") -> str:
    """The formula of ``symbols`` in ``mode`` (one of ``FORMULA_MODES``), terms joined by ``separator``."""
    if mode not in FORMULA_MODES:
        raise ValueError(f"unknown formula mode {mode!r}; choose one of {', '.join(FORMULA_MODES)}")
    if mode == "reduce":
        return separator.join(_term(symbol, count) for symbol, count in _runs(symbols))
    counts = Counter(symbols)
    if mode.startswith("hill"):
        order = sorted(counts, key=_hill_key if "C" in counts else None)
    else:
        order = list(counts)  # a Counter keeps the order of first appearance
    if mode.endswith("_compact") and counts:
        divisor = functools.reduce(math.gcd, counts.values())
        counts = Counter({symbol: count // divisor for symbol, count in counts.items()})
    return separator.join(_term(symbol, counts[symbol]) for symbol in order)


def _hill_key(symbol: str) -> str:
    # '0' and '1' sort before every capital letter, putting C and H first.
    return {"C": "0", "H": "1"}.get(symbol, symbol)


def _term(symbol: str, count: int) -> str:
    return symbol if count == 1 else f"{symbol}{count}"


def _runs(symbols: Sequence[str]) -> list[tuple[str, int]]:
    runs: list[tuple[str, int]] = []
    for symbol in symbols:
        if runs and runs[-1][0] == symbol:
            runs[-1] = (symbol, runs[-1][1] + 1)
        else:
            runs.append((symbol, 1))
    return runs
