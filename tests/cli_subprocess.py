"""Run ``provgraph`` in a real child process, stop it at a named step and signal it there.

Imported as ``tests.cli_subprocess``. The child inherits the environment (so the test's own
``PROVGRAPH_PATH``), plus ``PROVGRAPH_PAUSE_AT`` naming the step where
``provgraph.common.pause.pause_point`` makes it wait (see that module for the steps).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from provgraph.common.pause import PAUSE_ENV, pause_message

__all__ = ["Finished", "paused_cli", "run_cli"]

_START_TIMEOUT = 60.0
_END_TIMEOUT = 60.0
_ENTRY = "from provgraph.cli.main import main; main()"


@dataclass(frozen=True)
class Finished:
    """How a child ended: its exit code (negative: the signal) and what it wrote."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(args: Sequence[str], timeout: float = _END_TIMEOUT) -> Finished:
    """Run ``provgraph ARGS`` to its end in a child process."""
    done = subprocess.run(
        [sys.executable, "-c", _ENTRY, *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    return Finished(done.returncode, done.stdout, done.stderr)


class PausedChild:
    """A ``provgraph`` child process waiting at its pause point."""

    def __init__(self, process: subprocess.Popen[str], step: str, stderr: str) -> None:
        self.process = process
        self.step = step
        self._stderr = stderr

    @property
    def pid(self) -> int:
        return self.process.pid

    def signal(self, signum: int) -> Finished:
        """Send ``signum`` and wait for the child to end."""
        self.process.send_signal(signum)
        stdout, stderr = self.process.communicate(timeout=_END_TIMEOUT)
        return Finished(self.process.returncode, stdout, self._stderr + stderr)

    def kill(self) -> Finished:
        """SIGKILL the child and check that the signal is what ended it."""
        finished = self.signal(signal.SIGKILL)
        assert finished.returncode == -signal.SIGKILL, finished
        return finished

    def interrupt(self) -> Finished:
        """SIGINT the child (Ctrl-C) and let it end on its own."""
        return self.signal(signal.SIGINT)


@contextmanager
def paused_cli(args: Sequence[str], step: str) -> Iterator[PausedChild]:
    """Start ``provgraph ARGS`` and yield it once it waits at ``step``; it is killed if still alive after."""
    env = {**os.environ, PAUSE_ENV: step}
    process = subprocess.Popen(
        [sys.executable, "-c", _ENTRY, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        stderr = _wait_for_pause(process, step)
        yield PausedChild(process, step, stderr)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=_END_TIMEOUT)


def _wait_for_pause(process: subprocess.Popen[str], step: str) -> str:
    """Read the child's standard error until it says it paused at ``step``; return what it wrote.

    Reads the pipe's file descriptor directly: a buffered reader could hold the awaited line
    while ``select`` waits for more.
    """
    assert process.stderr is not None
    expected = pause_message(step)
    fd = process.stderr.fileno()
    seen = b""
    deadline = time.monotonic() + _START_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            chunk = os.read(fd, 65536)
            text = (seen + chunk).decode("utf-8", "replace")
            if not chunk:  # the child ended without reaching the step
                process.wait(_END_TIMEOUT)
                stdout = process.stdout.read() if process.stdout else ""
                raise AssertionError(
                    f"provgraph ended (exit code {process.returncode}) before pausing at {step!r}:\n"
                    f"{text}{stdout}"
                )
            seen += chunk
            if expected in text.splitlines():
                return text
    raise AssertionError(f"provgraph did not pause at {step!r} in {_START_TIMEOUT:.0f} s:\n{seen.decode()}")
