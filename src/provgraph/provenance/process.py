"""``Process``: the process function running now, seen from inside it (aiida-core's ``Process.current()``).

Inside a calcfunction or workfunction, ``Process.current()`` is the running call: its ``node``
(unstored for a calcfunction, whose node is written once the function returned), its ``logger``
and ``report``, which write to the node's log (``verdi process report`` / ``Log`` entries)::

    @calcfunction
    def add(x, y):
        Process.current().report("adding %s and %s", x.value, y.value)
        return x + y

Outside any process function ``Process.current()`` is ``None``. The running calls form a stack per
thread: a workfunction calling a calcfunction sees the calcfunction while it runs, and itself again
afterwards.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from provgraph.common.log import LOG_LEVEL_REPORT
from provgraph.orm.logs import REPORT_ORIGIN, NodeLogger
from provgraph.orm.nodes.process.process import ProcessNode

__all__ = ["Process", "current_process", "running_as"]

_running = threading.local()


class Process:
    """One running call of a process function."""

    #: The output label of a function that returns a single node.
    SINGLE_OUTPUT_LINKNAME: ClassVar[str] = "result"

    __slots__ = ("node",)

    def __init__(self, node: ProcessNode) -> None:
        self.node = node

    @classmethod
    def current(cls) -> Process | None:
        """The innermost process function running in this thread, or ``None``."""
        stack: list[Process] = getattr(_running, "stack", [])
        return stack[-1] if stack else None

    @property
    def logger(self) -> NodeLogger:
        return self.node.logger

    @property
    def process_label(self) -> str | None:
        return self.node.process_label

    def report(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Log ``msg`` at the REPORT level to the node's log; its entry reads as aiida-core's reports,
        ``[pk|label|function]: msg`` (the pk filled in when the entry is written)."""
        frame = inspect.currentframe()
        caller = frame.f_back.f_code.co_name if frame is not None and frame.f_back is not None else "?"
        extra = {**kwargs.pop("extra", {}), REPORT_ORIGIN: (self.node.process_label, caller)}
        self.node.logger.log(LOG_LEVEL_REPORT, msg, *args, extra=extra, stacklevel=2, **kwargs)

    def __repr__(self) -> str:
        return f"<Process {self.node.process_label} node={self.node.pk or self.node.uuid}>"


def current_process() -> ProcessNode | None:
    """The process node of the innermost process function running in this thread, if any."""
    process = Process.current()
    return None if process is None else process.node


@contextmanager
def running_as(node: ProcessNode) -> Iterator[Process]:
    """Make ``node``'s call the current process for the duration of the block."""
    stack: list[Process] = _running.__dict__.setdefault("stack", [])
    process = Process(node)
    stack.append(process)
    try:
        yield process
    finally:
        stack.pop()
