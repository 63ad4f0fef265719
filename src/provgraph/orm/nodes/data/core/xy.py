"""``XyData``: y arrays that are functions of one x array (AiiDA's ``data.core.array.xy.XyData.``).

The layout is AiiDA's: arrays ``x_array`` and ``y_array_0``, ``y_array_1``, ... plus the
attributes ``x_name``, ``x_units``, ``y_names`` and ``y_units``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from provgraph.exceptions import NotExistent
from provgraph.orm.nodes.data.core.array import ArrayData, load_numpy

if TYPE_CHECKING:
    from provgraph.orm.nodes.data.core.array import Array

__all__ = ["XyData"]

_X = "x_array"


def _y_array(index: int) -> str:
    return f"y_array_{index}"


def _as_list(item: Any) -> list[Any]:
    return list(item) if isinstance(item, (list, tuple)) else [item]


class XyData(ArrayData, node_type="data.core.array.xy.XyData."):
    """One x array with a name and units, and y arrays of the same shape with theirs."""

    def __init__(
        self,
        x_array: Any = None,
        y_arrays: Any = None,
        *,
        x_name: str | None = None,
        x_units: str | None = None,
        y_names: str | Sequence[str] | None = None,
        y_units: str | Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        """With ``x_array``, every other argument is needed too (as AiiDA)."""
        super().__init__(**kwargs)
        if x_array is None:
            return
        if x_name is None or x_units is None or y_arrays is None or y_names is None or y_units is None:
            raise TypeError("XyData(x_array, ...) also needs y_arrays, x_name, x_units, y_names and y_units")
        numpy = load_numpy()
        self.set_x(numpy.asarray(x_array), x_name, x_units)
        if isinstance(y_names, str):
            self.set_y(numpy.asarray(y_arrays), y_names, y_units)
        else:
            self.set_y([numpy.asarray(array) for array in y_arrays], y_names, y_units)

    @staticmethod
    def _check(array: Any, name: Any, units: Any) -> None:
        numpy = load_numpy()
        if not isinstance(name, str):
            raise TypeError(f"an XyData array name must be a str, got {type(name).__name__} {name!r}")
        if not isinstance(units, str):
            raise TypeError(f"the units of {name!r} must be a str, got {type(units).__name__} {units!r}")
        if not isinstance(array, numpy.ndarray):
            raise TypeError(f"array {name!r} must be a numpy array, got {type(array).__name__}")
        try:
            array.astype(float)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"array {name!r} must hold numbers, got dtype {array.dtype}") from exc

    # -- writing -------------------------------------------------------------------------------

    def set_x(self, x_array: Array, x_name: str, x_units: str) -> None:
        """Set the x array with its name and units (before any y array)."""
        self._check(x_array, x_name, x_units)
        self.base.attributes.set_many({"x_name": x_name, "x_units": x_units})
        self.set_array(_X, x_array)

    def set_y(
        self, y_arrays: Array | Sequence[Array], y_names: str | Sequence[str], y_units: str | Sequence[str]
    ) -> None:
        """Set one y array or several (lists of arrays, names and units), each shaped like x."""
        arrays, names, units = _as_list(y_arrays), _as_list(y_names), _as_list(y_units)
        if not len(arrays) == len(names) == len(units):
            raise ValueError(
                f"give as many y names and units as y arrays: {len(arrays)} arrays, {len(names)} names, "
                f"{len(units)} units"
            )
        if _X not in self.get_arraynames():
            raise ValueError("set the x array with set_x before the y arrays")
        x_shape = self.get_shape(_X)
        for array, name, unit in zip(arrays, names, units, strict=True):
            self._check(array, name, unit)
            if tuple(array.shape) != x_shape:
                raise ValueError(
                    f"y_array {name!r} (shape {array.shape}) does not have the same shape as x_array! "
                    f"(shape {x_shape})"
                )
        for index, array in enumerate(arrays):
            self.set_array(_y_array(index), array)
        for stale in range(len(arrays), len(self.y_names or ())):
            self.delete_array(_y_array(stale))
        self.base.attributes.set_many({"y_names": names, "y_units": units})

    # -- reading -------------------------------------------------------------------------------

    @property
    def x_name(self) -> str | None:
        return self.base.attributes.get("x_name", None)  # type: ignore[no-any-return]

    @property
    def x_units(self) -> str | None:
        return self.base.attributes.get("x_units", None)  # type: ignore[no-any-return]

    @property
    def y_names(self) -> list[str] | None:
        return self.base.attributes.get("y_names", None)  # type: ignore[no-any-return]

    @property
    def y_units(self) -> list[str] | None:
        return self.base.attributes.get("y_units", None)  # type: ignore[no-any-return]

    def get_x(self) -> tuple[str, Array, str]:
        """``(name, array, units)`` of x; ``NotExistent`` if it was not set."""
        name, units = self.x_name, self.x_units
        if name is None or units is None or _X not in self.get_arraynames():
            raise NotExistent(f"XyData {self.uuid} has no x array; set it with set_x")
        return name, self.get_array(_X), units

    def get_y(self) -> list[tuple[str, Array, str]]:
        """``(name, array, units)`` of every y array; ``NotExistent`` if none was set."""
        names, units = self.y_names, self.y_units
        if names is None or units is None:
            raise NotExistent(f"XyData {self.uuid} has no y arrays; set them with set_y")
        return [
            (name, self.get_array(_y_array(index)), unit)
            for index, (name, unit) in enumerate(zip(names, units, strict=True))
        ]
