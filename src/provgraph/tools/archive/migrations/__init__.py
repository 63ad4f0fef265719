"""The steps that bring an old AiiDA archive to the current format, one module per job.

The pipeline, oldest first (aiida-core's ``sqlite_zip`` migrator does the same):

1. ``legacy_steps``: JSON-era formats ``0.4`` ... ``0.13`` are edited as parsed ``data.json`` and
   ``metadata.json`` dicts, one small function per version step.
2. ``legacy_to_main``: ``0.13`` becomes ``main_0000``: the JSON rows go into an SQLite archive
   database and the per-node files (``nodes/<uuid>/path/...``) become content-addressed
   ``repo/<sha256>`` members plus a ``repository_metadata`` tree per node.
3. ``main_steps``: ``main_0000`` -> ``main_0000a`` (NULLs to defaults) -> ``main_0000b`` (columns
   made NOT NULL) -> ``main_0001`` (nothing to do), on the SQLite file.

Reading the old containers safely is ``legacy_reader``; writing the new zip is ``zip_output``.
:mod:`provgraph.tools.archive.migrate` strings them together.
"""
