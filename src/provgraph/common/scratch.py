"""Temporary files and folders that do not outlive a killed process for long.

A process removes its own temporary files when it finishes or fails; one killed with SIGKILL
cannot. So every scratch name carries the PID of its owner (``<prefix><pid>-<random>``), and
making a new one first removes the scratch of the same prefix whose owner is gone: a crash costs
disk space only until the next import, archive read or create of the same kind.

Only entries of the current user whose owner PID no longer runs are removed. A PID reused by an
unrelated process keeps its entry (safe, merely late); an entry of a live process is never touched.

>>> folder = scratch_folder("provgraph-import-")
>>> folder.name.startswith(f"provgraph-import-{os.getpid()}-")
True
>>> folder.rmdir()
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

__all__ = ["scratch_file", "scratch_folder", "scratch_prefix", "sweep_scratch"]

LOGGER = logging.getLogger(__name__)


# Places swept by this process already: once per process is enough (the sandbox makes a folder per
# node with files, and scanning the temp folder each time would cost more than the write).
_SWEPT: set[tuple[str, str, str]] = set()


def scratch_folder(prefix: str, *, parent: Path | None = None, suffix: str = "") -> Path:
    """A new private folder ``<prefix><pid>-<random><suffix>`` (in ``parent`` or the temp folder),
    after removing those a killed process left there (the first time per process and place)."""
    folder = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    _sweep_once(prefix, folder, suffix)
    return Path(tempfile.mkdtemp(prefix=scratch_prefix(prefix), suffix=suffix, dir=folder))


def scratch_file(prefix: str, suffix: str = "") -> tuple[int, Path]:
    """A new private file (descriptor, path) in the temp folder, as :func:`scratch_folder` names it."""
    folder = Path(tempfile.gettempdir())
    _sweep_once(prefix, folder, suffix)
    descriptor, name = tempfile.mkstemp(prefix=scratch_prefix(prefix), suffix=suffix, dir=folder)
    return descriptor, Path(name)


def scratch_prefix(prefix: str) -> str:
    """``prefix`` with this process's PID, for names made elsewhere (``<prefix><pid>-``)."""
    return f"{prefix}{os.getpid()}-"


def _sweep_once(prefix: str, folder: Path, suffix: str) -> None:
    place = (prefix, str(folder), suffix)
    if place not in _SWEPT:
        _SWEPT.add(place)
        sweep_scratch(prefix, folder, suffix)


def sweep_scratch(prefix: str, folder: Path, suffix: str = "") -> int:
    """Remove the scratch entries named ``<prefix><pid>-...<suffix>`` in ``folder`` whose owner
    process is gone; return how many were removed. Failures are logged, never raised: sweeping is
    a courtesy, not part of the caller's work."""
    pattern = re.compile(rf"{re.escape(prefix)}(\d+)-.*{re.escape(suffix)}$")
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or _alive(int(match.group(1))):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed += 1
            LOGGER.info("removed %s, left by process %s that is gone", entry.path, match.group(1))
        except OSError as exc:
            LOGGER.debug("could not remove %s: %s", entry.path, exc)
    return removed


def _alive(pid: int) -> bool:
    if pid <= 0:
        return True  # not a PID we wrote: leave it alone
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True
