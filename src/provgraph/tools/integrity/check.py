"""``check_integrity``: every check over a storage, then the safe fixes, in one report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TypeVar

from provgraph.exceptions import InputValidationError, ReadOnlyStorageError
from provgraph.manager import get_manager
from provgraph.storage.abstract import StorageBackend
from provgraph.tools.integrity import hashes, links, objects, processes
from provgraph.tools.integrity.report import Finding, IntegrityReport, ProblemKind

__all__ = ["check_integrity"]

_STAGE = "Checking the storage"
_T = TypeVar("_T")


def check_integrity(
    backend: StorageBackend | None = None,
    *,
    fix: bool = False,
    read_objects: bool = False,
    hash_sample: int | None = hashes.DEFAULT_HASH_SAMPLE,
    examples: int = 5,
    confirm: Callable[[str], bool] | None = None,
    progress: objects.Progress | None = None,
) -> IntegrityReport:
    """Look for every kind of broken row in a storage (the loaded profile's by default); fix the safe ones.

    Why: a graph can be damaged behind provgraph's back (a process killed mid-run, rows written by
    other programs or with constraints off, files lost from disk), and the damage shows up much
    later, as a failed export or a wrong cache hit. Each check is one bulk query (no node
    objects), so a million nodes take seconds; the reports name a few examples of each problem.

    Checked always: links to missing nodes, links against AiiDA's link rules (endpoints,
    degrees), cycles of provenance links, duplicate UUIDs, files whose object is missing, stale
    processes (``processes.py`` says when a process counts as gone) and unsealed terminated
    ones. Node hashes are recomputed for ``hash_sample`` random nodes (None: all of them; 0:
    none). With ``read_objects`` every object of the repository is read and hashed.

    With ``fix``: stale processes are marked killed and sealed, terminated ones sealed, stale
    hashes recomputed, and links to missing nodes deleted once ``confirm(question)`` says yes
    (None: yes). Cycles, bad links, duplicate UUIDs and missing or corrupt objects need a
    person and are only reported. A read-only storage (an archive) can be checked, not fixed
    (``ReadOnlyStorageError``). ``progress(stage, done, total)`` follows the long stages.

    >>> report = check_integrity(fix=True)  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    SQL storage [open] @ ...: 1 problem found, 1 fixed, 0 left
      ...
      processes left active by a process that is gone: 1 found, 1 fixed (e.g. pk=7 running: ...)
    """
    backend = backend if backend is not None else get_manager().get_profile_storage()
    if fix and backend.read_only:
        raise ReadOnlyStorageError(
            f"{backend} is read-only: it can be checked, not fixed; import it into a profile "
            "(`provgraph archive import`) and fix that"
        )
    if hash_sample is not None and (
        isinstance(hash_sample, bool) or not isinstance(hash_sample, int) or hash_sample < 0
    ):
        raise InputValidationError(f"hash_sample must be a non-negative int or None, got {hash_sample!r}")
    run = _Run(examples, progress, planned=8 + int(read_objects) + int(hash_sample != 0))
    dangling = run.check(lambda: links.find_dangling_links(backend, examples))
    run.check(lambda: (links.find_wrong_endpoints(backend, examples), None))
    run.check(lambda: (links.find_degree_clashes(backend, examples), None))
    run.check(lambda: (links.find_cycles(backend, examples), None))
    run.check(lambda: (links.find_duplicate_uuids(backend, examples), None))
    run.check(lambda: (objects.find_missing_objects(backend, examples), None))
    if read_objects:
        run.check(lambda: (objects.find_corrupt_objects(backend, examples, progress), None))
    else:
        run.skipped.append(f"{ProblemKind.CORRUPT_OBJECTS.title} (reads every object: --objects or --full)")
    stale_hashes = None
    if hash_sample == 0:
        run.skipped.append(f"{ProblemKind.STALE_HASHES.title} (no sample asked for)")
    else:
        stale_hashes = run.check(lambda: hashes.find_stale_hashes(backend, hash_sample, examples, progress))
    stale = run.check(lambda: _stale_processes(run, backend, examples))
    unsealed = run.check(lambda: processes.find_unsealed_processes(backend, examples))
    if fix:
        run.fix(
            ProblemKind.STALE_PROCESSES, lambda: len(processes.mark_killed(backend, _kill_statuses(stale)))
        )
        run.fix(
            ProblemKind.UNSEALED_PROCESSES, lambda: len(processes.seal_processes(backend, unsealed or []))
        )
        run.fix(ProblemKind.STALE_HASHES, lambda: hashes.rehash(backend, stale_hashes or []))
        _fix_dangling(run, backend, dangling or [], confirm)
    return IntegrityReport(str(backend), tuple(run.findings), tuple(run.skipped), tuple(run.notes))


class _Run:
    """The findings of one run, as the checks and fixes produce them."""

    def __init__(self, examples: int, progress: objects.Progress | None, planned: int) -> None:
        if isinstance(examples, bool) or not isinstance(examples, int) or examples < 0:
            raise InputValidationError(f"examples must be a non-negative int, got {examples!r}")
        self.progress = progress
        self.planned = planned
        self.done = 0
        self.findings: list[Finding] = []
        self.skipped: list[str] = []
        self.notes: list[str] = []

    def check(self, find: Callable[[], tuple[Finding, _T]]) -> _T | None:
        """Run one check; a storage that cannot answer it puts it among the skipped ones."""
        try:
            finding, extra = find()
        except NotImplementedError as exc:
            self.skipped.append(str(exc))
            return None
        finally:
            self.done += 1
            if self.progress is not None:
                self.progress(_STAGE, self.done, self.planned)
        self.findings.append(finding)
        return extra

    def fix(self, kind: ProblemKind, repair: Callable[[], int], note: str = "") -> None:
        """Apply ``repair`` if the check of ``kind`` ran and found something; record what it fixed."""
        for index, finding in enumerate(self.findings):
            if finding.kind is kind and finding.count:
                fixed = repair()
                self.findings[index] = dataclasses.replace(finding, fixed=fixed, note=note or finding.note)


def _stale_processes(
    run: _Run, backend: StorageBackend, examples: int
) -> tuple[Finding, list[processes.StaleProcess]]:
    finding, stale, notes = processes.find_stale_processes(backend, examples)
    run.notes.extend(notes)
    return finding, stale


def _kill_statuses(stale: list[processes.StaleProcess] | None) -> dict[int, str]:
    """The process_status each stale node gets when marked killed: why it was found stale."""
    return {
        found.pk: f"Killed: found stale by the integrity check ({found.reason()})" for found in stale or []
    }


def _fix_dangling(
    run: _Run, backend: StorageBackend, ids: list[int], confirm: Callable[[str], bool] | None
) -> None:
    if not ids:
        return
    question = f"Delete the {len(ids)} link rows that point at missing nodes?"
    if confirm is not None and not confirm(question):
        run.fix(ProblemKind.DANGLING_LINKS, lambda: 0, note="not deleted: not confirmed")
        return
    run.fix(ProblemKind.DANGLING_LINKS, lambda: links.delete_links(backend, ids))
