"""``provgraph explore``: a real server process on 127.0.0.1, stopped with Ctrl-C; one-line refusals."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.data_files import SMALL_ARCHIVE

from provgraph.cli.main import cli
from provgraph.config.profile import Profile

_ENTRY = "from provgraph.cli.entry import main; main()"
_START_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _fetch(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _serve_and_stop(*args: str) -> None:
    """Start ``provgraph explore ARGS``, read its home page, stop it with SIGINT: a clean end."""
    port = _free_port()
    child = subprocess.Popen(
        [sys.executable, "-c", _ENTRY, "explore", *args, "--port", str(port), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        home = _fetch(f"http://127.0.0.1:{port}/", time.monotonic() + _START_TIMEOUT)
        assert "Nodes by type" in home
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode in {0, 130}, stderr
    assert "Traceback" not in stdout + stderr
    assert f"http://127.0.0.1:{port}/" in stdout


def test_explore_serves_until_ctrl_c(registered_profile: Profile) -> None:
    _serve_and_stop()  # on each SQL backend: the profile's storage, opened read-only


def test_explore_serves_an_archive_file_unchanged(tmp_path: Path) -> None:
    archive = tmp_path / "small.aiida"
    shutil.copyfile(SMALL_ARCHIVE, archive)
    before = hashlib.sha256(archive.read_bytes()).hexdigest()
    _serve_and_stop(str(archive))
    assert hashlib.sha256(archive.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("backend_name", ["core.sqlite_dos"])
def test_explore_refuses_inside_another_program(registered_profile: Profile) -> None:
    result = CliRunner().invoke(cli, ["explore", "--no-browser"])
    assert result.exit_code == 1
    assert result.stderr.strip().startswith("Error: provgraph explore serves until Ctrl-C")


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        archive = tmp_path / "nothing.aiida"
        archive.write_bytes(b"")
        done = subprocess.run(
            [sys.executable, "-c", _ENTRY, "explore", str(archive), "--port", str(port), "--no-browser"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip().startswith(f"Error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in done.stderr
