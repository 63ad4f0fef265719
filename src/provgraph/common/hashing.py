"""Content hashes of Python values, bit-identical to aiida-core 2.9's ``make_hash``.

AiiDA stores such a hash on every node (the ``_aiida_hash`` extra) and finds cache sources by it,
so provgraph must produce the very same hex string for the same content: a node stored by either
program is then found by the other. The scheme is BLAKE2b tree hashing: every leaf value becomes
one 32-byte digest whose *personalisation* names its type (``str``, ``int``, ``float``, ...), so
that ``1`` and ``'1'`` differ; containers contribute an opening digest, their children's digests
and a closing one; the root digest chains all of them. Consequences worth knowing:

* Numbers hash through their text: floats (and datetimes, as epoch seconds) are formatted with 14
  significant digits, so ``0.1 + 0.2`` and ``0.3`` hash alike, and ``-0.0`` like ``0.0``.
  Integers hash as their decimal text, so ``1`` and ``1.0`` still differ (``int`` vs ``float``).
* Types are matched by their abstract kind, as ``functools.singledispatch`` does: any
  ``Sequence`` (list, tuple, bytearray) hashes like a list, any ``Mapping`` like a dict (keys
  ordered by their own digests), numpy scalars like the Python numbers they register as.
  Anything else (numpy arrays, arbitrary objects) raises :class:`HashingError`.
* ``bytes`` hash exactly like the ``str`` they encode in UTF-8 (AiiDA's choice).
"""

from __future__ import annotations

import hashlib
import numbers
import os
import uuid
from collections import OrderedDict, abc
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import lru_cache, singledispatch
from pathlib import Path
from typing import Any, BinaryIO

from provgraph.exceptions import HashingError as _HashingError
from provgraph.exceptions import InputValidationError

__all__ = [
    "FLOAT_PRECISION",
    "HashingError",
    "LocalFolder",
    "float_to_text",
    "make_hash",
    "sha256_of_stream",
]

FLOAT_PRECISION = 14
"""Significant digits of floats in hashes (AiiDA's ``AIIDA_FLOAT_PRECISION``); changing it
changes every hash."""

_CHUNK = 1 << 20
_CACHED_STR_LENGTH = 128


class HashingError(_HashingError, InputValidationError):
    """A value of a type that has no defined hash (e.g. a numpy array or an arbitrary object).

    Also ``provgraph.exceptions.HashingError`` (aiida-core's name), so one ``except`` catches both.
    """


@dataclass(frozen=True, slots=True)
class LocalFolder:
    """A directory on the local disk, hashed by its content (AiiDA's ``Folder`` case).

    The folder's own name is not part of the hash; entries are visited sorted by name, and names
    in ``make_hash(..., ignored_folder_content=...)`` are skipped at every level.
    """

    path: Path


@dataclass(frozen=True, slots=True)
class _Options:
    odict_as_unordered: bool = False
    ignored_folder_content: frozenset[str] = frozenset()


_DEFAULTS = _Options()


def _blake2b(
    content: bytes = b"", *, person: bytes = b"", node_depth: int = 0, last_node: bool = False
) -> Any:
    """A BLAKE2b hasher in tree mode: unlimited fanout, depth 2 (leaves at node depth 0, the
    root at 1), 32-byte digests with 64-byte inner hashes."""
    return hashlib.blake2b(
        content,
        person=person,
        node_depth=node_depth,
        last_node=last_node,
        fanout=0,
        depth=2,
        digest_size=32,
        inner_size=64,
    )


def _leaf(kind: str, content: bytes = b"") -> bytes:
    return _blake2b(content, person=kind.encode("ascii")).digest()  # type: ignore[no-any-return]


_END = _leaf(")")
_LIST = _leaf("list(")
_SET = _leaf("set(")
_DICT = _leaf("dict(")
_ODICT = _leaf("odict(")
_NONE = _leaf("none")
_TRUE = _leaf("bool", b"\x01")
_FALSE = _leaf("bool", b"\x00")
_FOLDER = _leaf("folder")
_LAST_LEAF: bytes = _blake2b(last_node=True).digest()


def make_hash(
    value: Any, *, odict_as_unordered: bool = False, ignored_folder_content: abc.Iterable[str] = ()
) -> str:
    """The 64-hex-digit hash of ``value`` (nested containers included), as AiiDA computes it.

    ``odict_as_unordered`` hashes ``OrderedDict`` values like plain dicts (their order ignored);
    ``ignored_folder_content`` names entries to skip inside :class:`LocalFolder` values.
    Raises :class:`HashingError` for a value of a type without a defined hash.
    """
    options = _Options(odict_as_unordered, frozenset(ignored_folder_content))
    root = _blake2b(node_depth=1, last_node=True)
    for digest in _digests_of(value, options):
        root.update(digest)
    root.update(_LAST_LEAF)
    return root.hexdigest()  # type: ignore[no-any-return]


def float_to_text(value: Any, sig: int = FLOAT_PRECISION) -> str:
    """``value`` with ``sig`` significant digits (``'%g'`` style); ``-0.0`` gives ``'0'``."""
    if value == 0:
        value = 0.0
    try:
        return format(value, f".{sig}g")
    except (TypeError, ValueError) as exc:
        raise HashingError(
            f"cannot format {value!r} ({type(value).__name__}) as a number to hash it"
        ) from exc


def sha256_of_stream(handle: BinaryIO) -> str:
    """The sha256 hex digest of everything ``handle`` yields, read in chunks (never whole)."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(_CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


# -- one function per kind of value; dispatch follows the abstract base classes ---------------


@singledispatch
def _digests(value: Any, options: _Options) -> list[bytes]:
    raise HashingError(
        f"a value of type {type(value).__module__}.{type(value).__qualname__} cannot be hashed: "
        f"{value!r:.80}; convert it to JSON-like Python values (numpy arrays: .tolist())"
    )


@lru_cache(maxsize=4096)
def _short_str_leaf(value: str) -> bytes:
    """Keys, class names and small values recur in every node; their digests are kept."""
    return _leaf("str", value.encode("utf-8"))


@_digests.register(str)
def _(value: str, options: _Options) -> list[bytes]:
    try:
        if len(value) <= _CACHED_STR_LENGTH:
            return [_short_str_leaf(value)]
        return [_leaf("str", value.encode("utf-8"))]
    except UnicodeEncodeError as exc:
        raise HashingError(f"string {value!r:.80} is not valid Unicode (lone surrogate?): {exc}") from exc


@_digests.register(bytes)
def _(value: bytes, options: _Options) -> list[bytes]:
    return [_leaf("str", value)]


@_digests.register(abc.Sequence)
def _(value: abc.Sequence[Any], options: _Options) -> list[bytes]:
    result = [_LIST]
    for item in value:
        result += _digests_of(item, options)
    result.append(_END)
    return result


@_digests.register(abc.Set)
def _(value: abc.Set[Any], options: _Options) -> list[bytes]:
    result = [_SET]
    for item_digests in sorted(_digests_of(item, options) for item in value):
        result += item_digests
    result.append(_END)
    return result


@_digests.register(abc.Mapping)
def _(value: abc.Mapping[Any, Any], options: _Options) -> list[bytes]:
    """Items ordered by the digests of their keys, so insertion order does not matter."""
    keyed = sorted(
        ((_digests_of(key, options), item) for key, item in value.items()), key=lambda pair: pair[0]
    )
    result = [_DICT]
    for key_digests, item in keyed:
        result += key_digests
        result += _digests_of(item, options)
    result.append(_END)
    return result


@_digests.register(OrderedDict)
def _(value: OrderedDict[Any, Any], options: _Options) -> list[bytes]:
    """Items in their order; with ``odict_as_unordered`` like a dict, whose nested values then
    hash with the default options (as AiiDA does)."""
    if options.odict_as_unordered:
        return _digests.registry[abc.Mapping](value, _DEFAULTS)
    result = [_ODICT]
    for key, item in value.items():
        result += _digests_of(key, options)
        result += _digests_of(item, options)
    result.append(_END)
    return result


@_digests.register(numbers.Real)
def _(value: numbers.Real, options: _Options) -> list[bytes]:
    return [_leaf("float", float_to_text(value).encode("utf-8"))]


@_digests.register(numbers.Integral)
def _(value: numbers.Integral, options: _Options) -> list[bytes]:
    return [_leaf("int", f"{value}".encode())]


@_digests.register(numbers.Complex)
def _(value: numbers.Complex, options: _Options) -> list[bytes]:
    return [_leaf("complex", f"{float_to_text(value.real)}!{float_to_text(value.imag)}".encode())]


@_digests.register(Decimal)
def _(value: Decimal, options: _Options) -> list[bytes]:
    """Like the float or int it equals; NaN and infinities hash as their text."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, str):
        return [_leaf("str", f"{value}".encode())]
    if exponent < 0:
        return [_leaf("float", float_to_text(value).encode("utf-8"))]
    return [_leaf("int", f"{value}".encode())]


@_digests.register(bool)
def _(value: bool, options: _Options) -> list[bytes]:
    return [_TRUE if value else _FALSE]


@_digests.register(type(None))
def _(value: None, options: _Options) -> list[bytes]:
    return [_NONE]


@_digests.register(datetime)
def _(value: datetime, options: _Options) -> list[bytes]:
    """Epoch seconds as a float; a naive datetime is taken to be UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=timezone.utc)
    return [_leaf("datetime", float_to_text(value.timestamp()).encode("utf-8"))]


@_digests.register(date)
def _(value: date, options: _Options) -> list[bytes]:
    return [_leaf("date", value.isoformat().encode("utf-8"))]


@_digests.register(uuid.UUID)
def _(value: uuid.UUID, options: _Options) -> list[bytes]:
    return [_leaf("uuid", value.bytes)]


@_digests.register(LocalFolder)
def _(value: LocalFolder, options: _Options) -> list[bytes]:
    return [_FOLDER, *_folder_digests(Path(value.path), options.ignored_folder_content)]


# The handler of each common exact type, looked up without singledispatch's per-call overhead
# (the same functions it would pick for these types).
_EXACT_HANDLERS = {
    kind: _digests.dispatch(kind) for kind in (str, int, float, bool, type(None), dict, list, tuple)
}


def _digests_of(value: Any, options: _Options) -> list[bytes]:
    handler = _EXACT_HANDLERS.get(type(value))
    if handler is None:
        return _digests(value, options)
    return handler(value, options)


def _folder_digests(folder: Path, ignored: frozenset[str]) -> abc.Iterator[bytes]:
    """Each entry by name: a file as its name and content, a directory as its name and entries."""
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise HashingError(f"cannot list folder {str(folder)!r} to hash it: {exc}") from exc
    for name in names:
        if name in ignored:
            continue
        path = folder / name
        if os.path.isfile(path):
            yield _leaf("fname", name.encode("utf-8"))
            yield _file_leaf(path)
        else:
            yield _leaf("dir(", name.encode("utf-8"))
            yield from _folder_digests(path, ignored)
            yield _END


def _file_leaf(path: Path) -> bytes:
    """The ``fcontent`` leaf of a file, streamed (the same digest as hashing it whole)."""
    digest = _blake2b(person=b"fcontent")
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.digest()  # type: ignore[no-any-return]
