"""What an archive run reports while it works (progress) and when it is done (a summary).

Archiving a large profile takes minutes; the library says what it is doing through an
:class:`ArchiveReporter` the caller passes (the CLI draws progress bars with it), and hands the
reporter an :class:`ArchiveSummary` at the end, a plain value the CLI renders as a table.
Without a reporter the summary goes to the ``provgraph.tools.archive`` logger.

>>> from pathlib import Path
>>> summary = ArchiveSummary(Path("x.aiida"), {"nodes": 3, "links": 2}, objects=1, object_bytes=5)
>>> summary.table()[:2]
[('nodes', '3'), ('links', '2')]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

__all__ = ["LOGGER", "ArchiveReporter", "ArchiveSummary", "LoggingReporter"]

LOGGER = logging.getLogger("provgraph.tools.archive")


@dataclass(frozen=True)
class ArchiveSummary:
    """The outcome of one ``create_archive`` call (or what it would write, for a test run)."""

    path: Path
    #: Rows per kind, in the order they are written: users, computers, authinfos, groups, nodes,
    #: comments, logs, links, group_nodes.
    counts: dict[str, int]
    #: Repository objects (distinct file contents) in the archive.
    objects: int
    #: Their total size, uncompressed (0 for a test run: nothing is read).
    object_bytes: int = 0
    #: Size of the archive file (None for a test run).
    archive_bytes: int | None = None
    seconds: float = 0.0
    test_run: bool = False
    #: The traversal rules used, for the record (all 12 names).
    rules: dict[str, bool] = field(default_factory=dict)

    def table(self) -> list[tuple[str, str]]:
        """(what, how many) rows for a table: entity counts, then objects, bytes and time."""
        rows = [(name, str(count)) for name, count in self.counts.items()]
        rows.append(("repository objects", str(self.objects)))
        if not self.test_run:
            rows.append(("object bytes", f"{self.object_bytes:,}"))
            rows.append(("archive bytes", f"{self.archive_bytes or 0:,}"))
        rows.append(("seconds", f"{self.seconds:.2f}"))
        return rows


class ArchiveReporter(Protocol):
    """Receives progress: a phase with its size (None if unknown), steps done, the summary."""

    def start(self, description: str, total: int | None) -> None: ...

    def advance(self, count: int) -> None: ...

    def finish(self, summary: ArchiveSummary) -> None: ...


class LoggingReporter:
    """The default: phases at DEBUG, the summary at INFO on :data:`LOGGER`."""

    def start(self, description: str, total: int | None) -> None:
        LOGGER.debug("%s (%s)", description, "?" if total is None else total)

    def advance(self, count: int) -> None:
        """Steps are not logged: a line per batch would drown the log."""

    def finish(self, summary: ArchiveSummary) -> None:
        verb = "would be created" if summary.test_run else "created"
        details = ", ".join(f"{name}: {value}" for name, value in summary.table())
        LOGGER.info("archive %s %s with %s", summary.path, verb, details)
