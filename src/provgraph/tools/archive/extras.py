"""How an imported node's extras combine with those of the same node already in the profile.

aiida-core names a merge by three letters: what happens to keys only the profile has (``k`` keep,
``n`` drop), to keys only the archive has (``c`` create, ``n`` skip), and to keys both have
(``l`` leave the profile's value, ``u`` update to the archive's, ``d`` delete). The command line
offers four named modes.

>>> from provgraph.tools.archive.extras import merge_extras, merge_mode
>>> merge_extras({"a": 1, "b": 2}, {"b": 3, "c": 4}, merge_mode("update_existing"))
{'a': 1, 'b': 3, 'c': 4}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from provgraph.exceptions import InputValidationError

__all__ = ["EXTRAS_MODES", "merge_extras", "merge_mode", "strip_internal_extras"]

#: The named modes of ``--extras-mode-existing`` and their letters.
EXTRAS_MODES: dict[str, tuple[str, str, str]] = {
    "keep_existing": ("k", "c", "l"),
    "update_existing": ("k", "c", "u"),
    "mirror": ("n", "c", "u"),
    "none": ("k", "n", "l"),
}

_INTERNAL_PREFIX = "_aiida_"


def merge_mode(mode: str | Sequence[str]) -> tuple[str, str, str]:
    """The three letters of a named mode, or a checked three-letter sequence."""
    if isinstance(mode, str) and mode in EXTRAS_MODES:
        return EXTRAS_MODES[mode]
    letters = tuple(mode)
    if (
        len(letters) != 3
        or letters[0] not in "kn"
        or letters[1] not in "cn"
        or letters[2] not in "lud"
        or any(len(letter) != 1 for letter in letters)
    ):
        raise InputValidationError(
            f"unknown extras merge mode {mode!r}: use one of {', '.join(EXTRAS_MODES)} or three letters "
            "(k|n, c|n, l|u|d)"
        )
    return letters[0], letters[1], letters[2]


def merge_extras(
    existing: Mapping[str, Any], imported: Mapping[str, Any], mode: tuple[str, str, str]
) -> dict[str, Any]:
    """The extras a node keeps when the archive brings ``imported`` and the profile has ``existing``."""
    old_only, new_only, both = mode
    merged: dict[str, Any] = {}
    for key, value in existing.items():
        if key in imported:
            if both == "l":
                merged[key] = value
            elif both == "u":
                merged[key] = imported[key]
        elif old_only == "k":
            merged[key] = value
    if new_only == "c":
        for key, value in imported.items():
            if key not in existing:
                merged[key] = value
    return merged


def strip_internal_extras(extras: Mapping[str, Any]) -> dict[str, Any]:
    """The extras of a new node without AiiDA's internal ones (hash, cache flags): they are recomputed."""
    return {key: value for key, value in extras.items() if not key.startswith(_INTERNAL_PREFIX)}
