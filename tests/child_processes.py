"""Helpers for tests that run writers in child processes (imported as ``tests.child_processes``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess

__all__ = ["wait_for_rows"]


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
