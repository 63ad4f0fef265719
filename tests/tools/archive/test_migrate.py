"""Migrating aiida-core's own old-format archives gives what aiida-core 2.9.4 gives (legacy/README.md).

Each archive aiida-core imports is migrated and read back; the result must equal aiida-core's
manifest, field by field, except timestamps the manifest marks nondeterministic (NULL in the
archive, filled with the time of migration). The archives aiida-core refuses are refused with a
one-line error and no output file.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import sqlite3
import tarfile
import tracemalloc
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from tests.data_files import LEGACY_ARCHIVES, LEGACY_RESULTS, legacy_manifest
from tests.interop import canonical
from tests.tools.archive.archive_snapshot import snapshot

from provgraph.common.archive_format import ARCHIVE_SCHEMA, read_version
from provgraph.exceptions import ArchiveMigrationError, CorruptArchive, IncompatibleArchiveVersionError
from provgraph.tools.archive.migrate import migrate, migrate_archive
from provgraph.tools.archive.migrations import legacy_reader

RESULTS: dict[str, Any] = json.loads(LEGACY_RESULTS.read_text(encoding="utf-8"))["archives"]
IMPORTED = sorted(name for name, result in RESULTS.items() if result["outcome"] == "migrated+imported")
REFUSED = sorted(name for name, result in RESULTS.items() if result["outcome"] == "refused")
COMPARED = (
    "totals",
    "node_types",
    "process_types",
    "link_types",
    "links",
    "links_sha256",
    "nodes_sha256",
    "groups",
    "users",
    "computers",
    "comments",
    "logs",
)
NODE_FIELDS = canonical.NODE_RECORD_KEYS[1:]  # all but the uuid, which keys the records
LEGACY_SIMPLE = LEGACY_ARCHIVES / "export_0.13_simple.aiida"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_leftovers(folder: Path, *expected: str) -> None:
    """Only the expected files are in ``folder``: no temporary ``.part`` file survived."""
    assert sorted(path.name for path in folder.iterdir()) == sorted(expected)


def _assert_head_archive(path: Path) -> None:
    """A valid head archive: version, member order, content-addressed repo, the head schema."""
    assert read_version(path) == "main_0001"
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert [info.filename for info in infos[:2]] == ["metadata.json", "db.sqlite3"]
        assert infos[0].compress_type == zipfile.ZIP_STORED
        for info in infos[2:]:
            assert info.filename.startswith("repo/")
            assert hashlib.sha256(archive.read(info)).hexdigest() == info.filename.removeprefix("repo/")
        metadata = json.loads(archive.read("metadata.json"))
        assert metadata["key_format"] == "sha256"
        assert metadata["export_version"] == "main_0001"


def test_every_archive_in_the_results_is_in_the_folder() -> None:
    for name in RESULTS:
        assert (LEGACY_ARCHIVES / name).is_file(), name
    for name in IMPORTED:
        assert legacy_manifest(name).is_file(), name


@pytest.mark.parametrize("name", IMPORTED)
def test_migrated_archive_matches_aiida_core(name: str, tmp_path: Path) -> None:
    source = LEGACY_ARCHIVES / name
    manifest = json.loads(legacy_manifest(name).read_text(encoding="utf-8"))
    output = tmp_path / "out.aiida"
    started = datetime.now(timezone.utc).replace(microsecond=0)

    migrate_archive(source, output)

    assert _sha256(source) == manifest["archive_sha256"], "the source archive was modified"
    _no_leftovers(tmp_path, "out.aiida")
    if RESULTS[name]["export_version"] == "main_0001":
        assert output.read_bytes() == source.read_bytes()  # nothing to do: copied as aiida-core does
    else:
        _assert_head_archive(output)
    found = snapshot(output, tmp_path)
    for key in COMPARED:
        assert found[key] == manifest[key], key
    assert sorted(found["nodes"]) == sorted(manifest["nodes"])
    unstable = set(RESULTS[name].get("nondeterministic_fields", []))
    for uuid, expected in manifest["nodes"].items():
        for field in NODE_FIELDS:
            if f"nodes/{uuid}/{field}" in unstable:
                filled = datetime.fromisoformat(found["nodes"][uuid][field])
                assert started <= filled <= datetime.now(timezone.utc) + timedelta(seconds=1), field
            else:
                assert found["nodes"][uuid][field] == expected[field], (uuid, field)
    referenced = {key for node in found["nodes"].values() for key in node["repository_files"].values()}
    assert set(found["repo"]) == referenced


@pytest.mark.parametrize("name", [name for name in IMPORTED if name != "export_main_0001_simple.aiida"])
def test_migrated_database_has_exactly_the_head_schema(name: str, tmp_path: Path) -> None:
    output = tmp_path / "out.aiida"
    migrate_archive(LEGACY_ARCHIVES / name, output)
    database = tmp_path / "db.sqlite3"
    with zipfile.ZipFile(output) as archive:
        database.write_bytes(archive.read("db.sqlite3"))
    connection = sqlite3.connect(database)
    try:
        statements = {
            sql for (sql,) in connection.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")
        }
        assert statements == set(ARCHIVE_SCHEMA)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        connection.close()


def test_legacy_metadata_becomes_head_metadata(tmp_path: Path) -> None:
    output = tmp_path / "out.aiida"
    migrate_archive(LEGACY_ARCHIVES / "0.10_null_fields.aiida", output)
    with zipfile.ZipFile(output) as archive:
        metadata = json.loads(archive.read("metadata.json"))
    assert "all_fields_info" not in metadata
    assert "unique_identifiers" not in metadata
    assert metadata["creation_parameters"]["entities_starting_set"] == {
        "Node": ["a36001a4-fdad-4f0d-86c3-4373a5b88c6b"]
    }
    assert [line.split(" with ")[0] for line in metadata["conversion_info"]] == [
        "Converted from version 0.10 to 0.11",
        "Converted from version 0.11 to 0.12",
        "Converted from version 0.12 to 0.13",
        "Converted from version 0.13 to main_0000",
        "Converted from version main_0000 to main_0001",
    ]


@pytest.mark.parametrize("name", REFUSED)
def test_archives_aiida_core_refuses_are_refused(name: str, tmp_path: Path) -> None:
    output = tmp_path / "out.aiida"
    with pytest.raises((IncompatibleArchiveVersionError, CorruptArchive, ArchiveMigrationError)) as caught:
        migrate_archive(LEGACY_ARCHIVES / name, output)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(LEGACY_ARCHIVES / name))
    _no_leftovers(tmp_path)
    version = RESULTS[name]["export_version"]
    if version in ("0.1", "0.2", "0.3"):
        assert isinstance(caught.value, IncompatibleArchiveVersionError)
        assert f"archive version {version} is too old" in message
    elif version is None:
        assert isinstance(caught.value, CorruptArchive)
        assert "`metadata.json` is not included" in message


def test_dangling_link_refuses_the_whole_archive_as_aiida_core_does(tmp_path: Path) -> None:
    with pytest.raises(ArchiveMigrationError) as caught:
        migrate_archive(LEGACY_ARCHIVES / "0.10_dangling_link.aiida", tmp_path / "out.aiida")
    assert str(caught.value).endswith(
        "Database contains link with unknown input node: {'input': '26522c2f-13e0-4b80-af13-cbc8c09df211', "
        "'output': 'a36001a4-fdad-4f0d-86c3-4373a5b88c6b', 'label': 'data', 'type': 'input_calc'}"
    )


def test_unknown_group_members_are_dropped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        migrate_archive(LEGACY_ARCHIVES / "0.10_unknown_nodes_in_group.aiida", tmp_path / "out.aiida")
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "Dropped unknown nodes in groups: {'bde385c0-c1d5-4c6e-95db-b1b26026c7fc': {"
    )
    assert "'unknown'" in warnings[0]
    assert "None" in warnings[0]


def test_intermediate_targets_chain_to_the_same_result(tmp_path: Path) -> None:
    direct = tmp_path / "direct.aiida"
    migrate_archive(LEGACY_SIMPLE, direct)
    previous = LEGACY_SIMPLE
    for version in ("main_0000", "main_0000a", "main_0000b", "main_0001"):
        step = tmp_path / f"{version}.aiida"
        migrate_archive(previous, step, version=version)
        assert read_version(step) == version
        previous = step
    expected = snapshot(direct, tmp_path)
    assert snapshot(previous, tmp_path) == expected


def test_main_0000_keeps_nullable_columns_until_main_0000b(tmp_path: Path) -> None:
    output = tmp_path / "out.aiida"
    migrate_archive(LEGACY_ARCHIVES / "0.10_null_fields.aiida", output, version="main_0000")
    database = tmp_path / "db.sqlite3"
    with zipfile.ZipFile(output) as archive:
        database.write_bytes(archive.read("db.sqlite3"))
    connection = sqlite3.connect(database)
    try:
        label, ctime = connection.execute("SELECT label, ctime FROM db_dbnode").fetchone()
        type_string = connection.execute("SELECT type_string FROM db_dbgroup").fetchone()[0]
    finally:
        connection.close()
    assert (label, ctime, type_string) == (None, None, None)


def test_null_fields_get_aiida_core_defaults(tmp_path: Path) -> None:
    output = tmp_path / "out.aiida"
    migrate_archive(LEGACY_ARCHIVES / "0.10_null_fields.aiida", output)
    found = snapshot(output, tmp_path)
    node = found["nodes"]["a36001a4-fdad-4f0d-86c3-4373a5b88c6b"]
    assert (node["label"], node["description"]) == ("", "")
    assert found["groups"]["testing1"]["type_string"] == "core"


def test_already_at_the_target_version_is_copied_unchanged(tmp_path: Path) -> None:
    source = LEGACY_ARCHIVES / "export_main_0001_simple.aiida"
    output = tmp_path / "out.aiida"
    stages: list[tuple[str, int, int | None]] = []
    migrate_archive(source, output, progress=lambda *args: stages.append(args))
    assert output.read_bytes() == source.read_bytes()
    assert stages == [("Archive is already at version main_0001", 1, 1)]


def test_progress_is_reported(tmp_path: Path) -> None:
    stages: list[tuple[str, int, int | None]] = []
    migrate_archive(
        LEGACY_ARCHIVES / "export_0.4_simple.aiida",
        tmp_path / "out.aiida",
        progress=lambda *args: stages.append(args),
    )
    names = list(dict.fromkeys(stage for stage, _, _ in stages))
    assert names[:2] == ["Reading data.json", "Migrating data.json 0.4 -> 0.5"]
    assert "Migrating data.json 0.12 -> 0.13" in names
    assert "Converting 0.13 to main_0000 (copying repository files)" in names
    assert "Migrating database main_0000a -> main_0000b" in names
    assert stages[-1] == ("Writing the archive", 1, 1)


def test_migrate_has_aiida_core_signature(tmp_path: Path) -> None:
    migrate(str(LEGACY_SIMPLE), str(tmp_path / "out.aiida"), "main_0001", force=False, compression=1)
    assert read_version(tmp_path / "out.aiida") == "main_0001"


@pytest.mark.parametrize(
    ("version", "wanted"),
    [
        ("0.13", "legacy archive version 0.13 is not supported"),
        ("main_9999", "unknown target archive version"),
    ],
)
def test_unsupported_targets_are_refused(version: str, wanted: str, tmp_path: Path) -> None:
    with pytest.raises(IncompatibleArchiveVersionError, match=wanted):
        migrate_archive(LEGACY_SIMPLE, tmp_path / "out.aiida", version=version)
    _no_leftovers(tmp_path)


def test_migrating_backwards_is_refused(tmp_path: Path) -> None:
    source = LEGACY_ARCHIVES / "export_main_0001_simple.aiida"
    with pytest.raises(IncompatibleArchiveVersionError, match="cannot be migrated backwards"):
        migrate_archive(source, tmp_path / "out.aiida", version="main_0000")


def test_existing_destination_needs_force(tmp_path: Path) -> None:
    output = tmp_path / "out.aiida"
    output.write_bytes(b"precious")
    with pytest.raises(ArchiveMigrationError, match="exists already; use force"):
        migrate_archive(LEGACY_SIMPLE, output)
    assert output.read_bytes() == b"precious"
    migrate_archive(LEGACY_SIMPLE, output, force=True)
    _assert_head_archive(output)
    _no_leftovers(tmp_path, "out.aiida")


def test_destination_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ArchiveMigrationError, match="is not a file"):
        migrate_archive(LEGACY_SIMPLE, tmp_path, force=True)


def test_in_place_needs_force(tmp_path: Path) -> None:
    archive = tmp_path / "archive.aiida"
    shutil.copyfile(LEGACY_SIMPLE, archive)
    with pytest.raises(ArchiveMigrationError, match="is the source archive; use force"):
        migrate_archive(archive, archive)
    assert archive.read_bytes() == LEGACY_SIMPLE.read_bytes()
    migrate_archive(archive, archive, force=True)
    _assert_head_archive(archive)
    _no_leftovers(tmp_path, "archive.aiida")


def test_a_failed_migration_leaves_an_existing_destination_alone(tmp_path: Path) -> None:
    output = tmp_path / "out.aiida"
    output.write_bytes(b"precious")
    with pytest.raises(ArchiveMigrationError):
        migrate_archive(LEGACY_ARCHIVES / "0.10_dangling_link.aiida", output, force=True)
    assert output.read_bytes() == b"precious"
    _no_leftovers(tmp_path, "out.aiida")


# Hostile and damaged archives: built from the 0.13 fixture with one member changed or added.


def _rewrite_zip(source: Path, target: Path, extra: dict[str, bytes], drop: tuple[str, ...] = ()) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            if info.filename not in drop and info.filename not in extra:
                new.writestr(info, old.read(info))
        for name, content in extra.items():
            new.writestr(name, content)


def _legacy_tar(target: Path, members: list[tarfile.TarInfo], contents: dict[str, bytes]) -> None:
    with zipfile.ZipFile(LEGACY_SIMPLE) as source, tarfile.open(target, "w:gz") as archive:
        for name in ("metadata.json", "data.json"):
            content = source.read(name)
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for info in members:
            archive.addfile(info, io.BytesIO(contents.get(info.name, b"")))


NODE_FOLDER = "nodes/37/00/7e25-f37c-47dd-b2af-b17748274e6f/path"


@pytest.mark.parametrize("name", ["../escape.txt", f"{NODE_FOLDER}/../../../../../../escape", "/etc/passwd"])
def test_member_names_escaping_the_archive_are_refused(name: str, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.aiida"
    _rewrite_zip(LEGACY_SIMPLE, hostile, {name: b"x"})
    with pytest.raises(CorruptArchive, match=r"outside the archive|not a plain relative path"):
        migrate_archive(hostile, tmp_path / "out.aiida")
    _no_leftovers(tmp_path, "hostile.aiida")


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.FIFOTYPE])
def test_links_and_special_files_in_a_tar_are_refused(kind: bytes, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.tar.gz"
    member = tarfile.TarInfo(f"{NODE_FOLDER}/link")
    member.type = kind
    member.linkname = "/etc/passwd"
    _legacy_tar(hostile, [member], {})
    with pytest.raises(CorruptArchive, match=r"is a link|device or pipe"):
        migrate_archive(hostile, tmp_path / "out.aiida")
    _no_leftovers(tmp_path, "hostile.tar.gz")


def test_a_legacy_tar_archive_streams_its_files(tmp_path: Path) -> None:
    archive = tmp_path / "ok.tar.gz"
    member = tarfile.TarInfo(f"{NODE_FOLDER}/extra/new.txt")
    member.size = 5
    _legacy_tar(archive, [member], {member.name: b"hello"})
    migrate_archive(archive, tmp_path / "out.aiida")
    node = snapshot(tmp_path / "out.aiida", tmp_path)["nodes"]["37007e25-f37c-47dd-b2af-b17748274e6f"]
    assert node["repository_files"] == {"extra/new.txt": hashlib.sha256(b"hello").hexdigest()}


def test_symlink_in_a_zip_is_refused(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.aiida"
    _rewrite_zip(LEGACY_SIMPLE, hostile, {})
    with zipfile.ZipFile(hostile, "a") as archive:
        info = zipfile.ZipInfo(f"{NODE_FOLDER}/link")
        info.create_system = 3
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    with pytest.raises(CorruptArchive, match="symbolic link"):
        migrate_archive(hostile, tmp_path / "out.aiida")


def test_huge_members_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(legacy_reader, "MAX_MEMBER_BYTES", 100)
    with pytest.raises(CorruptArchive, match="more than the 100 allowed"):
        migrate_archive(LEGACY_SIMPLE, tmp_path / "out.aiida")
    _no_leftovers(tmp_path)


def test_huge_data_json_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(legacy_reader, "MAX_DATA_JSON_BYTES", 1000)
    with pytest.raises(CorruptArchive, match=r"data.json is larger than 1,000 bytes"):
        migrate_archive(LEGACY_SIMPLE, tmp_path / "out.aiida")


@pytest.mark.parametrize(
    ("content", "wanted"),
    [
        (b"not json", "data.json is not valid JSON"),
        (b"[]", "not an AiiDA export"),
        (b'{"export_data": 1}', "not an AiiDA export"),
        (b'{"export_data": {"Node": {"1": 5}}}', "Node pk=1 is not an object"),
        (
            b'{"export_data": {"Node": {"1": {"uuid": "u", "user": 1}}}}',
            "no attributes for the node with pk=1",
        ),
        (
            b'{"export_data": {"Node": {"x": {}}}, "node_attributes": {"x": {}}, "node_extras": {"x": {}}}',
            "not an integer",
        ),
        (b'{"export_data": {}, "links_uuid": [5]}', "malformed link"),
    ],
)
def test_malformed_data_json_is_refused(content: bytes, wanted: str, tmp_path: Path) -> None:
    hostile = tmp_path / "bad.aiida"
    _rewrite_zip(LEGACY_SIMPLE, hostile, {"data.json": content})
    with pytest.raises(CorruptArchive, match=wanted) as caught:
        migrate_archive(hostile, tmp_path / "out.aiida")
    assert "\n" not in str(caught.value)


def test_repo_member_not_named_by_its_hash_is_refused(tmp_path: Path) -> None:
    source = LEGACY_ARCHIVES / "export_main_0000_simple.aiida"
    wrong = "repo/" + "0" * 64
    hostile = tmp_path / "bad.aiida"
    _rewrite_zip(source, hostile, {wrong: b"not what the name says"})
    with pytest.raises(CorruptArchive, match="has sha256"):
        migrate_archive(hostile, tmp_path / "out.aiida")
    _rewrite_zip(source, hostile, {"repo/not-a-key": b"x"})
    with pytest.raises(CorruptArchive, match="not named repo/<sha256>"):
        migrate_archive(hostile, tmp_path / "out.aiida")


def test_main_archive_without_a_database_is_refused(tmp_path: Path) -> None:
    hostile = tmp_path / "bad.aiida"
    _rewrite_zip(LEGACY_ARCHIVES / "export_main_0000_simple.aiida", hostile, {}, drop=("db.sqlite3",))
    with pytest.raises(CorruptArchive, match=r"`db.sqlite3` is not included"):
        migrate_archive(hostile, tmp_path / "out.aiida")
    _rewrite_zip(LEGACY_ARCHIVES / "export_main_0000_simple.aiida", hostile, {"db.sqlite3": b"garbage" * 100})
    with pytest.raises(CorruptArchive, match="not an SQLite database"):
        migrate_archive(hostile, tmp_path / "out.aiida")


def test_repository_files_are_streamed_not_loaded(tmp_path: Path) -> None:
    big = tmp_path / "big.aiida"
    size = 48 * 1024 * 1024
    _rewrite_zip(LEGACY_SIMPLE, big, {})
    with (
        zipfile.ZipFile(big, "a", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open(f"{NODE_FOLDER}/big.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(size // (1024 * 1024)):
            member.write(bytes(1024 * 1024))
    tracemalloc.start()
    try:
        migrate_archive(big, tmp_path / "out.aiida")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, f"peak {peak:,} bytes for a {size:,}-byte file"
    node = snapshot(tmp_path / "out.aiida", tmp_path)["nodes"]["37007e25-f37c-47dd-b2af-b17748274e6f"]
    assert node["repository_files"]["big.bin"] == hashlib.sha256(bytes(size)).hexdigest()


def test_folder_sources_and_bad_compression_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "unpacked"
    folder.mkdir()
    (folder / "metadata.json").write_text('{"export_version": "main_0001"}', encoding="utf-8")
    with pytest.raises(ArchiveMigrationError, match="unpacked archive folder is not supported"):
        migrate_archive(folder, tmp_path / "out.aiida")
    with pytest.raises(ArchiveMigrationError, match="compression must be a zlib level"):
        migrate_archive(LEGACY_SIMPLE, tmp_path / "out.aiida", compression=12)
    _no_leftovers(tmp_path, "unpacked")


def test_a_main_version_tar_is_refused(tmp_path: Path) -> None:
    hostile = tmp_path / "main.tar"
    with (
        zipfile.ZipFile(LEGACY_ARCHIVES / "export_main_0000_simple.aiida") as source,
        tarfile.open(hostile, "w") as tar,
    ):
        for name in ("metadata.json", "db.sqlite3"):
            content = source.read(name)
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    with pytest.raises(CorruptArchive, match="must be a zip file"):
        migrate_archive(hostile, tmp_path / "out.aiida")
