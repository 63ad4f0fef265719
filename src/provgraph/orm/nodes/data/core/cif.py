"""``CifData``: a CIF file (AiiDA's ``data.core.cif.CifData.``), kept as a plain file.

CIF parsing is a domain plugin's job, not a provenance store's: provgraph keeps the file, its
name, its MD5 and AiiDA's two parsing settings, so that CIF nodes of an AiiDA profile or archive
load, query and store as what they are. Reading structures out of the file is left to AiiDA or
to pymatgen/ASE on the file's content.

AiiDA derives the class from ``SinglefileData`` although its node_type is not below
``data.core.singlefile.``; provgraph requires a subclass's node_type to extend its parent's (so
that a query for the parent finds it), so here it is a ``Data`` holding one file, with
SinglefileData's reading API.
"""

from __future__ import annotations

import hashlib
import io
import os
from typing import IO, Any

from provgraph.orm.nodes.data.data import Data

__all__ = ["CifData"]

_SCAN_TYPES = ("standard", "flex")
_PARSE_POLICIES = ("eager", "lazy")


class CifData(Data, node_type="data.core.cif.CifData."):
    """``CifData(file="/path/x.cif")`` or ``CifData(content="data_x ...", filename="x.cif")``."""

    DEFAULT_FILENAME = "structure.cif"

    def __init__(
        self,
        file: str | os.PathLike[str] | IO[Any] | None = None,
        filename: str | None = None,
        *,
        content: str | bytes | None = None,
        scan_type: str | None = None,
        parse_policy: str | None = None,
        **kwargs: Any,
    ) -> None:
        if file is not None and content is not None:
            raise ValueError("CifData takes a file or its content, not both")
        if content is not None:
            file = io.BytesIO(content.encode("utf-8") if isinstance(content, str) else content)
            filename = filename or self.DEFAULT_FILENAME
        super().__init__(**kwargs)
        if file is not None:
            self.set_file(file, filename)
        self.set_scan_type(scan_type or "standard")
        self.set_parse_policy(parse_policy or "eager")

    def set_scan_type(self, scan_type: str) -> None:
        """PyCifRW's scan type for AiiDA's parser: ``standard`` or ``flex``."""
        if scan_type not in _SCAN_TYPES:
            raise ValueError(f"scan_type must be one of {_SCAN_TYPES}, got {scan_type!r}")
        self.base.attributes.set("scan_type", scan_type)

    def set_parse_policy(self, parse_policy: str) -> None:
        """When AiiDA parses the file: ``eager`` or ``lazy``."""
        if parse_policy not in _PARSE_POLICIES:
            raise ValueError(f"parse_policy must be one of {_PARSE_POLICIES}, got {parse_policy!r}")
        self.base.attributes.set("parse_policy", parse_policy)

    def set_file(self, file: str | os.PathLike[str] | IO[Any], filename: str | None = None) -> None:
        """Make ``file`` (a path or a handle) the node's only file, named ``filename``."""
        repository = self.base.repository
        repository.erase()
        if isinstance(file, (str, os.PathLike)):
            name = filename or os.path.basename(os.fspath(file))
            repository.put_object_from_file(os.fspath(file), name)
        else:
            name = filename or os.path.basename(getattr(file, "name", "") or "") or self.DEFAULT_FILENAME
            repository.put_object_from_filelike(file, name)
        self.base.attributes.set("filename", name)
        self.base.attributes.set("md5", self.generate_md5())

    @property
    def filename(self) -> str:
        return str(self.base.attributes.get("filename"))

    def get_content(self, mode: str = "r") -> str | bytes:
        """The file's content, as text (``'r'``) or bytes (``'rb'``)."""
        data = self.base.repository.get_object_content(self.filename, "rb")
        return data if mode == "rb" else data.decode("utf-8")

    def generate_md5(self) -> str:
        """The MD5 hex digest of the file's content (AiiDA's ``md5`` attribute)."""
        digest = hashlib.md5(usedforsecurity=False)
        with self.base.repository.open(self.filename, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    @property
    def md5(self) -> str | None:
        value = self.base.attributes.get("md5", None)
        return None if value is None else str(value)
