"""Which operating-system process runs a process node, recorded so that its death can be seen.

A workfunction's node is stored when the function starts and sealed when it ends; a process
killed in between (SIGKILL, a crash, a power cut) leaves the node ``running`` forever. To tell
such a node from one whose process is still working, the process function records its runner
in the node: the host name, the PID, and the process's start time (which tells a reused PID
apart). ``provgraph storage integrity`` and ``provgraph process kill`` read it back.

It is kept in the extra ``_aiida_provgraph_runner``, not in an attribute: extras never enter a
node's hash (an attribute would change it, and AiiDA would compute another one), they stay
writable on sealed nodes, and AiiDA treats extras starting with ``_aiida_`` as internal (its
archive import drops them, as provgraph's does), so the record never travels to another
profile, where its PID would mean nothing.

>>> record = RunnerRecord.current()
>>> RunnerRecord.from_extra(record.as_extra()) == record
True
>>> record.is_alive()
True
"""

from __future__ import annotations

import functools
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psutil

__all__ = ["RUNNER_EXTRA_KEY", "RunnerRecord"]

RUNNER_EXTRA_KEY = "_aiida_provgraph_runner"

# psutil's start times come from the kernel's clock ticks (1/100 s on Linux) and are the same on
# every read; the margin only absorbs float rounding.
_START_TIME_MARGIN = 0.05


@dataclass(frozen=True, slots=True)
class RunnerRecord:
    """A process on a host: ``pid`` started at ``started`` (seconds since the epoch) on ``host``."""

    host: str
    pid: int
    started: float

    @classmethod
    def current(cls) -> RunnerRecord:
        """The record of the calling process."""
        return _current(os.getpid())

    @classmethod
    def from_extra(cls, value: Any) -> RunnerRecord | None:
        """The record kept in a node's extra; None if there is none or it is not one of ours."""
        if not isinstance(value, Mapping):
            return None
        host, pid, started = value.get("host"), value.get("pid"), value.get("started")
        if not isinstance(host, str) or isinstance(pid, bool) or not isinstance(pid, int):
            return None
        if isinstance(started, bool) or not isinstance(started, (int, float)):
            return None
        return cls(host, pid, float(started))

    def as_extra(self) -> dict[str, Any]:
        """The JSON value stored in the extra :data:`RUNNER_EXTRA_KEY`."""
        return {"host": self.host, "pid": self.pid, "started": self.started}

    @property
    def is_local(self) -> bool:
        """Whether the process ran on this host, where its PID can be looked up."""
        return self.host == socket.gethostname()

    def is_alive(self) -> bool:
        """Whether the recorded process still runs on this host (its PID, started at the same time).

        A process on another host cannot be seen from here: ``False``, so ask :attr:`is_local`
        first. A live process of another user counts as alive (its start time is still readable).
        """
        if not self.is_local:
            return False
        try:
            process = psutil.Process(self.pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return False  # dead, only waiting for its parent to reap it
            return abs(process.create_time() - self.started) <= _START_TIME_MARGIN
        except psutil.NoSuchProcess:
            return False
        except psutil.AccessDenied:
            return True

    def describe(self) -> str:
        """``PID 1234 on host x``, for messages."""
        return f"PID {self.pid} on host {self.host}"


@functools.lru_cache(maxsize=4)
def _current(pid: int) -> RunnerRecord:
    """The record of process ``pid`` (this one), read once per process (a fork gets its own)."""
    return RunnerRecord(socket.gethostname(), pid, psutil.Process(pid).create_time())
