"""The integrity report: counts, what remains after fixes, the lines it prints."""

from __future__ import annotations

import doctest

import pytest

from provgraph.tools.integrity import Finding, IntegrityReport, ProblemKind, report


def test_counts_and_lines() -> None:
    findings = (
        Finding(ProblemKind.DANGLING_LINKS, 2, ("link 1", "link 2"), fixed=1, note="one kept"),
        Finding(ProblemKind.PROVENANCE_CYCLES, 0, note="checked"),
        Finding(ProblemKind.STALE_HASHES, 0),
    )
    result = IntegrityReport("store", findings, skipped=("objects (slow)",), notes=("a note",))
    assert (result.found, result.fixed, result.remaining, result.is_clean) == (2, 1, 1, False)
    assert result[ProblemKind.DANGLING_LINKS].remaining == 1
    with pytest.raises(KeyError, match="did not run"):
        result[ProblemKind.CORRUPT_OBJECTS]
    assert result.summary().splitlines() == [
        "store: 2 problems found, 1 fixed, 1 left",
        "  links to or from missing nodes: 2 found, 1 fixed (e.g. link 1; link 2) [one kept]",
        "  nodes on cycles of provenance links: none [checked]",
        "  node hashes that no longer match their content: none",
        "  not checked: objects (slow)",
        "  note: a note",
    ]


def test_every_kind_has_a_title_and_only_the_safe_ones_are_fixable() -> None:
    assert len({kind.title for kind in ProblemKind}) == len(ProblemKind)
    assert {kind for kind in ProblemKind if kind.fixable} == {
        ProblemKind.DANGLING_LINKS,
        ProblemKind.STALE_HASHES,
        ProblemKind.STALE_PROCESSES,
        ProblemKind.UNSEALED_PROCESSES,
    }


def test_module_examples_run() -> None:
    result = doctest.testmod(report, report=False)
    assert result.attempted
    assert result.failed == 0
