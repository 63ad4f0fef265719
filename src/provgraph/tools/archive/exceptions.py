"""aiida-core's ``aiida.tools.archive.exceptions`` path: the archive errors of :mod:`provgraph.exceptions`.

``ExportImportException`` is aiida's name for the root of these, provgraph's ``ArchiveError``.
"""

from __future__ import annotations

from provgraph.exceptions import (
    ArchiveError,
    ArchiveExportError,
    ArchiveImportError,
    ExportValidationError,
    ImportUniquenessError,
    ImportValidationError,
)

ExportImportException = ArchiveError

__all__ = [
    "ArchiveExportError",
    "ArchiveImportError",
    "ExportImportException",
    "ExportValidationError",
    "ImportUniquenessError",
    "ImportValidationError",
]
