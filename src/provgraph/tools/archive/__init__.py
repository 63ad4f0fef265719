"""AiiDA archives: create, import, inspect and migrate ``.aiida`` files.

The names are aiida-core's (``aiida.tools.archive``), so that a script ports by its imports:

>>> from provgraph.tools.archive import create_archive, import_archive
>>> create_archive(None, filename="everything.aiida")  # doctest: +SKIP
>>> import_archive("everything.aiida")  # doctest: +SKIP

The file format itself (names, versions, the archive database schema, safe member reading) is in
:mod:`provgraph.common.archive_format`, shared with the read-only ``core.sqlite_zip`` storage.
"""

from provgraph.tools.archive.create import create_archive
from provgraph.tools.archive.imports import import_archive
from provgraph.tools.archive.inspect import archive_info, archive_version
from provgraph.tools.archive.migrate import migrate_archive

__all__ = ["archive_info", "archive_version", "create_archive", "import_archive", "migrate_archive"]
