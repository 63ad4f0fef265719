"""Bad and hostile archives: one ``Error:`` line, exit code 1, and the profile exactly as it was.

Every archive here is built on the fly from aiida-core's small.aiida by breaking one thing: the
container (truncated, not a zip, empty), the metadata, the member names, the objects (missing,
wrong content, inflating beyond their declared size), the rows (dangling links, cycles, broken
link rules, duplicate UUIDs, unknown link types) or the database file itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from tests.data_files import SMALL_ARCHIVE
from tests.tools.archive.archive_edits import edited_archive

from provgraph.cli.archive import archive
from provgraph.config.profile import Profile
from provgraph.manager import get_manager
from provgraph.storage.abstract import StorageBackend


@pytest.fixture(autouse=True)
def _loaded(registered: Profile) -> Profile:
    return registered


def _state(backend: StorageBackend) -> tuple[dict[str, int], list[str]]:
    return backend.get_entity_counts(), sorted(backend.get_repository().list_objects())


def _refused(backend: StorageBackend, path: Path, *fragments: str) -> None:
    """Import ``path`` through the CLI: one error line naming ``fragments``, nothing changed."""
    before = _state(backend)
    result: Result = CliRunner().invoke(archive, ["import", str(path)], catch_exceptions=False)
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1, result.output
    assert lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], result.output
    assert _state(backend) == before


def _repo_keys() -> list[str]:
    with zipfile.ZipFile(SMALL_ARCHIVE) as source:
        return [name.removeprefix("repo/") for name in source.namelist() if name.startswith("repo/")]


# -- the container ------------------------------------------------------------------------------


def test_truncated_file(backend: StorageBackend, tmp_path: Path) -> None:
    path = tmp_path / "truncated.aiida"
    data = SMALL_ARCHIVE.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    _refused(backend, path, "truncated")


def test_not_a_zip(backend: StorageBackend, tmp_path: Path) -> None:
    path = tmp_path / "notes.aiida"
    path.write_text("these are my notes\n" * 100)
    _refused(backend, path, "not an AiiDA archive")


def test_empty_zip(backend: StorageBackend, tmp_path: Path) -> None:
    path = tmp_path / "empty.aiida"
    zipfile.ZipFile(path, "w").close()
    _refused(backend, path, "metadata.json")


def test_missing_file(backend: StorageBackend, tmp_path: Path) -> None:
    _refused(backend, tmp_path / "nowhere.aiida", "no such archive file")


def test_no_metadata(backend: StorageBackend, tmp_path: Path) -> None:
    _refused(backend, edited_archive(tmp_path, members=lambda m: m.pop("metadata.json")), "metadata.json")


def test_metadata_not_json(backend: StorageBackend, tmp_path: Path) -> None:
    _refused(backend, edited_archive(tmp_path, metadata=b"{export_version: 1"), "not valid JSON")


def test_metadata_not_an_object(backend: StorageBackend, tmp_path: Path) -> None:
    _refused(backend, edited_archive(tmp_path, metadata=b"[1, 2]"), "not a JSON object")


@pytest.mark.parametrize("version", ["main_9999", "0.99", "2.0"])
def test_future_or_unknown_version(backend: StorageBackend, tmp_path: Path, version: str) -> None:
    metadata = json.dumps({"export_version": version, "key_format": "sha256"}).encode()
    _refused(backend, edited_archive(tmp_path, metadata=metadata), "unknown archive version", version)


def test_no_version(backend: StorageBackend, tmp_path: Path) -> None:
    _refused(backend, edited_archive(tmp_path, metadata=b"{}"), "export_version")


def test_other_key_format(backend: StorageBackend, tmp_path: Path) -> None:
    metadata = json.dumps({"export_version": "main_0001", "key_format": "md5"}).encode()
    _refused(backend, edited_archive(tmp_path, metadata=metadata), "key format")


# -- member names -------------------------------------------------------------------------------


def test_members_escaping_the_folder_are_never_written(backend: StorageBackend, tmp_path: Path) -> None:
    """Names like ``../x`` and ``/x`` are not part of the format: nothing reads or writes them."""
    outside = tmp_path.parent / "escaped.txt"

    def add(members: dict[str, bytes]) -> None:
        members["../escaped.txt"] = b"gotcha"
        members[str(outside)] = b"gotcha"
        members["repo/../../escaped.txt"] = b"gotcha"

    path = edited_archive(tmp_path, members=add)
    result = CliRunner().invoke(archive, ["import", str(path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert not outside.exists()
    assert not (Path.cwd().parent / "escaped.txt").exists()


def test_repository_key_escaping_the_folder(backend: StorageBackend, tmp_path: Path) -> None:
    def escape(connection: sqlite3.Connection) -> None:
        metadata = json.dumps({"o": {"x.txt": {"k": "../../../etc/passwd"}}})
        connection.execute("UPDATE db_dbnode SET repository_metadata = ? WHERE id = 3", (metadata,))

    _refused(backend, edited_archive(tmp_path, db=escape), "not a sha256 repository key")


def test_symlink_object_in_zip_is_refused(backend: StorageBackend, tmp_path: Path) -> None:
    """A zip member marked as a symlink is only bytes to us: its 'target' does not hash to its name."""
    key = _repo_keys()[0]
    path = edited_archive(tmp_path, members=lambda m: m.pop(f"repo/{key}"))
    with zipfile.ZipFile(path, "a") as target:
        info = zipfile.ZipInfo(f"repo/{key}")
        info.external_attr = (0o120777 << 16) | 0x20  # S_IFLNK
        info.create_system = 3
        target.writestr(info, "/etc/passwd")
    _refused(backend, path, "does not hash to its name")


def test_symlink_object_in_folder_is_refused(backend: StorageBackend, tmp_path: Path) -> None:
    folder = tmp_path / "unzipped"
    shutil.unpack_archive(SMALL_ARCHIVE, folder, format="zip")
    key = _repo_keys()[0]
    secret = tmp_path / "secret.txt"
    secret.write_text("private")
    (folder / "repo" / key).unlink()
    os.symlink(secret, folder / "repo" / key)
    _refused(backend, folder, "missing from repo/")


# -- objects ------------------------------------------------------------------------------------


def test_object_missing_from_repo(backend: StorageBackend, tmp_path: Path) -> None:
    key = _repo_keys()[0]
    _refused(
        backend, edited_archive(tmp_path, members=lambda m: m.pop(f"repo/{key}")), key, "missing from repo/"
    )


def test_object_not_hashing_to_its_name(backend: StorageBackend, tmp_path: Path) -> None:
    key = _repo_keys()[0]

    def tamper(members: dict[str, bytes]) -> None:
        members[f"repo/{key}"] = b"not the original content"

    _refused(backend, edited_archive(tmp_path, members=tamper), key, "does not hash to its name")


def _set_declared_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size a zip declares for ``member`` (local and central headers)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    for signature, size_offset, name_offset in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_offset : start + name_offset + len(name)] == name:
                struct.pack_into("<I", data, start + size_offset, size)
            start += 4
    path.write_bytes(bytes(data))


def test_object_inflating_beyond_its_declared_size(backend: StorageBackend, tmp_path: Path) -> None:
    """A zip bomb: 64 MB of zeros that claims to be 1 KB; reading stops at the claim."""
    bomb = b"\0" * (64 * 1024 * 1024)
    key = hashlib.sha256(bomb).hexdigest()

    def plant(connection: sqlite3.Connection) -> None:
        metadata = json.dumps({"o": {"bomb.bin": {"k": key}}})
        connection.execute("UPDATE db_dbnode SET repository_metadata = ? WHERE id = 3", (metadata,))

    path = edited_archive(tmp_path, db=plant, members=lambda m: m.update({f"repo/{key}": bomb}))
    _set_declared_size(path, f"repo/{key}", 1024)
    _refused(backend, path, key, "refusing it")


def test_database_declaring_more_than_the_free_disk(
    backend: StorageBackend, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = edited_archive(tmp_path)
    _set_declared_size(path, "db.sqlite3", 0xFFFFFFF0)
    real = shutil.disk_usage

    def small_disk(where: str | os.PathLike[str]) -> object:
        return real(where)._replace(free=1024**3)  # type: ignore[attr-defined]

    monkeypatch.setattr(shutil, "disk_usage", small_disk)
    _refused(backend, path, "db.sqlite3 needs", "free")


def test_database_inflating_beyond_its_declared_size(backend: StorageBackend, tmp_path: Path) -> None:
    path = edited_archive(tmp_path)
    _set_declared_size(path, "db.sqlite3", 4096)
    _refused(backend, path, "db.sqlite3")


# -- rows ---------------------------------------------------------------------------------------


def test_link_to_a_node_not_in_the_archive(backend: StorageBackend, tmp_path: Path) -> None:
    def dangle(connection: sqlite3.Connection) -> None:
        connection.execute(
            "INSERT INTO db_dblink (input_id, output_id, label, type) VALUES (3, 9999, 'x', 'input_calc')"
        )

    _refused(backend, edited_archive(tmp_path, db=dangle), "9999", "not in the archive")


def _calc_and_output(connection: sqlite3.Connection) -> tuple[int, int]:
    row = connection.execute(
        "SELECT input_id, output_id FROM db_dblink WHERE type = 'create' LIMIT 1"
    ).fetchone()
    return int(row[0]), int(row[1])


def test_links_forming_a_cycle(backend: StorageBackend, tmp_path: Path) -> None:
    def cycle(connection: sqlite3.Connection) -> None:
        calc, output = _calc_and_output(connection)
        connection.execute(
            "INSERT INTO db_dblink (input_id, output_id, label, type) VALUES (?, ?, 'again', 'input_calc')",
            (output, calc),
        )

    _refused(backend, edited_archive(tmp_path, db=cycle), "cycle")


def test_link_between_wrong_kinds_of_node(backend: StorageBackend, tmp_path: Path) -> None:
    def data_creates_data(connection: sqlite3.Connection) -> None:
        _calc, output = _calc_and_output(connection)
        connection.execute(
            "INSERT INTO db_dblink (input_id, output_id, label, type) VALUES (3, ?, 'made', 'create')",
            (output,),
        )

    _refused(backend, edited_archive(tmp_path, db=data_creates_data), "a create link goes from")


def test_node_with_two_creators(backend: StorageBackend, tmp_path: Path) -> None:
    def second_creator(connection: sqlite3.Connection) -> None:
        calc, output = _calc_and_output(connection)
        other = connection.execute(
            "SELECT id FROM db_dbnode WHERE node_type LIKE 'process.calculation.%' AND id != ? LIMIT 1",
            (calc,),
        ).fetchone()[0]
        connection.execute(
            "INSERT INTO db_dblink (input_id, output_id, label, type) VALUES (?, ?, 'result', 'create')",
            (other, output),
        )

    _refused(backend, edited_archive(tmp_path, db=second_creator), "link rules")


def test_unknown_link_type(backend: StorageBackend, tmp_path: Path) -> None:
    def telepathy(connection: sqlite3.Connection) -> None:
        connection.execute("UPDATE db_dblink SET type = 'telepathy' WHERE id = 1")

    _refused(backend, edited_archive(tmp_path, db=telepathy), "unknown link type", "telepathy")


def test_two_nodes_with_one_uuid(backend: StorageBackend, tmp_path: Path) -> None:
    def duplicate(connection: sqlite3.Connection) -> None:
        connection.executescript(
            """
            CREATE TABLE loose AS SELECT * FROM db_dbnode;
            DROP TABLE db_dbnode;
            ALTER TABLE loose RENAME TO db_dbnode;
            INSERT INTO db_dbnode SELECT 1000, uuid, node_type, process_type, label, description,
                ctime, mtime, attributes, extras, repository_metadata, dbcomputer_id, user_id
                FROM db_dbnode WHERE id = 3;
            """
        )

    _refused(backend, edited_archive(tmp_path, db=duplicate), "share the UUID")


def test_database_that_is_not_a_database(backend: StorageBackend, tmp_path: Path) -> None:
    _refused(
        backend,
        edited_archive(tmp_path, db_bytes=b"SQLite format 2\0" + os.urandom(4096)),
        "not an SQLite database",
    )


def test_database_lacking_tables(backend: StorageBackend, tmp_path: Path) -> None:
    def drop(connection: sqlite3.Connection) -> None:
        connection.execute("DROP TABLE db_dblog")

    _refused(backend, edited_archive(tmp_path, db=drop), "lacks tables", "db_dblog")


def test_database_lacking_columns(backend: StorageBackend, tmp_path: Path) -> None:
    def drop(connection: sqlite3.Connection) -> None:
        connection.execute("ALTER TABLE db_dblog DROP COLUMN message")

    _refused(backend, edited_archive(tmp_path, db=drop), "lacks the columns", "message")


def test_corrupt_json_column(backend: StorageBackend, tmp_path: Path) -> None:
    def garble(connection: sqlite3.Connection) -> None:
        connection.execute("UPDATE db_dbnode SET attributes = '{\"value\": ' WHERE id = 3")

    _refused(backend, edited_archive(tmp_path, db=garble), "not valid JSON")


def test_attribute_of_tens_of_megabytes_imports_within_bounded_memory(
    registered: Profile, backend: StorageBackend, tmp_path: Path
) -> None:
    """A 40 MB attribute on each of three nodes: imported by a child process under 500 MB RSS."""

    def inflate(connection: sqlite3.Connection) -> None:
        big = json.dumps({"blob": "x" * (40 * 1024 * 1024)})
        connection.execute("UPDATE db_dbnode SET attributes = ? WHERE id IN (3, 4, 5)", (big,))

    path = edited_archive(tmp_path, db=inflate)
    script = (
        "import sys\n"
        "from provgraph.cli.main import cli\n"
        "try:\n"
        "    arguments = ['-p', sys.argv[1], 'archive', 'import', '--no-import-group', sys.argv[2]]\n"
        "    cli(arguments, standalone_mode=False)\n"
        "finally:\n"
        # VmHWM, this process's own peak: Linux carries ru_maxrss over fork and exec, so a child
        # of a large pytest process would report the parent's size
        "    status = open('/proc/self/status').read().split('VmHWM:', 1)[1]\n"
        "    print('RSS_KB', int(status.split()[0]))\n"
    )
    backend.close()
    get_manager().reset()
    done = subprocess.run(
        [sys.executable, "-c", script, registered.name, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rss_kb = int(done.stdout.rsplit("RSS_KB", 1)[1])
    assert rss_kb < 500 * 1024, f"peak RSS {rss_kb // 1024} MB"
    get_manager().load_profile(registered.name)
    storage = get_manager().get_profile_storage()
    assert storage.get_entity_counts()["Nodes"] == 47
