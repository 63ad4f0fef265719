"""What an integrity check found: one :class:`Finding` per kind of problem, in one report.

Every check that ran has a finding, also when it found nothing, so that a report says what was
looked at; checks that did not run are listed with the reason (``IntegrityReport.skipped``).

>>> report = IntegrityReport("demo", (Finding(ProblemKind.STALE_HASHES, 3, ("node pk=5",), fixed=3),))
>>> report.remaining, report.is_clean
(0, True)
>>> print(report.summary())
demo: 3 problems found, 3 fixed, 0 left
  node hashes that no longer match their content: 3 found, 3 fixed (e.g. node pk=5)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

__all__ = ["Finding", "IntegrityReport", "ProblemKind", "Tally"]


class ProblemKind(enum.Enum):
    """The kinds of problem the integrity check looks for, in the order it reports them."""

    DANGLING_LINKS = "dangling-links"
    LINK_ENDPOINTS = "link-endpoints"
    LINK_DEGREES = "link-degrees"
    PROVENANCE_CYCLES = "provenance-cycles"
    DUPLICATE_UUIDS = "duplicate-uuids"
    MISSING_OBJECTS = "missing-objects"
    CORRUPT_OBJECTS = "corrupt-objects"
    STALE_HASHES = "stale-hashes"
    STALE_PROCESSES = "stale-processes"
    UNSEALED_PROCESSES = "unsealed-processes"

    @property
    def title(self) -> str:
        """What the problem is, in a few words."""
        return _TITLES[self]

    @property
    def fixable(self) -> bool:
        """Whether ``fix=True`` repairs it (the others need a person: a backup, a decision)."""
        return self in _FIXABLE


_TITLES = {
    ProblemKind.DANGLING_LINKS: "links to or from missing nodes",
    ProblemKind.LINK_ENDPOINTS: "links between the wrong kinds of node",
    ProblemKind.LINK_DEGREES: "clashes with a link degree rule",
    ProblemKind.PROVENANCE_CYCLES: "nodes on cycles of provenance links",
    ProblemKind.DUPLICATE_UUIDS: "UUIDs held by more than one row",
    ProblemKind.MISSING_OBJECTS: "files whose object is missing from the repository",
    ProblemKind.CORRUPT_OBJECTS: "objects whose content does not hash to their key",
    ProblemKind.STALE_HASHES: "node hashes that no longer match their content",
    ProblemKind.STALE_PROCESSES: "processes left active by a process that is gone",
    ProblemKind.UNSEALED_PROCESSES: "terminated processes that are not sealed",
}
_FIXABLE = frozenset(
    {
        ProblemKind.DANGLING_LINKS,
        ProblemKind.STALE_HASHES,
        ProblemKind.STALE_PROCESSES,
        ProblemKind.UNSEALED_PROCESSES,
    }
)


@dataclass(frozen=True, slots=True)
class Finding:
    """How many problems of one kind a check found, a few examples, and how many were fixed.

    ``note`` says what the count covers or why nothing was fixed (a sample, a refusal).
    """

    kind: ProblemKind
    count: int
    examples: tuple[str, ...] = ()
    fixed: int = 0
    note: str = ""

    @property
    def remaining(self) -> int:
        """The problems still there."""
        return self.count - self.fixed

    def line(self) -> str:
        """One line for the terminal: what, how many, fixed, examples, note."""
        if not self.count:
            return f"{self.kind.title}: none" + (f" [{self.note}]" if self.note else "")
        text = f"{self.kind.title}: {self.count} found"
        if self.fixed:
            text += f", {self.fixed} fixed"
        if self.examples:
            text += f" (e.g. {'; '.join(self.examples)})"
        if self.note:
            text += f" [{self.note}]"
        return text


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    """The findings of one integrity check of ``storage`` (a description, for messages)."""

    storage: str
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def __getitem__(self, kind: ProblemKind) -> Finding:
        """The finding of ``kind``; ``KeyError`` if that check did not run."""
        for finding in self.findings:
            if finding.kind is kind:
                return finding
        raise KeyError(f"the check for {kind.title} did not run")

    @property
    def found(self) -> int:
        """Problems found, of every kind."""
        return sum(finding.count for finding in self.findings)

    @property
    def fixed(self) -> int:
        """Problems fixed."""
        return sum(finding.fixed for finding in self.findings)

    @property
    def remaining(self) -> int:
        """Problems still there after the fixes."""
        return sum(finding.remaining for finding in self.findings)

    @property
    def is_clean(self) -> bool:
        """Whether no problem is left (checks that did not run are not counted)."""
        return self.remaining == 0

    def summary(self) -> str:
        """A headline, then one line per check that ran, the checks that did not, and notes."""
        head = f"{self.storage}: {_problems(self.found)} found"
        if self.fixed:
            head += f", {self.fixed} fixed, {self.remaining} left"
        lines = [head]
        lines += [f"  {finding.line()}" for finding in self.findings]
        lines += [f"  not checked: {reason}" for reason in self.skipped]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def _problems(count: int) -> str:
    return f"{count} problem" if count == 1 else f"{count} problems"


class Tally:
    """Counts the problems of one kind as a check meets them, keeping the first few examples."""

    __slots__ = ("_limit", "count", "examples")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self.count = 0
        self.examples: list[str] = []

    def add(self, example: str, count: int = 1) -> None:
        """Count ``count`` problems that ``example`` describes."""
        self.count += count
        if len(self.examples) < self._limit:
            self.examples.append(example)

    def finding(self, kind: ProblemKind, note: str = "") -> Finding:
        return Finding(kind, self.count, tuple(self.examples), note=note)
