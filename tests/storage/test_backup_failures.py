"""Backups and restores that fail or are killed leave nothing that looks complete, and one clear line.

The full and the read-only destinations are real file systems: a tmpfs of 2 MiB (or 64 KiB, so
that the database copy itself hits the limit) and a read-only tmpfs, mounted in a private mount
namespace (``unshare --mount``, plus ``--map-root-user`` when not root) that only the command
under test sees, so nothing is ever mounted on the machine itself. Killed runs are real processes
(the CLI) sent SIGKILL while they copy a large object.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from backup_helpers import (
    assert_consistent,
    graph_state,
    open_profile_storage,
    restore_options,
    store_files,
    tree_fingerprint,
)

from provgraph import orm
from provgraph.config import Config
from provgraph.config.profile import Profile
from provgraph.exceptions import ProfileExistsError, StorageBackupError, StorageRestoreError
from provgraph.manager import get_manager
from provgraph.storage import get_storage_class
from provgraph.storage.sql.backend import SqlDosBackend
from provgraph.tools.backup import restore_profile

CLI = [sys.executable, "-c", "from provgraph.cli.main import main; main()"]
BIG = 96 * 1024 * 1024  # long enough to copy that a kill lands in the middle


def _storage() -> SqlDosBackend:
    storage = get_manager().get_profile_storage()
    assert isinstance(storage, SqlDosBackend)
    return storage


def _in_private_mount(mount_options: str, mountpoint: Path, commands: str) -> tuple[str, str]:
    """Run shell ``commands`` with a tmpfs mounted at ``mountpoint`` that only they see.

    Returns their standard output and standard error.
    """
    mountpoint.mkdir()
    namespace = ["unshare", "--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        namespace.append("--map-root-user")
    script = f'mount -t tmpfs -o {mount_options} tmpfs "$MNT" || exit 90\n{commands}'
    environment = {**os.environ, "MNT": str(mountpoint), "CLI": " ".join(f"'{part}'" for part in CLI)}
    done = subprocess.run(
        [*namespace, "sh", "-c", script],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 90, f"cannot mount a tmpfs: {done.stderr}"
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, done.stderr


def _error_lines(errors: str) -> list[str]:
    """The lines of standard error: each one ``Error: ...``, never a traceback."""
    lines = errors.splitlines()
    assert all(line.startswith("Error: ") for line in lines), errors
    return lines


@pytest.mark.parametrize("size", ["2m", "64k"], ids=["full-in-repository", "full-in-database"])
def test_full_destination_gives_one_line_and_leaves_no_backup(
    registered_profile: Profile, tmp_path: Path, size: str
) -> None:
    store_files(40, size=100_000)  # 4 MB of incompressible files: more than the tmpfs holds
    before = graph_state(_storage())
    output, errors = _in_private_mount(
        f"size={size}",
        tmp_path / "small",
        'eval "$CLI storage backup $MNT/backups"; echo "exit=$?"; echo "left:"; ls -A "$MNT/backups"',
    )
    assert "exit=1" in output
    [line] = _error_lines(errors)
    assert "is full (No space left on device)" in line, line
    assert "free some space or choose another destination" in line
    # what remains says whose destination it is; no backup, whole or partial
    assert output.split("left:")[1].split() == [".provgraph-backup.lock", "config.json"]
    assert graph_state(_storage()) == before


def test_read_only_destination_gives_one_line(registered_profile: Profile, tmp_path: Path) -> None:
    store_files(3)
    output, errors = _in_private_mount(
        "ro,size=1m",
        tmp_path / "read-only",
        'eval "$CLI storage backup $MNT"; echo "exit=$?"; '
        'eval "$CLI storage backup $MNT/sub"; echo "exit=$?"; '
        'echo "left:"; ls -A "$MNT"',
    )
    assert output.count("exit=1") == 2
    lines = _error_lines(errors)
    assert len(lines) == 2
    for line in lines:
        assert "cannot write to" in line
        assert "(Read-only file system); choose a folder you can write to" in line
    assert output.split("left:")[1].split() == []


def test_a_second_backup_into_the_same_destination_is_refused_while_one_runs(
    registered_profile: Profile, tmp_path: Path
) -> None:
    dest = tmp_path / "backups"
    dest.mkdir()
    with open(dest / ".provgraph-backup.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(StorageBackupError, match=r"another backup into .* is running"):
            _storage().backup(dest)
    assert sorted(os.listdir(dest)) == [".provgraph-backup.lock"]
    assert _storage().backup(dest).folder.parent == dest


def test_destination_that_is_a_file_is_refused(registered_profile: Profile, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StorageBackupError, match="is not a folder"):
        _storage().backup(tmp_path / "file")


def test_a_destination_of_another_profile_or_of_other_files_is_refused(
    registered_profile: Profile, make_profile: Callable[..., Profile], tmp_path: Path
) -> None:
    other = make_profile(registered_profile.storage_backend, name="other")
    other_cls = get_storage_class(other.storage_backend)
    other_cls.initialise(other)
    with other_cls(other) as storage:
        theirs = storage.backup(tmp_path / "theirs")
    before = tree_fingerprint(tmp_path / "theirs")
    with pytest.raises(StorageBackupError, match=r"holds backups of another profile \('other'\)"):
        _storage().backup(tmp_path / "theirs")
    assert tree_fingerprint(tmp_path / "theirs") == before
    assert theirs.folder.is_dir()

    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / "photos").mkdir()
    with pytest.raises(StorageBackupError, match="is not empty and holds no backups"):
        _storage().backup(tmp_path / "mixed")
    assert os.listdir(tmp_path / "mixed") == ["photos"]

    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{}")
    with pytest.raises(StorageBackupError, match="does not name exactly one profile"):
        _storage().backup(tmp_path / "broken")


# -- killed runs ------------------------------------------------------------------------------------


def _big_object(tmp_path: Path) -> str:
    """Store a node with one large random file; return the file's key."""
    path = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        for _ in range(BIG // (8 * 1024 * 1024)):
            chunk = os.urandom(8 * 1024 * 1024)
            digest.update(chunk)
            handle.write(chunk)
    orm.SinglefileData(path).store()
    path.unlink()
    return digest.hexdigest()


def _kill_when_copying(command: list[str], pattern: str, folder: Path, log: Path) -> None:
    """Start ``command``; SIGKILL it as soon as a file matching ``pattern`` below ``folder`` is
    partly written (more than nothing, less than :data:`BIG`)."""
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    try:
        while True:
            assert process.poll() is None, f"it ended before it could be killed: {log.read_text()!r}"
            assert time.monotonic() < deadline, "it never started copying the large object"
            sizes = [path.stat().st_size for path in folder.glob(pattern) if path.is_file()]
            if any(0 < size < BIG for size in sizes):
                break
            time.sleep(0.001)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(30)
    assert process.returncode == -signal.SIGKILL


def _staging_databases(request: pytest.FixtureRequest, name: str) -> list[str]:
    """The staging databases of restores into the database ``name`` that exist on the server."""
    import psycopg

    server = request.getfixturevalue("postgres_server")
    with psycopg.connect(server.admin_url, autocommit=True) as connection:
        rows = connection.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}_restoring_%",)
        )
        return [row[0] for row in rows]


def _storage_fingerprint(storage: SqlDosBackend) -> dict[str, tuple[int, str]]:
    """Every file of the storage (SQLite's shared-memory index aside, which readers update)."""
    location = storage.location(storage.profile)
    root = location.container_path.parent
    return {path: value for path, value in tree_fingerprint(root).items() if not path.endswith("-shm")}


def test_backup_killed_midway_leaves_the_source_as_it_was_and_nothing_complete(
    registered_profile: Profile, tmp_path: Path
) -> None:
    storage = _storage()
    store_files(20)
    key = _big_object(tmp_path)
    before_state, before_files = graph_state(storage), _storage_fingerprint(storage)
    dest = tmp_path / "backups"

    pattern = f".partial-*/container/loose/{key[:2]}/{key[2:]}"
    _kill_when_copying([*CLI, "storage", "backup", str(dest)], pattern, dest, tmp_path / "backup.log")

    left = os.listdir(dest)
    assert not [name for name in left if name.startswith("backup_") or name == "last-backup"], left
    assert [name for name in left if name.startswith(".partial-")], "the kill landed after the backup ended"
    assert graph_state(storage) == before_state
    assert _storage_fingerprint(storage) == before_files

    summary = storage.backup(dest)  # the next backup works, and clears what the killed one left
    assert sorted(os.listdir(dest)) == sorted(
        [".provgraph-backup.lock", "config.json", "last-backup", summary.folder.name]
    )
    assert summary.manifest.counts["Nodes"] == 21


def test_restore_killed_midway_adds_no_profile(
    registered_profile: Profile, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    storage = _storage()
    store_files(5)
    key = _big_object(tmp_path)
    backup = storage.backup(tmp_path / "backups")
    backend = registered_profile.storage_backend
    options = restore_options(backend, tmp_path, request, "killed")
    if backend == "core.sqlite_dos":
        target, arguments = Path(options["filepath"]), ["--filepath", options["filepath"]]
    else:
        target = Path(options["repository_uri"].removeprefix("file://"))
        arguments = ["--database-name", options["database_name"], "--repository", str(target)]
    command = [*CLI, "storage", "restore", str(backup.folder), "--profile", "restored", *arguments]

    pattern = f".{target.name}.restoring-*/container/loose/{key[:2]}/{key[2:]}"
    _kill_when_copying(command, pattern, target.parent, tmp_path / "restore.log")

    assert "restored" not in Config.load().profile_names
    assert not target.exists()
    assert list(target.parent.glob(f".{target.name}.restoring-*")), "the kill landed after the restore ended"
    if backend == "core.psql_dos":
        assert _staging_databases(request, options["database_name"])  # the killed restore's, left
    summary = restore_profile(backup.folder, "restored", storage_options=options)  # clears the killed one's
    assert summary.counts["Nodes"] == 6
    assert not list(target.parent.glob(f".{target.name}.restoring-*"))
    if backend == "core.psql_dos":
        assert _staging_databases(request, options["database_name"]) == []
    restored = open_profile_storage("restored")
    try:
        assert len(assert_consistent(restored).nodes) == 6
    finally:
        restored.close()


# -- refused restores ------------------------------------------------------------------------------


def test_restore_refuses_what_is_not_a_backup(registered_profile: Profile, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(StorageRestoreError, match="not a folder"):
        restore_profile(tmp_path / "missing", "new")
    with pytest.raises(
        StorageRestoreError, match=r"not a complete provgraph backup \(no readable manifest.json\)"
    ):
        restore_profile(tmp_path / "empty", "new")
    (tmp_path / "empty" / "manifest.json").write_text("{}")
    with pytest.raises(StorageRestoreError, match=r"manifest of the backup .* is unreadable"):
        restore_profile(tmp_path / "empty", "new")
    assert "new" not in Config.load().profile_names


def test_restore_refuses_a_damaged_or_incomplete_backup_and_leaves_nothing(
    registered_profile: Profile, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    keys = store_files(4)
    backup = _storage().backup(tmp_path / "backups")
    options = restore_options(registered_profile.storage_backend, tmp_path, request, "damaged")
    damaged = backup.folder / f"container/loose/{keys[0][:2]}/{keys[0][2:]}"
    content = bytearray(damaged.read_bytes())
    content[0] ^= 0xFF
    damaged.write_bytes(bytes(content))
    with pytest.raises(StorageRestoreError, match=r"is damaged: .*sha256"):
        restore_profile(backup.folder, "new", storage_options=options)
    damaged.unlink()
    with pytest.raises(StorageRestoreError, match="is incomplete: 1 files of its manifest are missing"):
        restore_profile(backup.folder, "new", storage_options=options)
    assert "new" not in Config.load().profile_names
    place = Path(options.get("filepath") or options["repository_uri"].removeprefix("file://"))
    assert not place.exists()
    assert not [path for path in place.parent.iterdir() if ".restoring-" in path.name]


def test_restore_never_overwrites(
    registered_profile: Profile, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store_files(2)
    backup = _storage().backup(tmp_path / "backups")
    with pytest.raises(ProfileExistsError, match="exists already"):
        restore_profile(backup.folder, registered_profile.name)
    options = restore_options(registered_profile.storage_backend, tmp_path, request, "taken")
    if registered_profile.storage_backend == "core.sqlite_dos":
        taken = Path(options["filepath"])
        taken.mkdir()
        (taken / "mine.txt").write_text("the user's")
        with pytest.raises(StorageRestoreError, match="is not an empty folder; a restore never overwrites"):
            restore_profile(backup.folder, "new", storage_options=options)
        assert os.listdir(taken) == ["mine.txt"]
    else:
        server = request.getfixturevalue("postgres_server")
        name = server.create_database()
        with pytest.raises(StorageRestoreError, match="exists already; a restore never overwrites"):
            restore_profile(backup.folder, "new", storage_options={**options, "database_name": name})
    assert "new" not in Config.load().profile_names


def test_an_object_deleted_while_the_container_is_copied_fails_the_backup(
    registered_profile: Profile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the database snapshot and the container copy, an object the snapshot names goes
    (as a full maintenance run without the profile's lock would delete it)."""
    from provgraph.storage.sql.backup import run

    storage = _storage()
    keys = store_files(3)
    copy_container = run.back_up_container

    def delete_first(*args: object, **kwargs: object) -> object:
        storage.get_repository().delete_objects([keys[0]])
        return copy_container(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(run, "back_up_container", delete_first)
    dest = tmp_path / "backups"
    with pytest.raises(
        StorageBackupError, match=rf"1 objects .* were deleted .* \(e\.g\. {keys[0]}\).*run the backup again"
    ):
        storage.backup(dest)
    assert sorted(os.listdir(dest)) == [".provgraph-backup.lock", "config.json"]
