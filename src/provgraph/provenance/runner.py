"""Running one process-function call and recording it in the graph.

A calcfunction call is written in one transaction, after the function returned: the new inputs,
the process node in its final state (finished or failed, sealed), its outputs, every link and
every hash. Why: a call used to cost two transactions plus an UPDATE of the final state, and
each transaction costs more than all the rest of a call. While the function runs nothing is
stored, so no write lock is held during user code; a crash or SIGKILL mid-call leaves at most
unreferenced files in the object store; a refused result (a plain value, a stored node, a broken
link rule, a value JSON cannot hold) leaves no half-written outputs. The links are checked
without queries: the process node is unstored, so it has no stored links to count.

The new inputs' content is fixed before the call (files in the object store, hashes computed,
:func:`~provgraph.orm.batch.prepare_rows`) and checked unchanged after it, so the graph records
what the function was given: a function that changes an input fails, as in AiiDA, where inputs
are stored (immutable) before the function runs. Unlike in AiiDA, the inputs and the process
node have no pk inside the function, and the node's ``source_file`` shows once it is stored.
An exception writes the inputs and the node, excepted (killed for an interrupt) and sealed,
with a log entry holding the traceback, in one transaction, and is re-raised. With caching on,
the inputs are stored first (their stored hashes find the cache source).

A workfunction is stored when it starts (with its new inputs), because the processes it calls
link to it while it runs; its RETURN links and final state are written in a second transaction.
Its node records the OS process running it (host, PID, start time) in the internal extra
``_aiida_provgraph_runner`` (``runner_record.py``), so that a node left running by a process that
died is recognised as stale (``provgraph storage integrity``).
Either way the graph never holds outputs without their creator, or an unsealed finished node.
"""

from __future__ import annotations

import importlib
import logging
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, cast

from provgraph.caching import is_caching_enabled
from provgraph.common.version import installed_version
from provgraph.exceptions import InputValidationError, InvalidOperation, LinkValidationError
from provgraph.orm.batch import PreparedRows, prepare_rows, store_many
from provgraph.orm.logs import Log, write_log_records
from provgraph.orm.nodes.caching_store import find_cache_source, store_from_cache
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.links import PORT_NAMESPACE_SEPARATOR
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.calculation import CalculationNode
from provgraph.orm.nodes.process.exit_code import ExitCode
from provgraph.orm.nodes.process.function import FunctionInfo
from provgraph.orm.nodes.process.process import SEALED_KEY, ProcessNode, ProcessState
from provgraph.orm.nodes.process.workflow import WorkflowNode
from provgraph.provenance.inputs import CallInputs
from provgraph.provenance.metadata import ProcessMetadata
from provgraph.provenance.ports import PortValidationError
from provgraph.provenance.process import current_process, running_as
from provgraph.provenance.runner_record import RUNNER_EXTRA_KEY, RunnerRecord

__all__ = ["FunctionSpec", "current_process", "run_function"]

LOGGER = logging.getLogger(__name__)

SINGLE_OUTPUT_LABEL = "result"
CALL_LINK_LABEL = "CALL"
_REPORT_LEVEL = 23  # AiiDA's REPORT level: process reports, including the traceback of an exception


class OutputTypeError(InputValidationError, TypeError):
    """A process function returned something that is neither a node, a mapping of nodes, nor an ExitCode."""


class CalledFromCalculationError(LinkValidationError, InvalidOperation):
    """A calculation called another process: only workflows call (aiida-core: ``InvalidOperation``)."""


@dataclass(frozen=True)
class FunctionSpec:
    """What every run of one decorated function shares."""

    function: Callable[..., Any]
    node_class: type[ProcessNode]
    process_type: str
    info: FunctionInfo
    version: dict[str, str]

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def kind(self) -> str:
        return "calcfunction" if issubclass(self.node_class, CalculationNode) else "workfunction"


def run_function(
    spec: FunctionSpec, inputs: CallInputs, metadata: ProcessMetadata | None = None
) -> tuple[Any, ProcessNode]:
    """Run ``spec.function`` with ``inputs``, record it, and return ``(outputs, node)``."""
    metadata = metadata or ProcessMetadata()
    if not metadata.store_provenance or _unrecorded(current_process()):
        return _run_unrecorded(spec, inputs, metadata)
    node = _new_node(spec, inputs, metadata)
    cached = _from_cache(spec, node, inputs)
    if cached:
        return _outputs_of(node), node
    if isinstance(node, CalculationNode):
        return _run_calculation(spec, node, inputs), node
    return _run_workflow(spec, node, inputs), node


def _run_calculation(spec: FunctionSpec, node: ProcessNode, inputs: CallInputs) -> Any:
    """Run a calculation and write everything in one transaction once the function returned.

    The new inputs' content is fixed (files stored, hashes computed) before the function runs,
    and checked unchanged after, so the graph records what the function was given.
    """
    new_inputs = [source for source in inputs.links.values() if not source.is_stored]
    prepared = prepare_rows(new_inputs)
    created: list[Node] = []
    pending: list[logging.LogRecord] = []
    node._pending_log_records = pending  # what it logs while unstored is written with it
    try:
        with running_as(node):
            result = spec.function(*inputs.args, **inputs.kwargs)
        returned, flat = _returned(spec, result, inputs)
        created = _link_created(node, flat)
        node.base.attributes.set_many(_final_attributes(result))
        prepared.check_unchanged()
        spec.info.attach_source(node)
        if pending:
            with node.backend.transaction():
                store_many([*new_inputs, node, *created], prepared=prepared)
                write_log_records(node, pending)
        else:
            store_many([*new_inputs, node, *created], prepared=prepared)
    except BaseException as exc:
        _forget_created(node, created)
        _record_unstored_failure(spec, node, new_inputs, prepared, exc)
        raise
    finally:
        node._pending_log_records = None
    return returned


def _run_workflow(spec: FunctionSpec, node: ProcessNode, inputs: CallInputs) -> Any:
    """Run a workflow stored first, so the processes it calls can link to it while it runs.

    The node is stored running, so it records which OS process runs it (``runner_record``): if
    this process dies before the final state is written, the integrity check can tell.
    """
    if not node.is_stored:
        spec.info.attach_source(node)
        node.base.extras.set(RUNNER_EXTRA_KEY, RunnerRecord.current().as_extra())
        store_many([*(source for source in inputs.links.values() if not source.is_stored), node])
    try:
        with running_as(node):
            result = spec.function(*inputs.args, **inputs.kwargs)
        returned, flat = _returned(spec, result, inputs)
        with node.backend.transaction():
            for label, output in flat.items():
                output.base.links.add_incoming(node, LinkType.RETURN, label)
            node.base.attributes.set_many(_final_attributes(result))
    except BaseException as exc:
        _record_stored_failure(node, exc)
        raise
    return returned


def _run_unrecorded(
    spec: FunctionSpec, inputs: CallInputs, metadata: ProcessMetadata
) -> tuple[Any, ProcessNode]:
    """``store_provenance=False``: run the function and keep nothing, nor of the processes it calls.

    The process node, the inputs converted to nodes and the outputs stay unstored and unlinked
    (as in aiida-core); the call returns what the function returned.
    """
    node = _new_node(spec, inputs, metadata, link=False)
    _UNRECORDED.add(id(node))
    try:
        with running_as(node):
            result = spec.function(*inputs.args, **inputs.kwargs)
        returned = {} if isinstance(result, ExitCode) or result is None else result
        node.base.attributes.set_many(_final_attributes(result))
    finally:
        _UNRECORDED.discard(id(node))
    return returned, node


#: ids of the process nodes running with ``store_provenance=False`` (their callees record nothing)
_UNRECORDED: set[int] = set()


def _unrecorded(caller: ProcessNode | None) -> bool:
    return caller is not None and id(caller) in _UNRECORDED


def _new_node(
    spec: FunctionSpec, inputs: CallInputs, metadata: ProcessMetadata, link: bool = True
) -> ProcessNode:
    """The unstored process node, running, with its input links and the CALL link of its caller."""
    label = spec.name if metadata.label is None else metadata.label
    node = spec.node_class(label=label, description=metadata.description or "")
    node.process_type = spec.process_type
    node.base.attributes.set_many(
        {
            ProcessNode.PROCESS_STATE_KEY: ProcessState.RUNNING.value,
            ProcessNode.PROCESS_LABEL_KEY: spec.name,
            ProcessNode.METADATA_INPUTS_KEY: metadata.recorded_inputs,
            "version": dict(spec.version),
            **spec.info.attributes,
        }
    )
    if not link:
        return node
    link_type = LinkType.INPUT_CALC if isinstance(node, CalculationNode) else LinkType.INPUT_WORK
    for link_label, source in inputs.links.items():
        node.base.links.add_incoming(source, link_type, link_label)
    caller = current_process()
    if caller is not None:
        call_type = LinkType.CALL_CALC if isinstance(node, CalculationNode) else LinkType.CALL_WORK
        if not isinstance(caller, WorkflowNode):
            raise CalledFromCalculationError(
                f"{spec.kind} {spec.name} was called inside calculation {caller.process_label} "
                f"(pk={caller.pk}); only workflows (workfunctions) may call other processes"
            )
        node.base.links.add_incoming(caller, call_type, metadata.call_link_label or CALL_LINK_LABEL)
    return node


def version_info(function: Callable[..., Any]) -> dict[str, str]:
    """aiida-core's ``version`` attribute: ``core`` (provgraph's version) and ``plugin``, the
    ``__version__`` of the top-level package defining ``function`` (left out if it has none)."""
    found = {"core": installed_version()}
    top = getattr(function, "__module__", None) or ""
    try:
        plugin = getattr(importlib.import_module(top.split(".")[0]), "__version__", None)
    except (ImportError, ValueError):
        plugin = None
    if isinstance(plugin, str):
        found["plugin"] = plugin
    return found


def _from_cache(spec: FunctionSpec, node: ProcessNode, inputs: CallInputs) -> bool:
    """Store ``node`` as a clone of an equal earlier run, if caching is on and one exists."""
    if not isinstance(node, CalculationNode):
        return False
    if not is_caching_enabled(spec.process_type):
        return False
    store_many([n for n in inputs.links.values() if not n.is_stored])  # inputs' hashes need them stored
    spec.info.attach_source(node, in_sandbox=True)  # the hash of an unstored node sees its sandbox only
    source = find_cache_source(node)
    if source is None:
        return False
    store_from_cache(node, source)
    LOGGER.debug("%s %s pk=%s taken from the cache of pk=%s", spec.kind, spec.name, node.pk, source.pk)
    return True


def _outputs_of(node: ProcessNode) -> Any:
    link_type = LinkType.CREATE if isinstance(node, CalculationNode) else LinkType.RETURN
    outputs = node.base.links.get_outgoing(link_type=link_type).nested()
    if len(outputs) == 1 and isinstance(outputs.get(SINGLE_OUTPUT_LABEL), Node):
        return outputs[SINGLE_OUTPUT_LABEL]
    return outputs


# -- finishing ------------------------------------------------------------------------------------


def _final_attributes(result: Any) -> dict[str, Any]:
    """The state a process that returned ``result`` ends in: finished, with its exit code, sealed."""
    final: dict[str, Any] = {ProcessNode.PROCESS_STATE_KEY: ProcessState.FINISHED.value}
    if isinstance(result, ExitCode):
        final[ProcessNode.EXIT_STATUS_KEY] = result.status
        if result.message is not None:
            final[ProcessNode.EXIT_MESSAGE_KEY] = result.message
    else:
        final[ProcessNode.EXIT_STATUS_KEY] = 0
    final[SEALED_KEY] = True
    return final


def _returned(spec: FunctionSpec, result: Any, inputs: CallInputs) -> tuple[Any, dict[str, Node]]:
    """What the call returns, and its outputs by link label (checked: nothing changes if refused).

    A returned mapping comes back as the nested dict of its outputs: a key with dots
    (``"nested.output"``) is a namespace, as in aiida-core.
    """
    if isinstance(result, ExitCode) or result is None:
        return {}, {}
    given = {id(source) for source in inputs.links.values()}
    if isinstance(result, Node):
        return result, {SINGLE_OUTPUT_LABEL: _checked_output(spec, SINGLE_OUTPUT_LABEL, result, given)}
    if isinstance(result, Mapping):
        flat: dict[str, Node] = {}
        nested = _flatten_into(spec, flat, "", result, given)
        return nested, flat
    raise OutputTypeError(
        f"{spec.kind} {spec.name} returned a {type(result).__name__} ({_short(result)}); return a Data node, "
        "a dict of Data nodes (possibly nested), an ExitCode or None"
    )


def _flatten_into(
    spec: FunctionSpec, flat: dict[str, Node], prefix: str, mapping: Mapping[Any, Any], given: set[int]
) -> dict[str, Any]:
    """Fill ``flat`` (link label -> node) from ``mapping``; returns the outputs as nested dicts."""
    nested: dict[str, Any] = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise PortValidationError(
                f"{spec.kind} {spec.name} returned an output key {key!r} that is not a str"
            )
        *spaces, name = key.split(".")
        level = nested
        for space in spaces:
            level = level.setdefault(space, {})
        label = prefix + key.replace(".", PORT_NAMESPACE_SEPARATOR)
        if isinstance(value, Mapping) and not isinstance(value, Node):
            level[name] = _flatten_into(spec, flat, label + PORT_NAMESPACE_SEPARATOR, value, given)
        else:
            flat[label] = level[name] = _checked_output(spec, label, value, given)
    return nested


def _checked_output(spec: FunctionSpec, label: str, value: Any, given: set[int]) -> Node:
    """``value`` if it may be the output ``label``; ``given`` holds the ids of the call's inputs."""
    if not isinstance(value, Data):
        raise PortValidationError(
            f"{spec.kind} {spec.name} returned output {label!r} of type {type(value).__name__} "
            f"({_short(value)}); outputs must be Data nodes, e.g. orm.Int(...) instead of a plain int"
        )
    creates = issubclass(spec.node_class, CalculationNode)
    if creates and (value.is_stored or id(value) in given):
        which = f"stored node pk={value.pk}" if value.is_stored else f"its input {value.uuid}"
        raise LinkValidationError(
            f"calcfunction {spec.name} returned {which} as output {label!r}; a calcfunction must "
            "create new data: return a new node, or return it from a workfunction"
        )
    if not creates and not value.is_stored:
        raise LinkValidationError(
            f"workfunction {spec.name} returned unstored node {value.uuid} as output {label!r}; "
            "a workflow can only return stored data: create it in a calcfunction the workfunction calls"
        )
    return value


def _link_created(node: ProcessNode, flat: dict[str, Node]) -> list[Node]:
    """Attach CREATE links from the unstored ``node`` to its new outputs; returns the outputs.

    The source is unstored, so it has no stored outgoing links: the degree rules are checked
    against the link caches alone, without a query. On failure the links added are undone.
    """
    added: list[Node] = []
    try:
        for label, output in flat.items():
            output.base.links.add_incoming(node, LinkType.CREATE, label)
            added.append(output)
    except BaseException:
        _forget_created(node, added)
        raise
    return added


def _forget_created(node: ProcessNode, outputs: list[Node]) -> None:
    """Drop the CREATE links from ``node`` cached on ``outputs`` (links the user made stay)."""
    for output in outputs:
        if not output.is_stored:
            output.base.links.discard_incoming(node)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- failures -------------------------------------------------------------------------------------


def _failure_attributes(exc: BaseException) -> dict[str, Any]:
    """Excepted (an error) or killed (an interrupt), sealed, with the exception text."""
    attributes: dict[str, Any] = {SEALED_KEY: True}
    if not isinstance(exc, Exception):
        attributes[ProcessNode.PROCESS_STATE_KEY] = ProcessState.KILLED.value
        attributes[ProcessNode.PROCESS_STATUS_KEY] = f"Killed by {type(exc).__name__}"
    else:
        attributes[ProcessNode.PROCESS_STATE_KEY] = ProcessState.EXCEPTED.value
        attributes[ProcessNode.EXCEPTION_KEY] = "".join(
            traceback.format_exception(type(exc), exc, None)
        ).rstrip()
    return attributes


def _record_unstored_failure(
    spec: FunctionSpec, node: ProcessNode, new_inputs: list[Node], prepared: PreparedRows, exc: BaseException
) -> None:
    """Store the new inputs (as prepared) and the node, excepted or killed, with a log entry, in
    one transaction; nothing of the outputs is written."""
    try:
        attributes = node.base.attributes
        for key in (ProcessNode.EXIT_STATUS_KEY, ProcessNode.EXIT_MESSAGE_KEY):
            if key in attributes:
                attributes.delete(key)
        attributes.set_many(_failure_attributes(exc))
        spec.info.attach_source(node)
        with node.backend.transaction():
            store_many([*new_inputs, node], prepared=prepared)
            write_log_records(node, node._pending_log_records or [])
            _log_entry(node, exc)
    except Exception:
        LOGGER.exception("could not record the failure of process node %s", node.uuid)


def _record_stored_failure(node: ProcessNode, exc: BaseException) -> None:
    """Mark the stored node excepted or killed, seal it, and log the traceback, in one transaction."""
    try:
        with node.backend.transaction():
            node.base.attributes.set_many(_failure_attributes(exc))
            _log_entry(node, exc)
    except Exception:
        LOGGER.exception("could not record the failure of process node pk=%s", node.pk)


def _log_entry(node: ProcessNode, exc: BaseException) -> Log:
    """The log entry AiiDA's engine writes when a process excepts (a REPORT with the traceback)."""
    where = "on_except" if isinstance(exc, Exception) else "on_kill"
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    message = f"[{node.pk}|{node.process_label}|{where}]: {text}"
    now = time.time()
    loggername = node.logger_name()
    metadata = {
        "name": loggername,
        "levelname": "REPORT",
        "levelno": _REPORT_LEVEL,
        "dbnode_id": node.pk,
        "message": message,
        "created": now,
    }
    return Log(
        datetime.fromtimestamp(now, tz=timezone.utc),
        loggername,
        "REPORT",
        cast(int, node.pk),
        message,
        metadata=metadata,
        backend=node.backend,
    )
