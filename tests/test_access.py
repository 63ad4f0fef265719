"""Profile access records and the exclusive lock, exercised with real processes."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from provgraph.access import ProfileAccessManager
from provgraph.config.profile import Profile
from provgraph.exceptions import LockedProfileError, LockingProfileError

# A process that requests access, says "ready" and keeps access until its stdin is closed.
# Exit code 3 with the error on stdout if the profile is locked.
ACCESS_HOLDER = """
import sys
from pathlib import Path
from provgraph.access import ProfileAccessManager
from provgraph.config.profile import Profile
from provgraph.exceptions import LockedProfileError

name, uuid, config_dir = sys.argv[1:4]
profile = Profile(name, {"PROFILE_UUID": uuid, "storage": {"backend": "core.sqlite_dos", "config": {}}})
access = ProfileAccessManager(profile, Path(config_dir))
try:
    access.request_access()
except LockedProfileError as exc:
    print(exc, flush=True)
    sys.exit(3)
print("ready", flush=True)
sys.stdin.read()
access.release_access()
"""


@pytest.fixture
def profile(tmp_path: Path) -> Profile:
    return Profile.new("shared", "core.sqlite_dos", {"filepath": str(tmp_path / "storage")})


@pytest.fixture
def access(profile: Profile, provgraph_path: Path) -> ProfileAccessManager:
    return ProfileAccessManager(profile, provgraph_path)


def start_holder(profile: Profile, config_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", ACCESS_HOLDER, profile.name, profile.uuid, str(config_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line == "ready", f"holder did not get access: {line!r}"


def started(process: subprocess.Popen[bytes]) -> psutil.Process:
    """The process once it runs its own program (right after the fork it still runs ours)."""
    deadline = time.monotonic() + 10
    while psutil.Process(process.pid).cmdline() != process.args:
        assert time.monotonic() < deadline, "the process did not start"
        time.sleep(0.005)
    return psutil.Process(process.pid)


@pytest.fixture
def sleeper() -> Iterator[psutil.Process]:
    """A live process that is not ours to stand in for another program."""
    process = subprocess.Popen(["sleep", "60"])
    try:
        yield started(process)
    finally:
        process.kill()
        process.wait()


def test_lock_refused_while_another_process_has_access(
    access: ProfileAccessManager, profile: Profile, provgraph_path: Path
) -> None:
    holder = start_holder(profile, provgraph_path)
    try:
        wait_ready(holder)
        assert access.is_active()
        assert access.get_active_pids() == [holder.pid]
        with pytest.raises(LockingProfileError, match=rf"in use by PID {holder.pid}; stop"), access.lock():
            pytest.fail("the lock must not be granted")
        assert not access.is_locked()
    finally:
        holder.communicate(input="", timeout=30)
    assert holder.returncode == 0
    assert not access.is_active()
    with access.lock():
        assert access.is_locked()


def test_killed_process_leaves_a_stale_record_that_does_not_block(
    access: ProfileAccessManager, profile: Profile, provgraph_path: Path
) -> None:
    holder = start_holder(profile, provgraph_path)
    wait_ready(holder)
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=30)
    assert holder.returncode == -signal.SIGKILL
    record = access.dirpath / f"{holder.pid}.pid"
    assert record.exists()
    assert access.get_active_pids() == []
    with access.lock():
        assert not record.exists()


def test_request_access_refused_while_locked(
    access: ProfileAccessManager, profile: Profile, provgraph_path: Path
) -> None:
    with access.lock():
        refused = start_holder(profile, provgraph_path)
        output, _ = refused.communicate(timeout=30)
        assert refused.returncode == 3
        assert f"profile 'shared' is locked by PID {os.getpid()} for exclusive work" in output
        assert not list(access.dirpath.glob(f"{refused.pid}.*"))
    assert not access.is_locked()
    holder = start_holder(profile, provgraph_path)
    try:
        wait_ready(holder)
    finally:
        holder.communicate(input="", timeout=30)


def test_own_records_do_not_block(access: ProfileAccessManager) -> None:
    access.request_access()
    access.request_access()  # repeating is harmless
    assert access.is_active()
    assert access.get_active_pids() == []
    with access.lock():
        assert access.is_locked()
        assert access.get_locking_pids() == []
        access.request_access()
    assert not access.is_locked()
    access.release_access()
    assert not access.is_active()


def test_nested_lock_keeps_the_outer_one(access: ProfileAccessManager) -> None:
    with access.lock():
        with access.lock():
            assert access.is_locked()
        assert access.is_locked()
    assert not access.is_locked()


def test_lock_removed_when_the_block_raises(access: ProfileAccessManager) -> None:
    with pytest.raises(RuntimeError, match="boom"), access.lock():
        raise RuntimeError("boom")
    assert not access.is_locked()
    assert list(access.dirpath.iterdir()) == []


def test_record_contents_and_modes(
    access: ProfileAccessManager, profile: Profile, provgraph_path: Path
) -> None:
    access.request_access()
    assert access.dirpath == provgraph_path / "access" / profile.uuid
    record = access.dirpath / f"{os.getpid()}.pid"
    assert record.read_text() == str(psutil.Process().cmdline())
    assert [path.name for path in access.dirpath.iterdir()] == [record.name]  # no temporary files
    assert stat.S_IMODE(access.dirpath.stat().st_mode) == 0o700
    assert stat.S_IMODE(record.stat().st_mode) == 0o600


def test_reused_pid_is_stale(access: ProfileAccessManager, sleeper: psutil.Process) -> None:
    access.dirpath.mkdir(parents=True)
    record = access.dirpath / f"{sleeper.pid}.pid"

    record.write_text(str(sleeper.cmdline()))  # a genuine record of a live process blocks
    with pytest.raises(LockingProfileError, match=str(sleeper.pid)), access.lock():
        pass

    record.write_text(str(["python", "-m", "some_other_program"]))  # the PID now runs another program
    assert access.get_active_pids() == []
    with access.lock():
        assert not record.exists()


def test_lock_of_a_dead_process_does_not_block(access: ProfileAccessManager) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    dead_pid = finished.pid  # exited and reaped
    access.dirpath.mkdir(parents=True)
    lock = access.dirpath / f"{dead_pid}.lock"
    lock.write_text("['gone']")
    assert not access.is_locked()
    access.request_access()
    assert not lock.exists()


def test_clear_locks_removes_other_processes_locks(
    access: ProfileAccessManager, sleeper: psutil.Process
) -> None:
    access.dirpath.mkdir(parents=True)
    (access.dirpath / f"{sleeper.pid}.lock").write_text(str(sleeper.cmdline()))
    assert access.is_locked()
    with pytest.raises(LockedProfileError, match=rf"locked by PID {sleeper.pid} "):
        access.request_access()
    assert not (access.dirpath / f"{os.getpid()}.pid").exists()
    access.clear_locks()
    access.request_access()
    assert access.is_active()


def test_other_files_in_the_folder_are_ignored(access: ProfileAccessManager) -> None:
    access.dirpath.mkdir(parents=True)
    (access.dirpath / "notes.txt").write_text("x")
    (access.dirpath / "abc.pid").write_text("x")
    (access.dirpath / ".123.pid.xyz.tmp").write_text("x")
    with access.lock():
        pass
    assert len(list(access.dirpath.iterdir())) == 3


def test_profiles_are_independent(provgraph_path: Path, tmp_path: Path, sleeper: psutil.Process) -> None:
    first = ProfileAccessManager(Profile.new("one", "core.sqlite_dos", {"filepath": "/x"}), provgraph_path)
    second = ProfileAccessManager(Profile.new("two", "core.sqlite_dos", {"filepath": "/y"}), provgraph_path)
    first.dirpath.mkdir(parents=True)
    (first.dirpath / f"{sleeper.pid}.pid").write_text(str(sleeper.cmdline()))
    with second.lock():
        assert not first.is_locked()
    with pytest.raises(LockingProfileError), first.lock():
        pass
