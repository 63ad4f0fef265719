"""``extract_database`` / ``probe_database``: the archive's database out of a zip, bounded and checked."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections import namedtuple
from pathlib import Path

import pytest
from tests.storage.sqlite_zip.conftest import ArchiveEditor, database_without

from provgraph.common import archive_format
from provgraph.common.archive_format import extract_database, probe_database
from provgraph.exceptions import CorruptArchive


def _count_nodes(database: Path) -> int:
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        count: int = connection.execute("SELECT count(*) FROM db_dbnode").fetchone()[0]
    finally:
        connection.close()
    return count


def test_zip_database_is_copied_out(zip_archive: Path, tmp_path: Path) -> None:
    destination = tmp_path / "out.sqlite3"
    assert extract_database(zip_archive, destination) == destination
    assert _count_nodes(destination) == 47
    probe_database(zip_archive)


def test_folder_database_is_used_in_place(folder_archive: Path, tmp_path: Path) -> None:
    destination = tmp_path / "unused.sqlite3"
    assert extract_database(folder_archive, destination) == folder_archive / "db.sqlite3"
    assert not destination.exists()
    probe_database(folder_archive)


def test_folder_database_symlink_is_refused(folder_archive: Path, tmp_path: Path) -> None:
    real = tmp_path / "real.sqlite3"
    (folder_archive / "db.sqlite3").rename(real)
    os.symlink(real, folder_archive / "db.sqlite3")
    with pytest.raises(CorruptArchive, match="symbolic link"):
        extract_database(folder_archive, tmp_path / "x")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"drop": ("db.sqlite3",)}, "no db.sqlite3"),
        ({"replace": {"db.sqlite3": b"\x00" * 4096}}, "db.sqlite3 is not an SQLite database"),
    ],
)
def test_bad_databases(
    edited_archive: ArchiveEditor, tmp_path: Path, edit: dict[str, object], message: str
) -> None:
    path = edited_archive(**edit)  # type: ignore[arg-type]
    destination = tmp_path / "out.sqlite3"
    with pytest.raises(CorruptArchive, match=message) as excinfo:
        extract_database(path, destination)
    assert "\n" not in str(excinfo.value)
    assert not destination.exists()
    with pytest.raises(CorruptArchive, match=message):
        probe_database(path)


def test_database_without_a_table(edited_archive: ArchiveEditor, tmp_path: Path) -> None:
    path = edited_archive(replace={"db.sqlite3": database_without("db_dblog", tmp_path)})
    probe_database(path)  # the header is fine: only the full check finds it
    destination = tmp_path / "out.sqlite3"
    with pytest.raises(CorruptArchive, match="lacks tables: db_dblog"):
        extract_database(path, destination)
    assert not destination.exists()


def test_size_limit(zip_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_format, "MAX_DATABASE_BYTES", 1000)
    with pytest.raises(CorruptArchive, match="refusing it"):
        extract_database(zip_archive, tmp_path / "out.sqlite3")
    with pytest.raises(CorruptArchive, match="refusing it"):
        probe_database(zip_archive)


def test_free_space_is_checked(zip_archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**6, 10**6 - 10, 10))
    destination = tmp_path / "out.sqlite3"
    with pytest.raises(CorruptArchive, match="free"):
        extract_database(zip_archive, destination)
    assert not destination.exists()


def test_tar_files_are_refused(tmp_path: Path) -> None:
    import tarfile

    path = tmp_path / "legacy.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        archive.add(__file__, arcname="metadata.json")
    with pytest.raises(CorruptArchive, match="legacy"):
        extract_database(path, tmp_path / "out")
    with pytest.raises(CorruptArchive, match="legacy"):
        probe_database(path)
