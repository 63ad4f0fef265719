"""Tools that work on a whole profile: archives, graph traversal rules, deleting nodes.

The tools layer sits between the CLI and the provenance layer: it may use the ORM and the storage
interface, and the CLI commands are thin wrappers around its functions. Exported here (imported
on first use, so that the CLI can read a light module such as ``graph.rules`` cheaply) are
aiida-core's ``aiida.tools`` names:

>>> from provgraph.tools import delete_nodes
>>> pks, deleted = delete_nodes([node.pk], dry_run=True)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from provgraph.common.lazy import lazy_exports

if TYPE_CHECKING:
    from provgraph.exceptions import ArchiveError as ExportImportException
    from provgraph.exceptions import (
        ArchiveExportError,
        ArchiveImportError,
        ExportValidationError,
        ImportUniquenessError,
        ImportValidationError,
    )
    from provgraph.tools.archive import create_archive, import_archive
    from provgraph.tools.delete import delete_group_nodes, delete_nodes

__all__ = [
    "ArchiveExportError",
    "ArchiveImportError",
    "ExportImportException",
    "ExportValidationError",
    "ImportUniquenessError",
    "ImportValidationError",
    "create_archive",
    "delete_group_nodes",
    "delete_nodes",
    "import_archive",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ArchiveExportError": ("provgraph.exceptions", "ArchiveExportError"),
        "ArchiveImportError": ("provgraph.exceptions", "ArchiveImportError"),
        "ExportImportException": ("provgraph.exceptions", "ArchiveError"),
        "ExportValidationError": ("provgraph.exceptions", "ExportValidationError"),
        "ImportUniquenessError": ("provgraph.exceptions", "ImportUniquenessError"),
        "ImportValidationError": ("provgraph.exceptions", "ImportValidationError"),
        "create_archive": ("provgraph.tools.archive", "create_archive"),
        "delete_group_nodes": ("provgraph.tools.delete", "delete_group_nodes"),
        "delete_nodes": ("provgraph.tools.delete", "delete_nodes"),
        "import_archive": ("provgraph.tools.archive", "import_archive"),
    },
    globals(),
)
