"""AiiDA archives: create, import, inspect and migrate ``.aiida`` files.

The file format itself (names, versions, the archive database schema, safe member reading) is in
:mod:`provgraph.common.archive_format`, shared with the read-only ``core.sqlite_zip`` storage.
"""
