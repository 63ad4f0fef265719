"""Running one process-function call and recording it in the graph.

A call costs two transactions when it succeeds: one stores the new inputs and the process node
(already ``running``, with its input links and the CALL link from a calling workflow), one
stores the outputs with their links and marks the node finished and sealed. A failure replaces
the second by one that marks the node excepted, sealed, with a log entry holding the traceback.
Either way the graph never holds outputs without their creator, or an unsealed finished node.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, cast

from provgraph.caching import is_caching_enabled
from provgraph.exceptions import InputValidationError, LinkValidationError
from provgraph.orm.batch import store_many
from provgraph.orm.logs import Log
from provgraph.orm.nodes.caching_store import find_cache_source, store_from_cache
from provgraph.orm.nodes.data.data import Data
from provgraph.orm.nodes.link_types import LinkType
from provgraph.orm.nodes.links import PORT_NAMESPACE_SEPARATOR
from provgraph.orm.nodes.node import Node
from provgraph.orm.nodes.process.calculation import CalculationNode
from provgraph.orm.nodes.process.function import FunctionInfo
from provgraph.orm.nodes.process.process import ProcessNode, ProcessState
from provgraph.orm.nodes.process.workflow import WorkflowNode
from provgraph.provenance.exit_code import ExitCode
from provgraph.provenance.inputs import CallInputs

__all__ = ["FunctionSpec", "current_process", "run_function"]

LOGGER = logging.getLogger(__name__)

SINGLE_OUTPUT_LABEL = "result"
CALL_LINK_LABEL = "CALL"
_REPORT_LEVEL = 23  # AiiDA's REPORT level: process reports, including the traceback of an exception

_running = threading.local()


@dataclass(frozen=True)
class FunctionSpec:
    """What every run of one decorated function shares."""

    function: Callable[..., Any]
    node_class: type[ProcessNode]
    process_type: str
    info: FunctionInfo

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def kind(self) -> str:
        return "calcfunction" if issubclass(self.node_class, CalculationNode) else "workfunction"


def current_process() -> ProcessNode | None:
    """The process node of the innermost process function running in this thread, if any."""
    stack: list[ProcessNode] = getattr(_running, "stack", [])
    return stack[-1] if stack else None


@contextmanager
def _running_as(node: ProcessNode) -> Iterator[None]:
    stack: list[ProcessNode] = _running.__dict__.setdefault("stack", [])
    stack.append(node)
    try:
        yield
    finally:
        stack.pop()


def run_function(spec: FunctionSpec, inputs: CallInputs) -> tuple[Any, ProcessNode]:
    """Run ``spec.function`` with ``inputs``, record it, and return ``(outputs, node)``."""
    node = _new_node(spec, inputs)
    cached = _from_cache(spec, node, inputs)
    if cached:
        return _outputs_of(node), node
    if not node.is_stored:
        store_many([*(n for n in inputs.links.values() if not n.is_stored), node])
    try:
        with _running_as(node):
            result = spec.function(*inputs.args, **inputs.kwargs)
        outputs = _finish(spec, node, result)
    except BaseException as exc:
        _terminate_abnormally(node, exc)
        raise
    return outputs, node


def _new_node(spec: FunctionSpec, inputs: CallInputs) -> ProcessNode:
    """The unstored process node, running, with its input links and the CALL link of its caller."""
    node = spec.node_class(label=spec.name)
    node.process_type = spec.process_type
    node.base.attributes.set_many(
        {
            ProcessNode.PROCESS_STATE_KEY: ProcessState.RUNNING.value,
            ProcessNode.PROCESS_LABEL_KEY: spec.name,
            ProcessNode.METADATA_INPUTS_KEY: None,
            "version": _version_info(),
        }
    )
    spec.info.apply(node)
    link_type = LinkType.INPUT_CALC if isinstance(node, CalculationNode) else LinkType.INPUT_WORK
    for label, source in inputs.links.items():
        node.base.links.add_incoming(source, link_type, label)
    caller = current_process()
    if caller is not None:
        call_type = LinkType.CALL_CALC if isinstance(node, CalculationNode) else LinkType.CALL_WORK
        if not isinstance(caller, WorkflowNode):
            raise LinkValidationError(
                f"{spec.kind} {spec.name} was called inside calculation {caller.process_label} "
                f"(pk={caller.pk}); only workflows (workfunctions) may call other processes"
            )
        node.base.links.add_incoming(caller, call_type, CALL_LINK_LABEL)
    return node


def _version_info() -> dict[str, str]:
    from provgraph import __version__

    return {"provgraph": __version__}


def _from_cache(spec: FunctionSpec, node: ProcessNode, inputs: CallInputs) -> bool:
    """Store ``node`` as a clone of an equal earlier run, if caching is on and one exists."""
    if not isinstance(node, CalculationNode):
        return False
    if not is_caching_enabled(spec.process_type):
        return False
    store_many([n for n in inputs.links.values() if not n.is_stored])  # inputs' hashes need them stored
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


def _finish(spec: FunctionSpec, node: ProcessNode, result: Any) -> Any:
    """Record the outputs and the final state in one transaction; return what the call returns."""
    final: dict[str, Any] = {ProcessNode.PROCESS_STATE_KEY: ProcessState.FINISHED.value}
    if isinstance(result, ExitCode):
        final[ProcessNode.EXIT_STATUS_KEY] = result.status
        if result.message is not None:
            final[ProcessNode.EXIT_MESSAGE_KEY] = result.message
        flat: dict[str, Node] = {}
        returned: Any = {}
    else:
        final[ProcessNode.EXIT_STATUS_KEY] = 0
        flat = _flatten_outputs(spec, result)
        returned = result if result is not None else {}
    final["sealed"] = True
    with node.backend.transaction():
        _link_outputs(node, flat)
        node.base.attributes.set_many(final)
    return returned


def _flatten_outputs(spec: FunctionSpec, result: Any) -> dict[str, Node]:
    if result is None:
        return {}
    if isinstance(result, Node):
        return {SINGLE_OUTPUT_LABEL: _checked_output(spec, SINGLE_OUTPUT_LABEL, result)}
    if isinstance(result, Mapping):
        flat: dict[str, Node] = {}
        _flatten_into(spec, flat, "", result)
        return flat
    raise InputValidationError(
        f"{spec.kind} {spec.name} returned a {type(result).__name__} ({_short(result)}); return a Data node, "
        "a dict of Data nodes (possibly nested), an ExitCode or None"
    )


def _flatten_into(spec: FunctionSpec, flat: dict[str, Node], prefix: str, mapping: Mapping[Any, Any]) -> None:
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise InputValidationError(
                f"{spec.kind} {spec.name} returned an output key {key!r} that is not a str"
            )
        label = f"{prefix}{key}"
        if isinstance(value, Mapping) and not isinstance(value, Node):
            _flatten_into(spec, flat, label + PORT_NAMESPACE_SEPARATOR, value)
        else:
            flat[label] = _checked_output(spec, label, value)


def _checked_output(spec: FunctionSpec, label: str, value: Any) -> Node:
    if not isinstance(value, Data):
        raise InputValidationError(
            f"{spec.kind} {spec.name} returned output {label!r} of type {type(value).__name__} "
            f"({_short(value)}); outputs must be Data nodes, e.g. orm.Int(...) instead of a plain int"
        )
    creates = issubclass(spec.node_class, CalculationNode)
    if creates and value.is_stored:
        raise LinkValidationError(
            f"calcfunction {spec.name} returned stored node pk={value.pk} as output {label!r}; "
            "a calcfunction must create new data: return a new node, or return it from a workfunction"
        )
    if not creates and not value.is_stored:
        raise LinkValidationError(
            f"workfunction {spec.name} returned unstored node {value.uuid} as output {label!r}; "
            "a workflow can only return stored data: create it in a calcfunction the workfunction calls"
        )
    return value


def _link_outputs(node: ProcessNode, flat: dict[str, Node]) -> None:
    """CREATE links to new nodes (stored with them) or RETURN links to stored ones."""
    if isinstance(node, CalculationNode):
        added: list[Node] = []
        try:
            for label, output in flat.items():
                output.base.links.add_incoming(node, LinkType.CREATE, label)
                added.append(output)
            store_many(added)
        except BaseException:
            for output in added:  # forget the links we cached, keep any the user made
                links = output.base.links
                links._incoming_cache = [t for t in links._incoming_cache if t.node is not node]
            raise
    else:
        for label, output in flat.items():
            output.base.links.add_incoming(node, LinkType.RETURN, label)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- failures -------------------------------------------------------------------------------------


def _terminate_abnormally(node: ProcessNode, exc: BaseException) -> None:
    """Mark the node excepted (an error) or killed (interrupt), seal it, and log the traceback."""
    killed = not isinstance(exc, Exception)
    attributes: dict[str, Any] = {"sealed": True}
    if killed:
        attributes[ProcessNode.PROCESS_STATE_KEY] = ProcessState.KILLED.value
        attributes[ProcessNode.PROCESS_STATUS_KEY] = f"Killed by {type(exc).__name__}"
    else:
        attributes[ProcessNode.PROCESS_STATE_KEY] = ProcessState.EXCEPTED.value
        attributes[ProcessNode.EXCEPTION_KEY] = "".join(
            traceback.format_exception(type(exc), exc, None)
        ).rstrip()
    try:
        with node.backend.transaction():
            node.base.attributes.set_many(attributes)
            _log_entry(node, exc, "on_kill" if killed else "on_except").store()
    except Exception:
        LOGGER.exception("could not record the failure of process node pk=%s", node.pk)


def _log_entry(node: ProcessNode, exc: BaseException, where: str) -> Log:
    """The log entry AiiDA's engine writes when a process excepts (a REPORT with the traceback)."""
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
