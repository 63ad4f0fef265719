"""Helpers for tests that run work in child processes (imported as ``tests.child_processes``).

Children are always started with ``spawn``: a forked child would inherit the parent's open
database connections and thread state, which neither driver supports, and spawn is what
macOS and Windows use anyway. Each child imports its target by module name, so targets live in
importable modules (this one, or the writer modules beside the tests).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Barrier, Event
from typing import Any

from provgraph.access import ProfileAccessManager
from provgraph.config.profile import Profile

__all__ = ["kill_child", "profile_in_use", "spawn_child", "wait_for_rows", "worker_pool"]

# How long a child may take to start (spawn imports provgraph afresh) or to finish on request.
_START_TIMEOUT = 60.0
_JOIN_TIMEOUT = 30.0


def _spawn() -> SpawnContext:
    return multiprocessing.get_context("spawn")


@contextmanager
def worker_pool(workers: int) -> Iterator[tuple[ProcessPoolExecutor, Barrier]]:
    """A pool of ``workers`` spawned processes and a barrier for them to start writing together.

    Tasks given the barrier wait at it so that every worker's writes overlap (a pool starts its
    processes one by one). The barrier's manager process is shut down when the block ends.
    """
    context = _spawn()
    manager = context.Manager()
    try:
        start = manager.Barrier(workers)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            yield pool, start
    finally:
        manager.shutdown()


def spawn_child(target: Callable[..., Any], *args: Any) -> BaseProcess:
    """Start ``target(*args)`` in a spawned child process and return it (running)."""
    process = _spawn().Process(target=target, args=args)
    process.start()
    return process


def kill_child(process: BaseProcess) -> None:
    """SIGKILL ``process`` wherever it is, and check that the signal is what ended it."""
    assert process.pid is not None, "the child was never started"
    os.kill(process.pid, signal.SIGKILL)
    process.join(_JOIN_TIMEOUT)
    assert process.exitcode == -signal.SIGKILL


def wait_for_rows(
    count: Callable[[], int], at_least: int, process: BaseProcess, what: str, timeout: float = 60.0
) -> None:
    """Wait until ``count()`` reaches ``at_least`` while the child ``process`` keeps writing.

    Fails the test if the child dies on its own or writes too slowly to get there in time.
    """
    deadline = time.monotonic() + timeout
    while count() < at_least:
        assert process.is_alive(), f"the {what} died on its own"
        assert time.monotonic() < deadline, f"the {what} stored too little in {timeout:.0f} s"
        time.sleep(0.02)


def _use_profile(profile: Profile, ready: Event, done: Event) -> None:
    """Child: record access to ``profile`` as opening its storage does, until ``done`` is set."""
    access = ProfileAccessManager(profile)
    access.request_access()
    try:
        ready.set()
        done.wait(_START_TIMEOUT + _JOIN_TIMEOUT)
    finally:
        access.release_access()


@contextmanager
def profile_in_use(profile: Profile) -> Iterator[BaseProcess]:
    """Another live process uses ``profile`` (its access record is written) for the block.

    The child finds the config folder through ``PROVGRAPH_PATH``, which it inherits.
    """
    context = _spawn()
    ready, done = context.Event(), context.Event()
    process = spawn_child(_use_profile, profile, ready, done)
    try:
        assert ready.wait(_START_TIMEOUT), "the child did not get access to the profile in time"
        yield process
    finally:
        done.set()
        process.join(_JOIN_TIMEOUT)
    assert process.exitcode == 0, f"the child using the profile ended with exit code {process.exitcode}"
