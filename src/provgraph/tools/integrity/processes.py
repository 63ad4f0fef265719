"""Process nodes left behind: active ones whose process is gone, and terminated ones left unsealed.

**When is an active process node stale?** A node in state ``created``, ``waiting`` or ``running``
is stale when the process that ran it is gone:

* it records its runner (``_aiida_provgraph_runner``: host, PID, start time; every workfunction
  run by provgraph does) and that runner ran on *this* host: stale if no process with that PID
  and start time is alive here (it died, or the PID now belongs to another program);
* it records a runner on *another* host: never judged stale, since its PID cannot be looked up
  from here (``provgraph process kill --force`` is the way out, by a person who knows);
* it records no runner (written by aiida-core, or by provgraph before runners were recorded):
  stale if no other process uses the profile, by the profile's access records
  (``ProfileAccessManager.get_active_pids``). A process that runs it would hold access. An
  aiida-core daemon working on the same database keeps its access records elsewhere, so do not
  ``--fix`` such a profile while aiida-core runs processes on it.

A stale node is fixed by marking it killed (``process_state`` ``killed``, a ``process_status``
saying it was found stale, its ``checkpoints`` dropped), as aiida-core leaves a killed process,
and sealing it. A terminated node (``finished``, ``excepted``, ``killed``) that is not sealed is
fixed by sealing it. Both run in bulk, one transaction per thousand nodes, with the state read
again inside the transaction, so a node that changed meanwhile is left alone.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from provgraph.access import ProfileAccessManager
from provgraph.exceptions import (
    InputValidationError,
    InvalidOperation,
    NotExistent,
    ProcessMayBeRunningError,
    ReadOnlyStorageError,
)
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.process.process import SEALED_KEY, ProcessNode, ProcessState
from provgraph.orm.querybuilder import QueryBuilder
from provgraph.provenance.runner_record import RUNNER_EXTRA_KEY, RunnerRecord
from provgraph.storage.abstract import EntityTypes, In, StorageBackend
from provgraph.tools.integrity.report import Finding, ProblemKind, Tally

__all__ = [
    "ACTIVE_STATES",
    "KillResult",
    "Liveness",
    "StaleProcess",
    "find_stale_processes",
    "find_unsealed_processes",
    "kill_processes",
    "mark_killed",
    "seal_processes",
]

ACTIVE_STATES = (ProcessState.CREATED.value, ProcessState.WAITING.value, ProcessState.RUNNING.value)
_TERMINAL_STATES = (ProcessState.FINISHED.value, ProcessState.EXCEPTED.value, ProcessState.KILLED.value)
_BATCH = 1000
_CALL_LINKS = (LinkType.CALL_CALC.value, LinkType.CALL_WORK.value)
KILLED_BY_HAND = "Killed through `provgraph process kill`"


class Liveness(enum.Enum):
    """What can be said about the process that runs an active process node (module docstring)."""

    ALIVE = "alive"  # its recorded runner runs on this host
    GONE = "gone"  # its recorded runner ran on this host and is gone: stale
    ELSEWHERE = "elsewhere"  # its recorded runner ran on another host: cannot tell
    IN_USE = "in use"  # no runner recorded, other processes use the profile: cannot tell
    IDLE = "idle"  # no runner recorded, no other process uses the profile: stale

    @property
    def is_stale(self) -> bool:
        return self in (Liveness.GONE, Liveness.IDLE)


@dataclass(frozen=True, slots=True)
class StaleProcess:
    """An active process node and what is known of its runner."""

    pk: int
    state: str
    runner: RunnerRecord | None
    liveness: Liveness

    def reason(self) -> str:
        """Why it is (or may not be) stale, for messages and the killed node's process_status."""
        if self.liveness is Liveness.GONE and self.runner is not None:
            return f"its process ({self.runner.describe()}) is gone"
        if self.liveness is Liveness.IDLE:
            return "it records no process, and no process uses the profile"
        if self.liveness is Liveness.ALIVE and self.runner is not None:
            return f"its process ({self.runner.describe()}) is alive"
        if self.liveness is Liveness.ELSEWHERE and self.runner is not None:
            return f"its process ({self.runner.describe()}) ran on another host, where this cannot look"
        return "it records no process, and other processes use the profile"


class _Judge:
    """Judges runners; reads the profile's access records once, and only if a node needs them."""

    def __init__(self, backend: StorageBackend) -> None:
        self._backend = backend
        self._active_pids: list[int] | None = None

    def liveness(self, runner: RunnerRecord | None) -> Liveness:
        if runner is not None:
            if not runner.is_local:
                return Liveness.ELSEWHERE
            return Liveness.ALIVE if runner.is_alive() else Liveness.GONE
        if self._active_pids is None:
            self._active_pids = ProfileAccessManager(self._backend.profile).get_active_pids()
        return Liveness.IN_USE if self._active_pids else Liveness.IDLE


def _active_processes(backend: StorageBackend, pks: Sequence[int] | None = None) -> Iterable[list[Any]]:
    """``[pk, process_state, runner extra]`` of the active process nodes (among ``pks``), streamed."""
    filters: dict[str, Any] = {"attributes.process_state": {"in": list(ACTIVE_STATES)}}
    if pks is not None:
        filters["id"] = {"in": list(pks)}
    query = QueryBuilder(backend=backend).append(
        ProcessNode,
        filters=filters,
        project=["id", "attributes.process_state", f"extras.{RUNNER_EXTRA_KEY}"],
    )
    return query.order_by({ProcessNode: {"id": "asc"}}).iterall(batch_size=_BATCH)


def find_stale_processes(
    backend: StorageBackend, examples: int = 5
) -> tuple[Finding, list[StaleProcess], tuple[str, ...]]:
    """The stale active process nodes (a finding and the list), and notes on the undecidable ones."""
    judge = _Judge(backend)
    tally = Tally(examples)
    stale: list[StaleProcess] = []
    undecided: dict[Liveness, int] = {}
    for pk, state, runner_extra in _active_processes(backend):
        runner = RunnerRecord.from_extra(runner_extra)
        found = StaleProcess(pk, str(state), runner, judge.liveness(runner))
        if found.liveness.is_stale:
            stale.append(found)
            tally.add(f"pk={pk} {state}: {found.reason()}")
        elif found.liveness is not Liveness.ALIVE:
            undecided[found.liveness] = undecided.get(found.liveness, 0) + 1
    notes = []
    if undecided.get(Liveness.ELSEWHERE):
        notes.append(
            f"not judged: {_processes(undecided[Liveness.ELSEWHERE])} that ran on another host; "
            "`provgraph process kill --force` marks one killed"
        )
    if undecided.get(Liveness.IN_USE):
        notes.append(
            f"not judged: {_processes(undecided[Liveness.IN_USE])} recording no runner while other "
            "processes use the profile; check again when they have stopped"
        )
    return tally.finding(ProblemKind.STALE_PROCESSES), stale, tuple(notes)


def _processes(count: int) -> str:
    return f"{count} active process" if count == 1 else f"{count} active processes"


def find_unsealed_processes(backend: StorageBackend, examples: int = 5) -> tuple[Finding, list[int]]:
    """The terminated process nodes that are not sealed (a finding and their pks)."""
    query = QueryBuilder(backend=backend).append(
        ProcessNode,
        filters={
            "attributes.process_state": {"in": list(_TERMINAL_STATES)},
            f"attributes.{SEALED_KEY}": {"!==": True},
        },
        project=["id", "attributes.process_state"],
    )
    tally = Tally(examples)
    pks: list[int] = []
    for pk, state in query.order_by({ProcessNode: {"id": "asc"}}).iterall(batch_size=_BATCH):
        pks.append(pk)
        tally.add(f"pk={pk} {state}")
    return tally.finding(ProblemKind.UNSEALED_PROCESSES), pks


# -- fixing -----------------------------------------------------------------------------------


def mark_killed(backend: StorageBackend, statuses: Mapping[int, str]) -> list[int]:
    """Mark the active process nodes ``statuses`` names killed, with that process_status, and seal
    them; returns the pks changed (a node no longer active is left alone)."""

    def killed(attributes: dict[str, Any], pk: int) -> dict[str, Any] | None:
        if attributes.get(ProcessNode.PROCESS_STATE_KEY) not in ACTIVE_STATES:
            return None
        changed = {key: value for key, value in attributes.items() if key != ProcessNode.CHECKPOINT_KEY}
        changed[ProcessNode.PROCESS_STATE_KEY] = ProcessState.KILLED.value
        changed[ProcessNode.PROCESS_STATUS_KEY] = statuses[pk]
        changed[SEALED_KEY] = True
        return changed

    return _rewrite_attributes(backend, list(statuses), killed)


def seal_processes(backend: StorageBackend, pks: Sequence[int]) -> list[int]:
    """Seal the terminated, unsealed process nodes among ``pks``; returns the pks sealed."""

    def sealed(attributes: dict[str, Any], pk: int) -> dict[str, Any] | None:
        if (
            attributes.get(ProcessNode.PROCESS_STATE_KEY) not in _TERMINAL_STATES
            or attributes.get(SEALED_KEY) is True
        ):
            return None
        return {**attributes, SEALED_KEY: True}

    return _rewrite_attributes(backend, pks, sealed)


def _rewrite_attributes(
    backend: StorageBackend,
    pks: Sequence[int],
    change: Callable[[dict[str, Any], int], dict[str, Any] | None],
) -> list[int]:
    """Read, change and write the attributes of ``pks`` in transactions of :data:`_BATCH` nodes;
    ``change`` returns None to leave a node alone. Returns the pks written."""
    changed: list[int] = []
    for start in range(0, len(pks), _BATCH):
        chunk = tuple(pks[start : start + _BATCH])
        with backend.transaction():
            rows = backend.get_rows(EntityTypes.NODE, {"id": In(chunk)}, columns=["id", "attributes"])
            now = datetime.now(timezone.utc)
            updates = []
            for row in rows:
                attributes = change(dict(row["attributes"] or {}), row["id"])
                if attributes is not None:
                    updates.append({"id": row["id"], "attributes": attributes, "mtime": now})
            if updates:
                backend.bulk_update(EntityTypes.NODE, updates)
        changed += [update["id"] for update in updates]
    return changed


# -- killing by hand --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KillResult:
    """What :func:`kill_processes` did: the pks marked killed, and warnings about forced ones."""

    killed: tuple[int, ...]
    warnings: tuple[str, ...] = ()


def kill_processes(backend: StorageBackend, pks: Sequence[int], *, force: bool = False) -> KillResult:
    """Mark active process nodes killed and seal them, with the processes they called that are active.

    For a process whose runner died without writing its end (see the module docstring for when a
    node counts as stale). Every node is checked before anything is written: a pk that is no
    process, or a process terminated already, is refused (``NotExistent``,
    ``InputValidationError``, ``InvalidOperation``); so is a process that may still be running
    (``ProcessMayBeRunningError``)
    (its runner is alive on this host, ran elsewhere, or other processes use the profile) unless
    ``force``, which marks it killed anyway and warns. Killing a node does not stop an OS process.

    >>> kill_processes(storage, [42])  # doctest: +SKIP
    KillResult(killed=(42,), warnings=())
    """
    if backend.read_only:
        raise ReadOnlyStorageError(f"{backend} is read-only: its processes cannot be marked killed")
    wanted = list(dict.fromkeys(pks))
    _check_processes(backend, wanted)
    targets = _with_active_callees(backend, wanted)
    judge = _Judge(backend)
    warnings: list[str] = []
    statuses: dict[int, str] = {}
    for pk, state, runner_extra in _active_processes(backend, targets):
        runner = RunnerRecord.from_extra(runner_extra)
        found = StaleProcess(pk, str(state), runner, judge.liveness(runner))
        if not found.liveness.is_stale:
            if not force:
                raise ProcessMayBeRunningError(
                    f"process pk={pk} may still be running: {found.reason()}; "
                    "pass --force (force=True) if you know it is gone"
                )
            warnings.append(f"process pk={pk} marked killed although {found.reason()}")
        statuses[pk] = KILLED_BY_HAND
    killed = mark_killed(backend, statuses)
    for pk in sorted(set(statuses) - set(killed)):
        warnings.append(f"process pk={pk} terminated meanwhile and was left as it is")
    return KillResult(tuple(sorted(killed)), tuple(warnings))


def _check_processes(backend: StorageBackend, pks: list[int]) -> None:
    """Refuse pks that name no node, nodes that are no process, and terminated processes."""
    rows = {
        row["id"]: row
        for start in range(0, len(pks), _BATCH)
        for row in backend.get_rows(
            EntityTypes.NODE,
            {"id": In(tuple(pks[start : start + _BATCH]))},
            columns=["id", "node_type", "attributes"],
        )
    }
    for pk in pks:
        row = rows.get(pk)
        if row is None:
            raise NotExistent(f"no node with pk {pk}")
        if not str(row["node_type"]).startswith("process."):
            raise InputValidationError(f"node pk={pk} is a {row['node_type']!r} node, not a process")
        state = (row["attributes"] or {}).get(ProcessNode.PROCESS_STATE_KEY)
        if state not in ACTIVE_STATES:
            what = f"is {state} already" if state in _TERMINAL_STATES else f"has no active state ({state!r})"
            raise InvalidOperation(f"process pk={pk} {what}; there is nothing to kill")


def _with_active_callees(backend: StorageBackend, pks: list[int]) -> list[int]:
    """``pks`` and every process they called, directly or not (CALL links), in id order.

    Called processes run in their caller's OS process (a process function calls in-line), so
    they die with it; which of them are still active is asked afterwards.
    """
    found = dict.fromkeys(pks)
    frontier = list(pks)
    while frontier:
        called = []
        for start in range(0, len(frontier), _BATCH):
            chunk = tuple(frontier[start : start + _BATCH])
            links = backend.get_rows(
                EntityTypes.LINK, {"input_id": In(chunk), "type": In(_CALL_LINKS)}, columns=["output_id"]
            )
            called += [link["output_id"] for link in links if link["output_id"] not in found]
        found.update(dict.fromkeys(called))
        frontier = list(dict.fromkeys(called))
    return sorted(found)
