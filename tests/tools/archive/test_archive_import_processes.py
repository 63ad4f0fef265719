"""``archive import`` against real processes: SIGKILLed midway, and two imports at once.

An import either happened completely or not at all: a process killed at any moment leaves no
node, link or group row (at worst objects nobody refers to). Two processes importing the same
archive together end with every node once.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from tests.data_files import SMALL_ARCHIVE

from provgraph.config.profile import Profile
from provgraph.manager import get_manager

COPIES = 4000  # extra Int nodes in the archive, so that an import takes a noticeable moment

_IMPORT = (
    "import sys\n"
    "from provgraph.cli.main import cli\n"
    "cli(['-p', sys.argv[1], 'archive', 'import', '--no-import-group', sys.argv[2]])\n"
)


@pytest.fixture
def big_archive(tmp_path: Path) -> Path:
    """small.aiida plus ``COPIES`` Int nodes (fresh UUIDs), each in a group, built in SQL."""
    with zipfile.ZipFile(SMALL_ARCHIVE) as source:
        contents = {info.filename: source.read(info) for info in source.infolist()}
    database = tmp_path / "db.sqlite3"
    database.write_bytes(contents["db.sqlite3"])
    connection = sqlite3.connect(database)
    uuid = (
        "lower(substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a' || "
        "substr(h, 18, 3) || '-' || substr(h, 21, 12))"
    )
    connection.executescript(
        f"""
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {COPIES})
        INSERT INTO db_dbnode (id, uuid, node_type, process_type, label, description, ctime, mtime,
            attributes, extras, repository_metadata, dbcomputer_id, user_id)
        SELECT 1000 + i, {uuid}, 'data.core.int.Int.', NULL, 'copy', '', '2026-01-01 00:00:00.000000',
            '2026-01-01 00:00:00.000000', json_object('value', i), '{{}}', '{{}}', NULL, 1
        FROM (SELECT i, hex(randomblob(16)) AS h FROM n);
        INSERT INTO db_dbgroup_dbnodes (dbnode_id, dbgroup_id) SELECT id, 1 FROM db_dbnode WHERE id > 1000;
        """
    )
    connection.commit()
    connection.close()
    contents["db.sqlite3"] = database.read_bytes()
    path = tmp_path / "big.aiida"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in contents.items():
            target.writestr(name, data)
    return path


def _import_child(profile: Profile, archive: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", _IMPORT, profile.name, str(archive)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )


def _counts(profile: Profile) -> dict[str, int]:
    manager = get_manager()
    manager.reset()
    manager.load_profile(profile.name)
    counts = manager.get_profile_storage().get_entity_counts()
    manager.reset()
    return counts


def _assert_integrity(profile: Profile) -> None:
    """The storage passes every integrity check, file contents included."""
    from provgraph.tools.integrity import check_integrity

    manager = get_manager()
    manager.reset()
    manager.load_profile(profile.name)
    report = check_integrity(manager.get_profile_storage(), read_objects=True, hash_sample=None)
    manager.reset()
    assert report.is_clean, report.summary()


def _timed_import(profile: Profile, archive: Path) -> float:
    started = time.perf_counter()
    child = _import_child(profile, archive)
    _out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err.decode()
    return time.perf_counter() - started


# A child that imports and, on reaching ``stage`` (a progress stage of run_import), says so and waits
# to be killed there: the kill lands at a known step, however fast the machine is.
_IMPORT_UNTIL = (
    "import sys, time\n"
    "from provgraph.manager import get_manager\n"
    "from provgraph.tools.archive.imports import run_import\n"
    "get_manager().load_profile(sys.argv[1])\n"
    "def progress(stage, done, total):\n"
    "    if stage == sys.argv[3]:\n"
    "        print('reached', stage, flush=True)\n"
    "        time.sleep(120)\n"
    "run_import(sys.argv[2], create_group=False, progress=progress)\n"
)


@pytest.mark.parametrize("stage", ["Copying files", "Importing nodes", "Importing links"])
def test_sigkill_midway_leaves_nothing(
    registered_profile: Profile,
    big_archive: Path,
    stage: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed while copying files (before the rows' transaction), after the nodes were inserted or
    while the links are (inside it): no row of the archive stays, and the next import removes
    the scratch folder the killed one left."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # the children's temporary folder
    get_manager().reset()
    empty = _counts(registered_profile)
    child = subprocess.Popen(
        [sys.executable, "-c", _IMPORT_UNTIL, registered_profile.name, str(big_archive), stage],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline().decode()
        assert line == f"reached {stage}\n", child.stderr.read().decode() if child.stderr else line
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=60)
    assert child.returncode == -signal.SIGKILL
    assert _counts(registered_profile) == empty
    _assert_integrity(registered_profile)
    leftovers = [path.name for path in scratch.iterdir()]
    assert leftovers  # a killed process cannot clean up after itself
    assert all(name.startswith(f"provgraph-import-{child.pid}-") for name in leftovers)
    _timed_import(registered_profile, big_archive)  # the profile is still usable afterwards
    assert list(scratch.iterdir()) == []  # the killed import's folder was swept
    counts = _counts(registered_profile)
    assert counts["Nodes"] == 47 + COPIES
    assert counts["Links"] == 47
    assert counts["Groups"] == 3


def test_two_imports_at_once_store_every_node_once(registered_profile: Profile, big_archive: Path) -> None:
    get_manager().reset()
    children = [_import_child(registered_profile, big_archive) for _ in range(2)]
    for child in children:
        _out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err.decode()
    counts = _counts(registered_profile)
    assert counts["Nodes"] == 47 + COPIES
    assert counts["Links"] == 47
    assert counts["Groups"] == 3
