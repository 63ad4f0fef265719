"""small.aiida with one thing changed: the archives of the import tests, built on the fly."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.data_files import SMALL_ARCHIVE

__all__ = ["edited_archive"]


def edited_archive(
    tmp_path: Path,
    *,
    metadata: bytes | None = None,
    db: Callable[[sqlite3.Connection], None] | None = None,
    db_bytes: bytes | None = None,
    members: Callable[[dict[str, bytes]], None] | None = None,
) -> Path:
    """small.aiida with its metadata, database or members changed."""
    with zipfile.ZipFile(SMALL_ARCHIVE) as source:
        contents = {info.filename: source.read(info) for info in source.infolist()}
    if metadata is not None:
        contents["metadata.json"] = metadata
    if db is not None:
        database = tmp_path / "work.sqlite3"
        database.write_bytes(contents["db.sqlite3"])
        connection = sqlite3.connect(database)
        db(connection)
        connection.commit()
        connection.close()
        contents["db.sqlite3"] = database.read_bytes()
    if db_bytes is not None:
        contents["db.sqlite3"] = db_bytes
    if members is not None:
        members(contents)
    path = tmp_path / "broken.aiida"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in contents.items():
            target.writestr(name, data)
    return path
