"""``core.sqlite_dos``: SQLite + disk-objectstore, the default storage."""
