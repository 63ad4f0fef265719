"""The integrity of a profile's storage: find broken rows and files, fix what is safe to fix.

``check_integrity`` runs every check and returns an :class:`IntegrityReport` (one
:class:`Finding` per kind of problem: what, how many, a few examples, how many were fixed);
``kill_processes`` marks process nodes killed by hand. ``provgraph storage integrity [--fix]``
and ``provgraph process kill`` are their commands.

>>> from provgraph.tools.integrity import check_integrity
>>> report = check_integrity()  # doctest: +SKIP
>>> report.is_clean  # doctest: +SKIP
True
"""

from provgraph.tools.integrity.check import check_integrity
from provgraph.tools.integrity.hashes import DEFAULT_HASH_SAMPLE
from provgraph.tools.integrity.processes import KillResult, Liveness, kill_processes
from provgraph.tools.integrity.report import Finding, IntegrityReport, ProblemKind

__all__ = [
    "DEFAULT_HASH_SAMPLE",
    "Finding",
    "IntegrityReport",
    "KillResult",
    "Liveness",
    "ProblemKind",
    "check_integrity",
    "kill_processes",
]
