"""Stream adapters between text and bytes that never hold a whole object in memory.

Object stores hand out minimal read-only streams (disk-objectstore's packed readers lack parts
of the ``io`` protocol), and users hand in text handles (``StringIO``, text-mode temp files)
where bytes are expected. These adapters convert one chunk at a time.
"""

from __future__ import annotations

import io
from typing import IO, Any, BinaryIO, TextIO

__all__ = ["EncodingReader", "is_text_stream", "text_reader"]

_CHUNK = 1 << 16


def is_text_stream(handle: IO[Any]) -> bool:
    """Whether ``handle`` yields ``str`` (probed with a zero-length read, which consumes nothing)."""
    return isinstance(handle.read(0), str)


class EncodingReader(io.RawIOBase):
    """A binary view of a text handle: reads text lazily and returns it UTF-8 encoded."""

    def __init__(self, handle: IO[str], encoding: str = "utf-8") -> None:
        super().__init__()
        self._handle = handle
        self._encoding = encoding
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        while not self._pending:
            text = self._handle.read(max(1, len(view) // 4))
            if not text:
                return 0
            self._pending = text.encode(self._encoding)
        size = min(len(view), len(self._pending))
        view[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


class _RawReader(io.RawIOBase):
    """The ``io`` protocol over anything with ``read(size)``, without owning (closing) it."""

    def __init__(self, handle: BinaryIO) -> None:
        super().__init__()
        self._handle = handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self._handle.read(len(view))
        view[: len(data)] = data
        return len(data)


def text_reader(handle: BinaryIO, encoding: str = "utf-8") -> TextIO:
    """A text handle decoding ``handle`` as it is read; newlines are left as they are."""
    buffered = io.BufferedReader(_RawReader(handle), buffer_size=_CHUNK)
    return io.TextIOWrapper(buffered, encoding=encoding, newline="\n")
