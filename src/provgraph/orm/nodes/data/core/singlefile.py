"""``SinglefileData``: one file in the node's repository (AiiDA's ``data.core.singlefile.SinglefileData.``).

The file's name is the attribute ``filename`` and its content the only repository object, as in
AiiDA. Content is streamed in and out, never held whole in memory unless asked for
(``get_content``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO, Literal, TextIO, overload

from provgraph.exceptions import InputValidationError
from provgraph.orm.nodes.data.data import Data

__all__ = ["SinglefileData"]

FileSource = str | os.PathLike[str] | IO[Any]


class SinglefileData(Data, node_type="data.core.singlefile.SinglefileData."):
    """One file: ``SinglefileData("/path/notes.txt")``, ``SinglefileData(io.BytesIO(b"..."), "a.bin")``."""

    DEFAULT_FILENAME = "file.txt"

    def __init__(
        self,
        file: FileSource | None = None,
        filename: str | os.PathLike[str] | None = None,
        content: str | bytes | IO[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        """``file`` is a local path or an open file-like object (text handles are stored as UTF-8).

        ``filename`` names the stored file; by default the path's (or handle's) base name, else
        ``file.txt``. ``content`` (aiida-core's keyword) gives the file's content itself: text,
        bytes or an open file, never a path.
        """
        super().__init__(**kwargs)
        if file is not None and content is not None:
            raise ValueError("give either `file` or `content`, not both")
        if isinstance(content, str):
            file = io.StringIO(content)
        elif isinstance(content, bytes):
            file = io.BytesIO(content)
        elif content is not None:
            file = content
        if file is not None:
            self.set_file(file, filename=filename)

    @classmethod
    def from_string(cls, content: str, filename: str | None = None, **kwargs: Any) -> SinglefileData:
        """A node whose file holds ``content`` encoded as UTF-8."""
        return cls(io.StringIO(content), filename, **kwargs)

    @classmethod
    def from_bytes(cls, content: bytes, filename: str | None = None, **kwargs: Any) -> SinglefileData:
        return cls(io.BytesIO(content), filename, **kwargs)

    # -- writing (unstored nodes only) ---------------------------------------------------------

    def set_file(self, file: FileSource, filename: str | os.PathLike[str] | None = None) -> None:
        """Make the content of ``file`` the node's only file, named ``filename``."""
        repository = self.base.repository
        if isinstance(file, (str, os.PathLike)):
            path = Path(file)
            if not path.is_file():
                raise FileNotFoundError(f"SinglefileData needs an existing file, {str(path)!r} is not one")
            name = _checked_name(filename if filename is not None else path.name)
            repository.erase()
            repository.put_object_from_file(path, name)
        elif callable(getattr(file, "read", None)):
            default = os.path.basename(getattr(file, "name", "") or "") if filename is None else filename
            name = _checked_name(default or self.DEFAULT_FILENAME)
            repository.erase()
            repository.put_object_from_filelike(file, name)
        else:
            raise TypeError(
                f"SinglefileData takes a file path or a file-like object, got {type(file).__name__}"
            )
        self.base.attributes.set("filename", name)

    # -- reading -------------------------------------------------------------------------------

    @property
    def filename(self) -> str:
        return str(self.base.attributes.get("filename"))

    @overload
    def open(self, path: str | None = None, mode: Literal["r"] = ...) -> AbstractContextManager[TextIO]: ...

    @overload
    def open(self, path: str | None, mode: Literal["rb"]) -> AbstractContextManager[BinaryIO]: ...

    @overload
    def open(self, *, mode: Literal["rb"]) -> AbstractContextManager[BinaryIO]: ...

    def open(
        self, path: str | None = None, mode: Literal["r", "rb"] = "r"
    ) -> AbstractContextManager[TextIO] | AbstractContextManager[BinaryIO]:
        """A read handle on the file: text (UTF-8) with ``'r'``, bytes with ``'rb'``."""
        name = self.filename if path is None else path
        if mode == "rb":
            return self.base.repository.open(name, "rb")
        return self.base.repository.open(name, mode)

    @overload
    def get_content(self, mode: Literal["r"] = ...) -> str: ...

    @overload
    def get_content(self, mode: Literal["rb"]) -> bytes: ...

    def get_content(self, mode: Literal["r", "rb"] = "r") -> str | bytes:
        """The whole content, as text (``'r'``, UTF-8) or bytes (``'rb'``)."""
        if mode == "rb":
            return self.base.repository.get_object_content(self.filename, "rb")
        return self.base.repository.get_object_content(self.filename, mode)

    @property
    def content(self) -> bytes:
        return self.base.repository.get_object_content(self.filename, "rb")

    @contextmanager
    def as_path(self) -> Iterator[Path]:
        """A temporary local copy of the file, deleted on exit (for tools that need a path)."""
        with self.base.repository.as_path(self.filename) as path:
            yield path

    def _validate(self) -> None:
        """Exactly one object, a file, named by the ``filename`` attribute."""
        super()._validate()
        names = self.base.repository.list_object_names()
        if len(names) != 1 or not self.base.repository.get_object(names[0]).is_file():
            raise InputValidationError(
                f"SinglefileData {self.uuid} must hold exactly one file, it holds {names}; "
                "set its content with set_file"
            )
        if self.base.attributes.get("filename", None) != names[0]:
            self.base.attributes.set("filename", names[0])


def _checked_name(name: str | os.PathLike[str]) -> str:
    text = os.fspath(name)
    if not isinstance(text, str) or not text or PurePosixPath(text).name != text or text in (".", ".."):
        raise ValueError(f"invalid filename {name!r} for SinglefileData: give a plain file name, without '/'")
    return text
