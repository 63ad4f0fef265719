"""The backup manifest: a faithful round trip, and a clear refusal of anything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provgraph.common.backup_manifest import (
    BackupManifest,
    FileEntry,
    SourceStamp,
    format_bytes,
    read_backup,
)
from provgraph.exceptions import StorageRestoreError

SHA = "ab" * 32


def manifest() -> BackupManifest:
    return BackupManifest(
        profile="main",
        profile_uuid="0" * 32,
        backend="core.sqlite_dos",
        schema_version="main_0002",
        repository_uuid="1" * 32,
        started="2025-01-02T03:04:05.000001+00:00",
        finished="2025-01-02T03:04:06.000001+00:00",
        counts={"Nodes": 3, "Objects referenced": 2},
        files={
            "database.sqlite": FileEntry(100, SHA),
            "container/packs/0": FileEntry(40, SHA, linked=True, source=SourceStamp(7, 40, 123)),
            "container/loose/ab/cd": FileEntry(5, SHA, linked=True),
        },
        previous="backup_20250101000000_abcd",
        provgraph_version="0.1.0",
    )


def test_round_trip_and_totals() -> None:
    original = manifest()
    again = BackupManifest.from_json(original.to_json())
    assert again == original
    assert (again.files_copied, again.files_linked) == (1, 2)
    assert (again.bytes_copied, again.bytes_linked) == (100, 45)
    data = json.loads(original.to_json())
    assert data["bytes_copied"] == 100
    assert data["files"]["container/packs/0"] == {
        "size": 40,
        "sha256": SHA,
        "linked": True,
        "source": [7, 40, 123],
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "something-else"}, "format is 'something-else'"),
        ({"format_version": 99}, "format version 99 is not 1"),
        ({"profile": None}, "missing or malformed field"),
        ({"files": {"x": {"size": -1, "sha256": SHA}}}, "bad file entry"),
        ({"files": {"x": {"size": 1, "sha256": "short"}}}, "bad file entry"),
        ({"files": {"../x": {"size": 1, "sha256": SHA}}}, "does not stay inside the backup"),
        ({"files": {"/etc/x": {"size": 1, "sha256": SHA}}}, "does not stay inside the backup"),
        ({"files": {"a//b": {"size": 1, "sha256": SHA}}}, "does not stay inside the backup"),
    ],
)
def test_a_malformed_manifest_is_refused(change: dict[str, object], message: str) -> None:
    data = json.loads(manifest().to_json())
    data.update(change)
    with pytest.raises(ValueError, match=message):
        BackupManifest.from_json(json.dumps(data).encode())


def test_read_backup_follows_last_backup_of_a_destination(tmp_path: Path) -> None:
    folder = tmp_path / "backup_20250102030405_abcd"
    folder.mkdir()
    for path, entry in manifest().files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(b"x" * entry.size)
    (folder / "manifest.json").write_bytes(manifest().to_json())
    (tmp_path / "last-backup").symlink_to(folder.name)
    assert read_backup(tmp_path) == (folder, manifest())
    assert read_backup(folder)[0] == folder
    (tmp_path / "last-backup").unlink()
    assert read_backup(tmp_path)[0] == folder  # without the link: the newest backup
    (folder / "container/loose/ab/cd").unlink()
    with pytest.raises(
        StorageRestoreError, match=r"incomplete: 1 files of its manifest are missing, e\.g\. container/loose"
    ):
        read_backup(tmp_path)


def test_format_bytes() -> None:
    assert [format_bytes(size) for size in (0, 1023, 1536, 5 * 1024**3)] == [
        "0 B",
        "1023 B",
        "1.5 KiB",
        "5.0 GiB",
    ]


def test_module_examples_run() -> None:
    import doctest

    from provgraph.common import backup_manifest

    result = doctest.testmod(backup_manifest, report=False)
    assert result.attempted > 0
    assert result.failed == 0
