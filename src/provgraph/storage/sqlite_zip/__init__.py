"""``core.sqlite_zip``: an AiiDA archive (``.aiida`` zip or unzipped folder) read as a storage."""
