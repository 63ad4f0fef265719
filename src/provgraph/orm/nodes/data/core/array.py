"""``ArrayData``: named numpy arrays (AiiDA's ``data.core.array.ArrayData.``).

Each array is a ``<name>.npy`` file in the node's repository (written by ``numpy.save`` without
pickling, so any numpy can read it and no code runs on load) and its shape is the attribute
``array|<name>``: exactly AiiDA's layout, so both programs read each other's arrays. Shapes in
the attributes let queries and listings see arrays without opening files.

numpy is imported on first use, so importing the ORM stays fast.
"""

from __future__ import annotations

import base64
import io
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO

from provgraph.common.warnings import warn_deprecation
from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.data import Data

if TYPE_CHECKING:
    import numpy.typing as npt

    Array = npt.NDArray[Any]

__all__ = ["ArrayData"]

PREFIX = "array|"
SUFFIX = ".npy"
_NAME = re.compile(r"[0-9A-Za-z_]+")


def load_numpy() -> Any:
    """The numpy module, imported on first use (``import provgraph`` does not pay for it)."""
    import numpy

    return numpy


class ArrayData(Data, node_type="data.core.array.ArrayData."):
    """A set of named arrays; stored arrays are read once and then served from memory."""

    array_prefix = PREFIX
    default_array_name = "default"

    def __init__(
        self, arrays: Array | Sequence[Any] | Mapping[str, Any] | None = None, **kwargs: Any
    ) -> None:
        """``arrays``: one array (named ``default``, as AiiDA) or a mapping of names to arrays."""
        super().__init__(**kwargs)
        self._cached_arrays: dict[str, Array] = {}
        if arrays is None:
            return
        named = arrays if isinstance(arrays, Mapping) else {self.default_array_name: arrays}
        numpy = load_numpy()
        for name, array in named.items():
            self.set_array(name, array if isinstance(array, numpy.ndarray) else _as_array(name, array))

    def _init_from_row(self) -> None:
        super()._init_from_row()
        self._cached_arrays = {}

    # -- writing (unstored nodes only) ---------------------------------------------------------

    def set_array(self, name: str, array: Array) -> None:
        """Add the array ``name`` or replace it; names are letters, digits and underscores."""
        numpy = load_numpy()
        if not isinstance(array, numpy.ndarray):
            raise TypeError(
                f"ArrayData stores numpy arrays, got {type(array).__name__} for {name!r}; "
                "convert it with numpy.asarray first"
            )
        _check_name(name)
        if array.dtype.hasobject:
            raise InputValidationError(
                f"array {name!r} holds Python objects (dtype {array.dtype}), which .npy files can only "
                "store by pickling; convert it to a numeric, bool or string dtype"
            )
        with tempfile.TemporaryFile() as handle:
            numpy.save(handle, array, allow_pickle=False)
            handle.seek(0)
            self.base.repository.put_object_from_filelike(handle, f"{name}{SUFFIX}")
        self.base.attributes.set(f"{PREFIX}{name}", [int(size) for size in array.shape])
        self._cached_arrays.pop(name, None)

    def delete_array(self, name: str) -> None:
        """Remove the array ``name``; ``KeyError`` if there is none."""
        if name not in self.get_arraynames():
            raise KeyError(f"ArrayData has no array {name!r}; it has {self.get_arraynames()}")
        self.base.repository.delete_object(f"{name}{SUFFIX}")
        self.base.attributes.delete(f"{PREFIX}{name}")
        self._cached_arrays.pop(name, None)

    # -- reading -------------------------------------------------------------------------------

    def get_arraynames(self) -> list[str]:
        """The names of the arrays, sorted (both backends then agree on the order)."""
        return sorted(key[len(PREFIX) :] for key in self.base.attributes.all if key.startswith(PREFIX))

    def get_shape(self, name: str) -> tuple[int, ...]:
        """The shape of array ``name``, from the attributes (no file is read)."""
        shape = self.base.attributes.get(f"{PREFIX}{name}", None)
        if shape is None:
            raise KeyError(f"ArrayData has no array {name!r}; it has {self.get_arraynames()}")
        return tuple(shape)

    def get_array(self, name: str | None = None) -> Array:
        """The array ``name``; without a name, the only array (``ValueError`` if not exactly one)."""
        if name is None:
            names = self.get_arraynames()
            if not names:
                raise ValueError("`name` not specified but the node contains no arrays.")
            if len(names) > 1:
                raise ValueError(f"`name` not specified but the node contains multiple arrays. ({names})")
            name = names[0]
        cached = self._cached_arrays.get(name)
        if cached is not None:
            return cached
        array = self._read_array(name)
        if self.is_stored:  # an unstored node's arrays can still change
            self._cached_arrays[name] = array
        return array

    def _read_array(self, name: str) -> Array:
        filename = f"{name}{SUFFIX}"
        if f"{PREFIX}{name}" not in self.base.attributes:
            raise KeyError(f"ArrayData has no array {name!r}; it has {self.get_arraynames()}")
        numpy = load_numpy()
        with self.base.repository.open(filename, "rb") as handle:
            # numpy.load needs to seek; packed objects are only streamed, so read those whole.
            source: BinaryIO = handle if isinstance(handle, io.BufferedReader) else io.BytesIO(handle.read())
            array: Array = numpy.load(source, allow_pickle=False)
        return array

    def get_iterarrays(self) -> Iterator[tuple[str, Array]]:
        """``(name, array)`` for every array."""
        for name in self.get_arraynames():
            yield name, self.get_array(name)

    @property
    def arrays(self) -> dict[str, Array]:
        return {name: self.get_array(name) for name in self.get_arraynames()}

    @staticmethod
    def save_arrays(arrays: Mapping[str, Array]) -> dict[str, bytes]:
        """Deprecated (aiida-core 2.x): each array as base64 of its ``.npy`` bytes."""
        warn_deprecation(
            "`ArrayData.save_arrays` is deprecated; use `numpy.save` with `io.BytesIO` instead", version=3
        )
        numpy = load_numpy()
        encoded = {}
        for name, array in arrays.items():
            stream = io.BytesIO()
            numpy.save(stream, array, allow_pickle=False)
            encoded[name] = base64.encodebytes(stream.getvalue())
        return encoded

    @staticmethod
    def load_arrays(arrays: Mapping[str, bytes]) -> dict[str, Array]:
        """Deprecated (aiida-core 2.x): the arrays :meth:`save_arrays` encoded."""
        warn_deprecation(
            "`ArrayData.load_arrays` is deprecated; use `numpy.load` with `io.BytesIO` instead", version=3
        )
        numpy = load_numpy()
        return {
            name: numpy.load(io.BytesIO(base64.decodebytes(data)), allow_pickle=False)
            for name, data in arrays.items()
        }

    def clear_internal_cache(self) -> None:
        """Forget the arrays read so far (they are read again on the next access)."""
        self._cached_arrays = {}

    def _validate(self) -> None:
        """Every ``array|`` attribute has its ``.npy`` file and every ``.npy`` file its attribute."""
        super()._validate()
        files = {
            name[: -len(SUFFIX)] for name in self.base.repository.list_object_names() if name.endswith(SUFFIX)
        }
        attributes = set(self.get_arraynames())
        if files != attributes:
            raise InputValidationError(
                f"ArrayData {self.uuid}: the arrays {sorted(attributes)} in the attributes do not match the "
                f"files {sorted(files)}; add and remove arrays with set_array and delete_array only"
            )


def _check_name(name: object) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"invalid array name {name!r}: use only letters, digits and underscores")


def _as_array(name: str, values: Any) -> Array:
    """A sequence given to the constructor, as an array (AiiDA accepts lists there too)."""
    numpy = load_numpy()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"ArrayData takes arrays or sequences, got {type(values).__name__} for {name!r}")
    array: Array = numpy.asarray(values)
    return array
