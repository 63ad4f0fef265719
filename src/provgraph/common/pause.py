"""A test hook: stop a long operation at a named step, so that a test can signal it right there.

Claims such as "an interrupted profile setup leaves nothing behind" are worth what their tests
show, and a test can only kill a real process at a precise moment if the process waits for it.
When the environment variable ``PROVGRAPH_PAUSE_AT`` names a step, :func:`pause_point` for that
step writes ``provgraph: paused at STEP`` to standard error and sleeps: the test then sends
SIGKILL (nothing runs any more) or SIGINT (``KeyboardInterrupt`` is raised from the sleep, as
from anywhere else). Unset, a pause point costs one environment lookup. Nobody sets it outside
tests; if nobody ends the pause, it raises after ten minutes rather than hang forever.

The steps, in the order they are reached::

    profile setup      setup-recorded      the setup record is written, nothing created yet
                       database-created    the empty database exists (no container, no schema)
                       container-created   the repository container exists (no schema yet)
                       schema-created      the schema is committed (no default user yet)
                       storage-created     storage and default user exist; config.json not written
                       profile-recorded    config.json names the profile; the setup record remains
    storage migrate    migration-applied   every migration ran, inside the transaction, not committed

For example, ``PROVGRAPH_PAUSE_AT=container-created provgraph profile setup core.sqlite_dos ...``.
"""

from __future__ import annotations

import os
import sys
import time

__all__ = ["PAUSE_ENV", "PAUSE_LIMIT_SECONDS", "pause_message", "pause_point"]

PAUSE_ENV = "PROVGRAPH_PAUSE_AT"
PAUSE_LIMIT_SECONDS = 600.0


def pause_message(step: str) -> str:
    """The line written to standard error when the pause at ``step`` begins."""
    return f"provgraph: paused at {step}"


def pause_point(step: str) -> None:
    """Sleep here if ``PROVGRAPH_PAUSE_AT`` names ``step`` (a test is about to signal us)."""
    if os.environ.get(PAUSE_ENV) != step:
        return
    print(pause_message(step), file=sys.stderr, flush=True)
    deadline = time.monotonic() + PAUSE_LIMIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.1)
    raise RuntimeError(f"nobody ended the test pause at {step!r} ({PAUSE_ENV}) in time")
