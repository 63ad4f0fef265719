"""What a storage maintenance did (or, in a dry run, would do): one step per line of the report.

Shared by the repository (packing, repacking, cleaning) and the storage (unreferenced objects,
the database), so that ``provgraph storage maintain`` can print one table whichever did the work,
and a caller of ``StorageBackend.maintain`` gets the same facts as data.

>>> report = MaintenanceReport(full=False, dry_run=True)
>>> report.add("pack loose objects", "12 objects would be packed", 48_000)
>>> report.bytes_freed
48000
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["MaintenanceProgress", "MaintenanceReport", "MaintenanceStep"]

#: Called with (step, done, total) while a long step runs; the CLI draws a progress bar from it.
MaintenanceProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class MaintenanceStep:
    """One thing maintenance did: its name, what happened, and the bytes it freed (if known).

    ``bytes_freed`` is None where nothing can be measured (e.g. statistics refreshed) and may be
    negative where a step costs space (a new pack before the old one goes).
    """

    name: str
    detail: str
    bytes_freed: int | None = None


@dataclass
class MaintenanceReport:
    """The steps of one maintenance, in order."""

    full: bool
    dry_run: bool
    steps: list[MaintenanceStep] = field(default_factory=list)
    #: Objects no node refers to that this maintenance left in place (a quick one never deletes).
    unreferenced_left: int = 0
    unreferenced_left_bytes: int = 0

    def add(self, name: str, detail: str, bytes_freed: int | None = None) -> None:
        self.steps.append(MaintenanceStep(name, detail, bytes_freed))

    def extend(self, steps: list[MaintenanceStep]) -> None:
        self.steps.extend(steps)

    @property
    def bytes_freed(self) -> int:
        """The bytes all steps freed together (steps that measured nothing count as 0)."""
        return sum(step.bytes_freed or 0 for step in self.steps)
