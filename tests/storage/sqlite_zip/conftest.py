"""Archives for the ``core.sqlite_zip`` tests: aiida-core's fixture, unzipped, and broken on purpose.

The fixture archive (``tests/data/aiida-archives/small.aiida``, written by aiida-core 2.9.4) is
copied into the test's folder before use, so a test that went wrong could never change it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.data_files import SMALL_ARCHIVE, SMALL_MANIFEST

from provgraph.config.profile import Profile
from provgraph.storage.sqlite_zip.backend import SqliteZipBackend

ArchiveEditor = Callable[..., Path]


@pytest.fixture(scope="session")
def manifest() -> dict[str, Any]:
    """aiida-core's ground truth for the fixture archive."""
    loaded: dict[str, Any] = json.loads(SMALL_MANIFEST.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def zip_archive(tmp_path: Path) -> Path:
    """A private copy of the fixture archive."""
    return Path(shutil.copy(SMALL_ARCHIVE, tmp_path / "small.aiida"))


@pytest.fixture
def folder_archive(tmp_path: Path) -> Path:
    """The fixture archive unzipped into a folder (the other layout ``core.sqlite_zip`` reads)."""
    folder = tmp_path / "small-unzipped"
    with zipfile.ZipFile(SMALL_ARCHIVE) as archive:
        archive.extractall(folder)
    return folder


@pytest.fixture(params=["zip", "folder"])
def archive(request: pytest.FixtureRequest) -> Path:
    """The fixture archive in each layout in turn."""
    path: Path = request.getfixturevalue(f"{request.param}_archive")
    return path


def profile_for(path: Path) -> Profile:
    return Profile.new("archive", "core.sqlite_zip", {"filepath": str(path)}, test_profile=True)


@pytest.fixture
def storage(archive: Path) -> Iterator[SqliteZipBackend]:
    """The fixture archive (each layout) open as a storage, closed after the test."""
    backend = SqliteZipBackend(profile_for(archive))
    try:
        yield backend
    finally:
        backend.close()


def _members(source: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(source) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


@pytest.fixture
def edited_archive(tmp_path: Path) -> ArchiveEditor:
    """Write a new zip from the fixture's members: ``replace`` some, ``drop`` some, edit the metadata.

    ``metadata`` (a dict) is merged into metadata.json; members keep the fixture's order
    (metadata.json first, then db.sqlite3, then repo/).
    """
    counter = iter(range(1000))

    def make(
        *,
        replace: Mapping[str, bytes] | None = None,
        drop: tuple[str, ...] = (),
        metadata: Mapping[str, Any] | None = None,
    ) -> Path:
        members = _members(SMALL_ARCHIVE)
        if metadata is not None:
            members["metadata.json"] = json.dumps(
                {**json.loads(members["metadata.json"]), **metadata}
            ).encode()
        members.update(replace or {})
        target = tmp_path / f"edited-{next(counter)}.aiida"
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, content in members.items():
                if name not in drop:
                    archive.writestr(name, content)
        return target

    return make


def database_without(table: str, tmp_path: Path) -> bytes:
    """The fixture's database with one table dropped, as bytes for a zip member."""
    path = tmp_path / f"without-{table}.sqlite3"
    with zipfile.ZipFile(SMALL_ARCHIVE) as archive:
        path.write_bytes(archive.read("db.sqlite3"))
    connection = sqlite3.connect(path)
    try:
        connection.execute(f"DROP TABLE {table}")
        connection.commit()
    finally:
        connection.close()
    return path.read_bytes()
